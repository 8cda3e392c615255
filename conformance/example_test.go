package conformance_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/smartmate/smartmate-mock/conformance"
	"github.com/smartmate/smartmate-mock/mockidp"
	"github.com/smartmate/smartmate-mock/smartmatetest"
)

// The two tests below are the examples of docs/conformance.md, kept
// compiling and passing here. Change both together.

// TestRunAgainstTestServer runs the oidc and keycloak profiles against
// mockidp.NewTestServer, which serves no Smartmate API. Sleep advances the
// server's fake clock: without it, the waits of oidcc-prompt-login and
// oidcc-max-age-1 pass in real time while the emulator's clock does not
// move, so those checks fail falsely.
func TestRunAgainstTestServer(t *testing.T) {
	t.Parallel()
	ts := mockidp.NewTestServer(t)
	target := conformance.DefaultTarget()
	target.Issuer = ts.Issuer("demo")
	conformance.Run(t, target, conformance.Options{
		Profiles: []conformance.Profile{conformance.ProfileOIDC, conformance.ProfileKeycloak},
		Sleep: func(_ context.Context, d time.Duration) error {
			ts.Clock().Advance(d)
			return nil
		},
	})
}

// TestRunAgainstSmartmateServer runs every profile against
// smartmatetest.NewServer, whose apps API listens on its own port, so the
// target names the API URL.
func TestRunAgainstSmartmateServer(t *testing.T) {
	t.Parallel()
	srv := smartmatetest.NewServer(t, nil)
	target := conformance.DefaultTarget()
	target.Issuer = srv.Issuer("demo")
	target.APIURL = srv.API.GraphQLURL("demo")
	report := conformance.Run(t, target, conformance.Options{
		Sleep: func(_ context.Context, d time.Duration) error {
			srv.Clock().Advance(d)
			return nil
		},
	})
	if n := countProfile(report, conformance.ProfileSmartmate); n == 0 {
		t.Errorf("no smartmate check ran")
	}
}

// countProfile returns the number of results of the profile's checks.
func countProfile(report *conformance.Report, p conformance.Profile) int {
	n := 0
	for _, res := range report.Results {
		if res.Check.Profile == p {
			n++
		}
	}
	return n
}

// TestDefaultTargetFollowsIssuer changes the issuer of DefaultTarget to a
// test server without an API: the smartmate checks must use the API URL
// derived from the new issuer, find no API there and skip, instead of
// calling port 8080.
func TestDefaultTargetFollowsIssuer(t *testing.T) {
	t.Parallel()
	ts := mockidp.NewTestServer(t)
	target := conformance.DefaultTarget()
	target.Issuer = ts.Issuer("demo")
	report, err := conformance.Execute(t.Context(), target, conformance.Options{
		Run: regexp.MustCompile("^smartmate-api-missing-token$"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Results) != 1 {
		t.Fatalf("got %d results, want 1", len(report.Results))
	}
	res := report.Results[0]
	if res.Status != conformance.StatusSkip {
		t.Errorf("status = %s (%s), want skip", res.Status, res.Reason)
	}
	wantURL := ts.URL() + "/workspaces/demo/graphql"
	if !strings.Contains(res.Reason, wantURL) {
		t.Errorf("reason = %q, want it to name %s", res.Reason, wantURL)
	}
	if report.Target.APIURL != wantURL {
		t.Errorf("report target APIURL = %q, want %q", report.Target.APIURL, wantURL)
	}
}
