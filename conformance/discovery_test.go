package conformance_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/smartmate/smartmate-mock/conformance"
	"github.com/smartmate/smartmate-mock/mockidp"
)

// TestDiscoveryChecksRecordRequest runs the checks that judge the discovery
// document itself and requires each to show the discovery request and its
// response in its evidence.
func TestDiscoveryChecksRecordRequest(t *testing.T) {
	t.Parallel()
	ts := mockidp.NewTestServer(t)
	target := conformance.DefaultTarget()
	target.Issuer = ts.Issuer("demo")
	ids := []string{
		"rfc7636-metadata-s256",
		"rfc8414-no-empty-arrays",
		"rfc8414-no-none-auth-signing-alg",
		"keycloak-endpoint-paths",
		"oidcc-backchannel-logout-discovery-endpoint-verification",
	}
	report, err := conformance.Execute(t.Context(), target, conformance.Options{
		Run: regexp.MustCompile("^(" + strings.Join(ids, "|") + ")$"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Results) != len(ids) {
		t.Fatalf("got %d results, want %d", len(report.Results), len(ids))
	}
	wantRequest := "GET " + target.Issuer + "/.well-known/openid-configuration"
	for _, res := range report.Results {
		evidence := strings.Join(res.Evidence, "\n")
		if !strings.Contains(evidence, wantRequest) {
			t.Errorf("%s: evidence lacks %q:\n%s", res.Check.ID, wantRequest, evidence)
		}
		if !strings.Contains(evidence, `→ 200 application/json {"`) {
			t.Errorf("%s: evidence lacks the response excerpt:\n%s", res.Check.ID, evidence)
		}
	}
}
