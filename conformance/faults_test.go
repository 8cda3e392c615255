package conformance_test

import (
	"context"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/smartmate/smartmate-mock/conformance"
	"github.com/smartmate/smartmate-mock/mockidp"
)

// runAgainstFault runs one check against an emulator whose tokens for
// clientID carry fault, and returns the result.
func runAgainstFault(t *testing.T, clientID string, fault mockidp.RPFault, checkID string) conformance.Result {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	idp, err := mockidp.New(mockidp.WithFrontendURL(base), mockidp.WithClientFault("demo", clientID, fault))
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = idp
	srv.Start()
	t.Cleanup(srv.Close)

	target := conformance.DefaultTarget()
	target.Issuer = base + "/realms/demo"
	report, err := conformance.Execute(context.Background(), target, conformance.Options{
		Profiles: []conformance.Profile{conformance.ProfileKeycloak},
		Run:      regexp.MustCompile("^" + regexp.QuoteMeta(checkID) + "$"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Results) != 1 {
		t.Fatalf("ran %d checks, want 1", len(report.Results))
	}
	return report.Results[0]
}

// TestTokenChecksCatchRPFaults proves that the token checks can fail: each
// of the emulator's relying-party faults must fail the check that reads the
// faulty token.
func TestTokenChecksCatchRPFaults(t *testing.T) {
	t.Parallel()
	// ID-token faults cannot show in a service account's tokens, which have
	// no ID token, and the refresh fault needs a refresh token. A wrong
	// access token audience is not detectable either: the audience an access
	// token needs depends on the resource server, so the kit does not pin it.
	notInServiceAccount := map[mockidp.RPFault]bool{
		mockidp.FaultWrongNonce: true, mockidp.FaultWrongAtHash: true,
		mockidp.FaultRefreshNotJWT: true, mockidp.FaultWrongAudience: true,
	}
	for _, fault := range mockidp.RPFaults {
		t.Run(string(fault)+"/code-flow", func(t *testing.T) {
			t.Parallel()
			res := runAgainstFault(t, "demo-web", fault, "keycloak-user-tokens")
			if res.Status != conformance.StatusFail {
				t.Errorf("status = %s, want fail; evidence:\n%s", res.Status, strings.Join(res.Evidence, "\n"))
			}
		})
		t.Run(string(fault)+"/password", func(t *testing.T) {
			t.Parallel()
			if fault == mockidp.FaultWrongNonce {
				t.Skip("the password grant sends no nonce, so a wrong nonce cannot be detected")
			}
			res := runAgainstFault(t, "demo-cli", fault, "keycloak-password-grant-tokens")
			if res.Status != conformance.StatusFail {
				t.Errorf("status = %s, want fail; evidence:\n%s", res.Status, strings.Join(res.Evidence, "\n"))
			}
		})
		if notInServiceAccount[fault] {
			continue
		}
		t.Run(string(fault)+"/service-account", func(t *testing.T) {
			t.Parallel()
			res := runAgainstFault(t, "demo-backend", fault, "keycloak-service-account-token")
			if res.Status != conformance.StatusFail {
				t.Errorf("status = %s, want fail; evidence:\n%s", res.Status, strings.Join(res.Evidence, "\n"))
			}
		})
	}
}
