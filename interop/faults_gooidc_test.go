package interop

import (
	"context"
	"testing"

	"golang.org/x/oauth2"

	"github.com/smartmate/smartmate-mock/mockidp"
)

// prepareGoOIDCCases returns the matrix runner for go-oidc: it obtains
// tokens through the code flow and verifies them as go-oidc's
// documentation shows.
func prepareGoOIDCCases(t *testing.T) (*emulator, func(*testing.T, string) cell) {
	e := startEmulator(t)
	ctx := context.Background()
	rp := newGoRP(t, ctx, e)
	obtain := func(t *testing.T) *oauth2.Token {
		t.Helper()
		return rp.codeFlow(t, ctx).token
	}
	check := func(token *oauth2.Token) error {
		_, err := rp.verify(ctx, token)
		return err
	}

	return e, func(t *testing.T, c string) cell {
		switch c {
		case string(mockidp.FaultRefreshNotJWT):
			// x/oauth2 treats the refresh token as an opaque string.
			return cell{Verdict: notApplicable}
		case caseRotateKeep:
			held := obtain(t)
			verifyGoIDToken(t, ctx, rp, held)
			e.rotateKeys(t, true)
			refreshed, err := rp.config.TokenSource(ctx, &oauth2.Token{RefreshToken: held.RefreshToken}).Token()
			if err != nil {
				t.Fatalf("refresh after the rotation: %v", err)
			}
			return outcome(check(refreshed))
		case caseRotateDrop:
			// The verifier has the old key cached from the first check.
			held := obtain(t)
			verifyGoIDToken(t, ctx, rp, held)
			e.rotateKeys(t, false)
			return outcome(check(held))
		}
		e.setFault(t, goOIDCClient, mockidp.RPFault(caseFault(c)))
		defer e.setFault(t, goOIDCClient, mockidp.FaultNone)
		return outcome(check(obtain(t)))
	}
}

// caseFault returns the fault name of a matrix case; "none" is no fault.
func caseFault(c string) string {
	if c == caseNone {
		return ""
	}
	return c
}
