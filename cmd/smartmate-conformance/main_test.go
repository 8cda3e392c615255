package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/smartmate/smartmate-mock/mockidp"
)

// noEnv is a lookup with no environment variables set.
func noEnv(string) (string, bool) { return "", false }

// brokenProvider serves a discovery document without jwks_uri, which
// oidcc-discovery-endpoint-verification must fail.
func brokenProvider(t *testing.T) string {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                srv.URL,
			"authorization_endpoint":                srv.URL + "/auth",
			"token_endpoint":                        srv.URL + "/token",
			"response_types_supported":              []string{"code"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// startEmulator serves the emulator's demo realm on loopback.
func startEmulator(t *testing.T) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	idp, err := mockidp.New(mockidp.WithFrontendURL(base))
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = idp
	srv.Start()
	t.Cleanup(srv.Close)
	return base
}

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr, noEnv, false)
	return code, stdout.String(), stderr.String()
}

func TestRunUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad format", []string{"--format", "yaml"}, "invalid --format"},
		{"bad profile", []string{"--profile", "saml"}, "unknown profile"},
		{"bad regexp", []string{"--run", "("}, "invalid --run regexp"},
		{"extra argument", []string{"extra"}, "unexpected argument"},
		{"bad issuer", []string{"--issuer", "not a url"}, "invalid issuer"},
		{"list as junit", []string{"--list", "--format", "junit"}, "invalid --format junit with --list"},
		{"negative timeout", []string{"--check-timeout", "-1s"}, "invalid --check-timeout -1s"},
		{"run matches nothing", []string{"--run", "^no-such-check$"}, `no check matches --run "^no-such-check$"`},
		{"list matches nothing", []string{"--list", "--profile", "smartmate", "--run", "oidcc-"}, `no check matches --run "oidcc-" in the profiles smartmate`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := runCLI(t, tt.args...)
			if code != exitUsage {
				t.Errorf("exit = %d, want %d", code, exitUsage)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.want)
			}
		})
	}
}

func TestRunUnreachableProvider(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close() // nothing listens on addr any more
	code, _, stderr := runCLI(t, "--issuer", addr+"/realms/demo")
	if code != exitUsage {
		t.Errorf("exit = %d, want %d", code, exitUsage)
	}
	if !strings.HasPrefix(stderr, "smartmate-conformance: provider unreachable: ") {
		t.Errorf("stderr = %q, want it to start with the prefix once, then say unreachable", stderr)
	}
	if strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr = %q, want one line", stderr)
	}
}

