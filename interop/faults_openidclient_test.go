package interop

import (
	"testing"

	"github.com/smartmate/smartmate-mock/mockidp"
)

// prepareOpenIDClientCases returns the matrix runner for openid-client, by
// default or with enableNonRepudiationChecks. It obtains tokens through
// authorizationCodeGrant, or through the password grant while the emulator
// has no authorization endpoint. openid-client validates the ID token of
// every token endpoint response that it processes, so the library's
// verdict is the error of that call.
func prepareOpenIDClientCases(nonRepudiation bool) func(*testing.T, *emulator) func(*testing.T, string) cell {
	return func(t *testing.T, e *emulator) func(*testing.T, string) cell {
		rp, _ := newNodeRP(t, e, nonRepudiation)
		codeFlow := browserFlowsServed(t, e)
		obtain := func(t *testing.T) (*nodeTokens, error) {
			t.Helper()
			if codeFlow {
				return rp.codeFlow(t, newBrowserlessUser(t))
			}
			var tokens nodeTokens
			err := rp.call("password", map[string]any{"username": username, "password": password, "scope": "openid profile email"}, &tokens)
			if err != nil && !isLibraryError(err) {
				t.Fatal(err)
			}
			return &tokens, err
		}

		return func(t *testing.T, c string) cell {
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
