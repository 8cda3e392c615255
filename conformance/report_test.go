package conformance

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// sampleReport has one result of each outcome, with fixed times.
func sampleReport() *Report {
	check := func(id string, p Profile, sev Severity) *Check {
		return &Check{ID: id, Title: "Title of " + id, Spec: "RFC 6749 section 5.2", Severity: sev, Profile: p, Run: func(*C) {}}
	}
	return &Report{
		Target:   Target{Issuer: "http://127.0.0.1:8080/realms/demo"},
		Profiles: []Profile{ProfileOIDC, ProfileKeycloak},
		Started:  time.Date(2026, 1, 15, 9, 30, 0, 0, time.UTC),
		Duration: 1234 * time.Millisecond,
		Results: []Result{
			{Check: check("oidcc-server", ProfileOIDC, SeverityMust), Status: StatusPass, Duration: 42 * time.Millisecond,
				Evidence: []string{"GET http://127.0.0.1:8080/realms/demo/.well-known/openid-configuration", "→ 200 application/json"}},
			{Check: check("rfc6749-token-response-headers", ProfileOIDC, SeverityMust), Status: StatusWarning, Reason: `Pragma = "", want no-cache`,
				Duration: 3 * time.Millisecond, Evidence: []string{"warning: Pragma = \"\", want no-cache"}},
			{Check: check("keycloak-error-wrong-client-secret", ProfileKeycloak, SeverityMust), Status: StatusFail,
				Reason: `error = "invalid_client", want "unauthorized_client" & <more>`, Duration: 5 * time.Millisecond,
				Evidence: []string{"POST http://127.0.0.1:8080/realms/demo/protocol/openid-connect/token [Authorization: Basic ***] body: grant_type=client_credentials"}},
			{Check: check("oidcc-idtoken-unsigned", ProfileOIDC, SeverityMust), Status: StatusSkip,
				Reason: "id_token_signing_alg_values_supported does not list none, which is allowed"},
		},
	}
}

func TestReportWritersGolden(t *testing.T) {
	t.Parallel()
	for _, format := range []string{FormatText, FormatJSON, FormatJUnit} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := WriteReport(&buf, sampleReport(), format); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "report."+format+".golden")
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), buf.String()); diff != "" {
				t.Errorf("%s report (-want +got):\n%s", format, diff)
			}
		})
	}
}

func TestWriteReportUnknownFormat(t *testing.T) {
	t.Parallel()
	if err := WriteReport(&bytes.Buffer{}, sampleReport(), "yaml"); err == nil {
		t.Error("WriteReport(yaml) = nil, want an error")
	}
}

func TestReportCounts(t *testing.T) {
	t.Parallel()
	r := sampleReport()
	want := map[Status]int{StatusPass: 1, StatusWarning: 1, StatusFail: 1, StatusSkip: 1}
	if diff := cmp.Diff(want, r.Counts()); diff != "" {
		t.Errorf("Counts() (-want +got):\n%s", diff)
	}
	if !r.Failed() {
		t.Error("Failed() = false, want true")
	}
}