func TestRunFailedCheckExitsOne(t *testing.T) {
	t.Parallel()
	issuer := brokenProvider(t)
	code, stdout, _ := runCLI(t, "--issuer", issuer, "--run", "^oidcc-discovery-endpoint-verification$", "--format", "json")
	if code != exitFailed {
		t.Errorf("exit = %d, want %d", code, exitFailed)
	}
	var report struct {
		Summary map[string]int `json:"summary"`
		Results []struct {
			ID, Status, Title, Spec string
			DurationMS              *int64   `json:"duration_ms"`
			Evidence                []string `json:"evidence"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\n%s", err, stdout)
	}
	if report.Summary["fail"] != 1 || len(report.Results) != 1 {
		t.Fatalf("summary = %v with %d results, want 1 fail", report.Summary, len(report.Results))
	}
	r := report.Results[0]
	if r.ID != "oidcc-discovery-endpoint-verification" || r.Status != "fail" || r.DurationMS == nil || len(r.Evidence) == 0 {
		t.Errorf("result = %+v", r)
	}
	if !strings.Contains(strings.Join(r.Evidence, "\n"), "jwks_uri is missing") {
		t.Errorf("evidence does not name the missing jwks_uri: %v", r.Evidence)
	}
}

func TestRunExpectedFailures(t *testing.T) {
	t.Parallel()
	issuer := brokenProvider(t)
	dir := t.TempDir()
	listed := filepath.Join(dir, "listed.json")
	empty := filepath.Join(dir, "empty.json")
	if err := os.WriteFile(listed, []byte(`{"oidcc-discovery-endpoint-verification": "no jwks_uri"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(empty, []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--issuer", issuer, "--run", "^oidcc-discovery-endpoint-verification$", "--output", filepath.Join(dir, "r.xml"), "--format", "junit"}

	code, _, stderr := runCLI(t, append(args, "--expected-failures", listed)...)
	if code != exitOK {
		t.Errorf("listed failure: exit = %d, want 0; stderr:\n%s", code, stderr)
	}
	code, _, stderr = runCLI(t, append(args, "--expected-failures", empty)...)
	if code != exitFailed || !strings.Contains(stderr, "unexpected failure: oidcc-discovery-endpoint-verification") {
		t.Errorf("unlisted failure: exit = %d, stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "\n1 difference from the expected failures\n") {
		t.Errorf("unlisted failure: stderr lacks the singular count:\n%s", stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "r.xml"))
	if err != nil || !bytes.Contains(data, []byte(`<testsuites`)) {
		t.Errorf("--output file is not a JUnit report: %v %q", err, data)
	}
}

func TestRunEmulatorTokenChecks(t *testing.T) {
	t.Parallel()
	base := startEmulator(t)
	code, stdout, stderr := runCLI(t, "--issuer", base+"/realms/demo", "--profile", "keycloak,oidc",
		"--run", "^(rfc6749-unsupported-grant-type|keycloak-error-wrong-client-secret|rfc7517-jwks-well-formed)$")
	if code != exitOK {
		t.Errorf("exit = %d, want 0; stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"PASS    rfc6749-unsupported-grant-type", "PASS    keycloak-error-wrong-client-secret", "3 checks in"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}

func TestListSelectsProfiles(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runCLI(t, "--list", "--profile", "smartmate")
	if code != exitOK {
		t.Fatalf("exit = %d", code)
	}
	if !strings.Contains(stdout, "smartmate-api-missing-token") || strings.Contains(stdout, "oidcc-server") {
		t.Errorf("--list --profile smartmate printed:\n%s", stdout)
	}
}

func TestParseArgsPrecedence(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "target.json")
	data := `{"issuer":"http://127.0.0.1:9000/realms/file","user":{"username":"from-file","password":"p"}}`
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SMARTMATE_CONFORMANCE_ISSUER": "http://127.0.0.1:9001/realms/env", "SMARTMATE_CONFORMANCE_USERNAME": "from-env"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }

	cfg, err := parseArgs([]string{"--target", file, "--username", "from-flag"}, &bytes.Buffer{}, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.target.Issuer != "http://127.0.0.1:9001/realms/env" {
		t.Errorf("issuer = %q, want the environment's", cfg.target.Issuer)
	}
	if cfg.target.User.Username != "from-flag" {
		t.Errorf("username = %q, want the flag's", cfg.target.User.Username)
	}
	if cfg.target.APIURL != "http://127.0.0.1:9001/workspaces/env/graphql" {
		t.Errorf("APIURL = %q, want it derived from the issuer", cfg.target.APIURL)
	}
	if cfg.target.PublicClient.ID != "demo-web" {
		t.Errorf("client id = %q, want the default", cfg.target.PublicClient.ID)
	}
}

func TestTargetFileUnknownKey(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "target.json")
	if err := os.WriteFile(file, []byte(`{"isuer": "http://127.0.0.1:9000/realms/x"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "--target", file)
	if code != exitUsage {
		t.Errorf("exit = %d, want %d", code, exitUsage)
	}
	if !strings.Contains(stderr, `unknown key "isuer"`) {
		t.Errorf("stderr = %q, want it to name the key", stderr)
	}
}

func TestBadOutputFailsBeforeChecks(t *testing.T) {
	t.Parallel()
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	output := filepath.Join(t.TempDir(), "missing-dir", "report.json")

	code, _, stderr := runCLI(t, "--issuer", srv.URL+"/realms/demo", "--output", output)
	if code != exitUsage {
		t.Errorf("exit = %d, want %d", code, exitUsage)
	}
	if !strings.Contains(stderr, "create --output file") || !strings.Contains(stderr, output) {
		t.Errorf("stderr = %q, want it to name the --output file", stderr)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("the provider got %d requests before the bad --output was reported, want 0", n)
	}
}

func TestRunUnknownRealmStopsEarly(t *testing.T) {
	t.Parallel()
	base := startEmulator(t)
	code, stdout, stderr := runCLI(t, "--issuer", base+"/realms/no-such-realm")
	if code != exitUsage {
		t.Errorf("exit = %d, want %d", code, exitUsage)
	}
	want := "smartmate-conformance: discovery returned HTTP 404 at " + base + "/realms/no-such-realm/.well-known/openid-configuration; check --issuer or --discovery-url\n"
	if stderr != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want no report", stdout)
	}
}

func TestUnknownFlagReportedOnce(t *testing.T) {
	t.Parallel()
	code, _, stderr := runCLI(t, "--no-such-flag")
	if code != exitUsage {
		t.Errorf("exit = %d, want %d", code, exitUsage)
	}
	if n := strings.Count(stderr, "flag provided but not defined: -no-such-flag"); n != 1 {
		t.Errorf("the error appears %d times in stderr, want once:\n%s", n, stderr)
	}
}

func TestListJSON(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runCLI(t, "--list", "--format", "json", "--profile", "smartmate")
	if code != exitOK {
		t.Fatalf("exit = %d, stderr:\n%s", code, stderr)
	}
	var list []struct{ ID, Profile, Severity, Title, Spec string }
	if err := json.Unmarshal([]byte(stdout), &list); err != nil {
		t.Fatalf("stdout is not a JSON array: %v\n%s", err, stdout)
	}
	if len(list) != 7 {
		t.Errorf("got %d checks, want the 7 of the smartmate profile", len(list))
	}
	for _, c := range list {
		if c.Profile != "smartmate" || c.Severity != "must" || !strings.HasPrefix(c.ID, "smartmate-") || c.Title == "" || c.Spec == "" {
			t.Errorf("listed check = %+v", c)
		}
	}
}

func TestTerminalShowsHeader(t *testing.T) {
	t.Parallel()
	base := startEmulator(t)
	issuer := base + "/realms/demo"
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--issuer", issuer, "--run", "^rfc7517-jwks-well-formed$"}, &stdout, &stderr, noEnv, true)
	if code != exitOK {
		t.Fatalf("exit = %d, stderr:\n%s", code, stderr.String())
	}
	want := "Conformance of " + issuer + " (profiles oidc)\n\n"
	if !strings.HasPrefix(stdout.String(), want) {
		t.Errorf("stdout = %q, want it to start with %q", stdout.String(), want)
	}
}

func TestHelpShowsPasswordDefaults(t *testing.T) {
	t.Parallel()
	code, _, stderr := runCLI(t, "-h")
	if code != exitOK {
		t.Fatalf("exit = %d", code)
	}
	for _, want := range []string{"(default alice-password)", "(default bob-password)"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}
