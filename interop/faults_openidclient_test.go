package interop

import (
	"testing"

	"github.com/smartmate/smartmate-mock/mockidp"
)

// prepareOpenIDClientCases returns the matrix runner for openid-client, by
// default or with enableNonRepudiationChecks. It obtains tokens through
// authorizationCodeGrant, which validates the ID token of the response, so
// the library's verdict is the error of that call.
func prepareOpenIDClientCases(nonRepudiation bool) func(*testing.T) (*emulator, func(*testing.T, string) cell) {
	return func(t *testing.T) (*emulator, func(*testing.T, string) cell) {
		e := startEmulator(t)
		rp, _ := newNodeRP(t, e, nonRepudiation)
		obtain := func(t *testing.T) (*nodeTokens, error) {
			t.Helper()
			return rp.codeFlow(t, newBrowserlessUser(t))
		}

		return e, func(t *testing.T, c string) cell {
			switch c {
			case string(mockidp.FaultRefreshNotJWT):
				// openid-client treats the refresh token as an opaque string.
				return cell{Verdict: notApplicable}
			case caseRotateDrop:
				// openid-client checks an ID token when it receives it and
				// has no call that checks a held token again.
				return cell{Verdict: notApplicable}
			case caseRotateKeep:
				held, err := obtain(t)
				if err != nil {
					t.Fatalf("tokens before the rotation rejected: %v", err)
				}
				e.rotateKeys(t, true)
				err = rp.call("refresh", map[string]any{"refreshToken": held.RefreshToken}, nil)
				if err != nil && !isLibraryError(err) {
					t.Fatal(err)
				}
				return outcome(err)
			}
			e.setFault(t, openIDClientClient, mockidp.RPFault(caseFault(c)))
			defer e.setFault(t, openIDClientClient, mockidp.FaultNone)
			_, err := obtain(t)
			return outcome(err)
		}
	}
}
