package interop

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/smartmate/smartmate-mock/internal/testkeys"
	"github.com/smartmate/smartmate-mock/mockidp"
)

var update = flag.Bool("update", false, "rewrite testdata/rp-fault-matrix.json and docs/rp-fault-matrix.md")

// The realm, users and clients of testdata/interop-realm.json.
const (
	realmName = "interop"
	username  = "carol"
	password  = "carol-password"
	userID    = "0c8a3e51-7d24-4f6b-9a1e-5b2d8c4f7a10"

	goOIDCClient       = "go-oidc"
	openIDClientClient = "openid-client"
	keycloakJSClient   = "keycloak-js"
)

// clientSecret returns the secret of a confidential client of the realm
// file.
func clientSecret(clientID string) string { return clientID + "-secret" }

// emulator is a mockidp.Server on a 127.0.0.1 port with the interop realm.
// It runs on the system clock, because Node.js and Chromium check token
// times against their own clocks.
type emulator struct {
	*mockidp.Server
	url    string
	issuer string
}

// startEmulator starts an emulator with the interop realm and closes it
// when the test ends. Each test gets its own, so faults and key rotations
// never leak into another test.
func startEmulator(t testing.TB) *emulator {
	t.Helper()
	hs := httptest.NewUnstartedServer(nil)
	base := "http://" + hs.Listener.Addr().String()
	log := slog.New(slog.NewTextHandler(testLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := mockidp.New(
		mockidp.WithFrontendURL(base),
		mockidp.WithLogger(log),
		mockidp.WithoutDefaultRealm(),
		mockidp.WithRealmJSON("testdata/interop-realm.json", interopRealm(t)),
	)
	if err != nil {
		hs.Close()
		t.Fatalf("mockidp.New() error = %v", err)
	}
	hs.Config.Handler = srv
	hs.Start()
	t.Cleanup(hs.Close)
	return &emulator{Server: srv, url: base, issuer: srv.Issuer(realmName)}
}

// interopRealm returns testdata/interop-realm.json with the fixed test keys
// added, so that no test waits for RSA key generation.
func interopRealm(t testing.TB) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/interop-realm.json")
	if err != nil {
		t.Fatal(err)
	}
	var realm map[string]any
	if err := json.Unmarshal(raw, &realm); err != nil {
		t.Fatalf("testdata/interop-realm.json is not JSON: %v", err)
	}
	keyDER := func(n int) string {
		block, _ := pem.Decode(testkeys.PEM(n))
		return base64.StdEncoding.EncodeToString(block.Bytes)
	}
	realm["components"] = map[string]any{"org.keycloak.keys.KeyProvider": []any{
		map[string]any{"name": "rsa", "providerId": "rsa", "config": map[string][]string{"privateKey": {keyDER(1)}, "priority": {"100"}}},
		map[string]any{"name": "rsa-enc", "providerId": "rsa-enc", "config": map[string][]string{"privateKey": {keyDER(2)}, "priority": {"100"}}},
	}}
	out, err := json.Marshal(realm)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// setFault sets the relying-party fault of a client through the testing
// endpoint, as a test that runs the emulator as a separate process would.
func (e *emulator) setFault(t testing.TB, clientID string, fault mockidp.RPFault) {
	t.Helper()
	target := e.issuer + "/testing/clients/" + url.PathEscape(clientID) + "/rp-fault"
	status, body := postForm(t, target, url.Values{"fault": {string(fault)}}, "", "")
	if status != http.StatusOK {
		t.Fatalf("setting fault %q on %s: status %d, body %s", fault, clientID, status, body)
	}
}

// rotateKeys publishes a new signing key through the testing endpoint;
// keepOld keeps the previous signing key in the JWKS.
func (e *emulator) rotateKeys(t testing.TB, keepOld bool) {
	t.Helper()
	status, body := postForm(t, e.issuer+"/testing/rotate-keys", url.Values{"keep": {fmt.Sprint(keepOld)}}, "", "")
	if status != http.StatusOK {
		t.Fatalf("rotating keys (keep %v): status %d, body %s", keepOld, status, body)
	}
}

// postForm posts a form, with client_secret_basic credentials unless
// clientID is empty, and returns the status and body.
func postForm(t testing.TB, target string, form url.Values, clientID, secret string) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if clientID != "" {
		req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatalf("POST %s: reading the body: %v", target, err)
	}
	return resp.StatusCode, body
}

// testLogWriter sends the emulator's log lines to the test log, so that
// they show up next to the failure that they explain.
type testLogWriter struct{ t testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Logf("emulator: %s", strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
