package interop

import (
	"testing"

	"github.com/smartmate/smartmate-mock/mockidp"
)

// keycloakJSUnverified lists the faults that only a signature check can
// see. keycloak-js decodes tokens without verifying their signatures, so
// these cases do not apply to it.
var keycloakJSUnverified = map[string]bool{
	string(mockidp.FaultBadSignature):   true,
	string(mockidp.FaultAlgNone):        true,
	string(mockidp.FaultHS256PublicKey): true,
	string(mockidp.FaultUnknownKID):     true,
	string(mockidp.FaultMissingKID):     true,
	caseRotateDrop:                      true,
}

// prepareKeycloakJSCases returns the matrix runner for keycloak-js: each
// case signs in with init({onLoad: 'login-required', pkceMethod: 'S256'})
// in a fresh browser context, and the library's verdict is the outcome of
// init.
func prepareKeycloakJSCases(t *testing.T) (*emulator, func(*testing.T, string) cell) {
	e, origin := startKeycloakJSPage(t)
	b := sharedBrowser(t)

	return e, func(t *testing.T, c string) cell {
		if keycloakJSUnverified[c] {
			return cell{Verdict: notApplicable}
		}
		ctx, closeTab := b.newTab(t)
		defer closeTab()

		if c == caseRotateKeep {
			if res, err := openPage(ctx, origin, "login-required", true); err != nil || !res.Authenticated {
				t.Fatalf("login before the rotation = %+v, %v", res, err)
			}
			e.rotateKeys(t, true)
			_, err := evalPromise[bool](ctx, `keycloak.updateToken(-1)`)
			return outcome(err)
		}

		e.setFault(t, keycloakJSClient, mockidp.RPFault(caseFault(c)))
		defer e.setFault(t, keycloakJSClient, mockidp.FaultNone)
		res, err := openPage(ctx, origin, "login-required", true)
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		switch {
		case res.Error != "":
			return cell{Verdict: rejected, Error: "init: " + res.Error}
		case !res.Authenticated:
			return cell{Verdict: rejected, Error: "init resolved to false"}
		}
		return cell{Verdict: accepted}
	}
}
