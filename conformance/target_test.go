package conformance

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestDefaultTargetMatchesDemoRealm(t *testing.T) {
	t.Parallel()
	tg := DefaultTarget()
	if tg.Issuer != "http://127.0.0.1:8080/realms/demo" {
		t.Errorf("issuer = %q", tg.Issuer)
	}
	if tg.APIURL != "" {
		t.Errorf("APIURL = %q, want empty so that it follows the issuer", tg.APIURL)
	}
	if got := tg.withAPIURL().APIURL; got != "http://127.0.0.1:8080/workspaces/demo/graphql" {
		t.Errorf("derived APIURL = %q", got)
	}
	if tg.Realm() != "demo" {
		t.Errorf("Realm() = %q, want demo", tg.Realm())
	}
	if err := tg.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
	want := []Profile{ProfileOIDC, ProfileKeycloak, ProfileSmartmate}
	if got := tg.ApplicableProfiles(); !slices.Equal(got, want) {
		t.Errorf("ApplicableProfiles() = %v, want %v", got, want)
	}
}

func TestApplicableProfilesPlainIssuer(t *testing.T) {
	t.Parallel()
	tg := Target{Issuer: "http://127.0.0.1:3000"}
	if got := tg.ApplicableProfiles(); !slices.Equal(got, []Profile{ProfileOIDC}) {
		t.Errorf("ApplicableProfiles() = %v, want [oidc]", got)
	}
	if got := DeriveAPIURL(tg.Issuer); got != "" {
		t.Errorf("DeriveAPIURL() = %q, want empty", got)
	}
}

func TestApplyEnvOverrides(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"SMARTMATE_CONFORMANCE_ISSUER":              "https://sso.example.test/realms/acme",
		"SMARTMATE_CONFORMANCE_CONFIDENTIAL_SECRET": "s",
		"SMARTMATE_CONFORMANCE_API_URL":             "",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tg := ApplyEnv(DefaultTarget(), lookup)
	if tg.Issuer != "https://sso.example.test/realms/acme" || tg.ConfidentialClient.Secret != "s" {
		t.Errorf("issuer %q secret %q", tg.Issuer, tg.ConfidentialClient.Secret)
	}
	if tg.APIURL != "" {
		t.Errorf("APIURL = %q, want it cleared by the empty variable", tg.APIURL)
	}
	if tg.PublicClient.ID != "demo-web" {
		t.Errorf("PublicClient.ID = %q, want the default kept", tg.PublicClient.ID)
	}
}

func TestLoadTargetFileUnknownKey(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "target.json")
	if err := os.WriteFile(path, []byte(`{"issuer": "http://127.0.0.1:9000/realms/x", "public_client": {"client_id": "a", "redirect_url": "http://127.0.0.1/cb"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadTargetFile(path, DefaultTarget())
	if err == nil {
		t.Fatal("LoadTargetFile accepted the unknown key redirect_url")
	}
	if !strings.Contains(err.Error(), `unknown key "redirect_url"`) {
		t.Errorf("error = %q, want it to name the key", err)
	}
	if !strings.Contains(err.Error(), "redirect_uri") {
		t.Errorf("error = %q, want it to list the valid keys", err)
	}
}

func TestLoadTargetFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "target.json")
	data := `{"issuer":"http://127.0.0.1:9000/realms/x","public_client":{"client_id":"web","redirect_uri":"http://127.0.0.1/cb"}}`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	tg, err := LoadTargetFile(path, DefaultTarget())
	if err != nil {
		t.Fatal(err)
	}
	if tg.Issuer != "http://127.0.0.1:9000/realms/x" || tg.PublicClient.ID != "web" {
		t.Errorf("issuer %q client %q", tg.Issuer, tg.PublicClient.ID)
	}
	if tg.User.Username != "alice" {
		t.Errorf("User.Username = %q, want the default kept", tg.User.Username)
	}
	if _, err := LoadTargetFile(filepath.Join(t.TempDir(), "missing.json"), DefaultTarget()); err == nil {
		t.Error("LoadTargetFile(missing) = nil error")
	}
}

func TestValidateRejectsBadURL(t *testing.T) {
	t.Parallel()
	tg := DefaultTarget()
	tg.Issuer = "127.0.0.1:8080/realms/demo"
	if err := tg.Validate(); err == nil {
		t.Error("Validate() = nil, want an error for a URL without scheme")
	}
}

func TestRegistryFilter(t *testing.T) {
	t.Parallel()
	r := DefaultRegistry()
	counts := r.Count()
	if total := counts[ProfileOIDC] + counts[ProfileKeycloak] + counts[ProfileSmartmate]; total < 60 {
		t.Errorf("registry has %d checks, want at least 60", total)
	}
	got := r.Filter([]Profile{ProfileSmartmate}, regexp.MustCompile("missing"))
	if len(got) != 1 || got[0].ID != "smartmate-api-missing-token" {
		t.Errorf("Filter(smartmate, missing) = %d checks", len(got))
	}
	for _, c := range r.Checks() {
		if c.Title == "" || c.Spec == "" || c.Severity == "" {
			t.Errorf("check %s lacks a title, spec or severity", c.ID)
		}
	}
}

func TestVerdictSeverity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		sev  Severity
		run  func(c *C)
		want Status
	}{
		{"must violation fails", SeverityMust, func(c *C) { c.Errorf("x") }, StatusFail},
		{"should violation warns", SeverityShould, func(c *C) { c.Errorf("x") }, StatusWarning},
		{"warning", SeverityMust, func(c *C) { c.Warnf("x") }, StatusWarning},
		{"skip", SeverityMust, func(c *C) { c.Skipf("no feature") }, StatusSkip},
		{"violation beats skip", SeverityMust, func(c *C) { c.Errorf("x"); c.Skipf("y") }, StatusFail},
		{"panic fails", SeverityMust, func(c *C) { panic("boom") }, StatusFail},
		{"pass", SeverityMust, func(c *C) { c.Logf("ok") }, StatusPass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSession(DefaultTarget(), Options{})
			res := runCheck(t.Context(), s, &Check{ID: "t", Severity: tt.sev, Profile: ProfileOIDC, Run: tt.run}, 0)
			if res.Status != tt.want {
				t.Errorf("Status = %s, want %s", res.Status, tt.want)
			}
		})
	}
}

func TestExecuteStopsWhenCanceled(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"issuer":"x"}`))
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(t.Context())
	tg := DefaultTarget()
	tg.Issuer = srv.URL
	calls := 0
	report, err := Execute(ctx, tg, Options{
		Profiles: []Profile{ProfileOIDC},
		Finished: func(Result) {
			calls++
			cancel()
		},
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Execute() error = %v, want context.Canceled", err)
	}
	if calls != 1 || len(report.Results) != 1 {
		t.Errorf("ran %d checks (%d results), want 1", calls, len(report.Results))
	}
}
