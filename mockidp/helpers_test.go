package mockidp

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smartmate/smartmate-mock/internal/testkeys"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/smartmate/smartmate-mock/clock"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// testStart is the fixed time at which test clocks start.
var testStart = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

// emulator is a Server behind a real loopback listener.
type emulator struct {
	*Server
	url   string
	clock *clock.Fake
}

// startEmulator serves a Server on 127.0.0.1 with a fake clock and closes it
// when the test ends.
func startEmulator(t testing.TB, opts ...Option) *emulator {
	t.Helper()
	hs := httptest.NewUnstartedServer(nil)
	base := "http://" + hs.Listener.Addr().String()
	clk := clock.NewFake(testStart)
	srv, err := New(append([]Option{WithFrontendURL(base), WithClock(clk)}, opts...)...)
	if err != nil {
		hs.Close()
		t.Fatalf("New() error = %v", err)
	}
	hs.Config.Handler = srv
	hs.Start()
	t.Cleanup(hs.Close)
	return &emulator{Server: srv, url: base, clock: clk}
}

func (e *emulator) tokenURL(realm string) string {
	return e.Issuer(realm) + "/protocol/openid-connect/token"
}

// postForm sends a form with optional Basic credentials and returns the
// status, headers and body.
func postForm(t testing.TB, target string, values url.Values, basicUser, basicPass string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, target, strings.NewReader(values.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicUser != "" {
		req.SetBasicAuth(basicUser, basicPass)
	}
	return do(t, req)
}

func do(t testing.TB, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, body
}

// tokenFor runs a grant and returns the decoded token response.
func tokenFor(t testing.TB, e *emulator, realm string, values url.Values, user, pass string) map[string]any {
	t.Helper()
	status, _, body := postForm(t, e.tokenURL(realm), values, user, pass)
	if status != http.StatusOK {
		t.Fatalf("token request %v: status %d, body %s", values, status, body)
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("token response is not JSON: %v: %s", err, body)
	}
	return out
}

// jwtParts decodes a compact JWS's header and payload without verifying it.
func jwtParts(t testing.TB, token string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	decode := func(s string) map[string]any {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatalf("token part is not base64url: %v", err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("token part is not JSON: %v", err)
		}
		return m
	}
	return decode(parts[0]), decode(parts[1])
}

// golden compares got, as indented JSON, with testdata/name, or rewrites
// the file with -update.
func golden(t *testing.T, name string, got any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(got); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	var wantV, gotV any
	if err := json.Unmarshal(want, &wantV); err != nil {
		t.Fatalf("golden file %s is not JSON: %v", path, err)
	}
	if err := json.Unmarshal(b, &gotV); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantV, gotV); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

// keyComponents returns a Keycloak components member with fixed test keys,
// so that test realms need no key generation.
func keyComponents() map[string]any {
	body := func(n int) string {
		block, _ := pem.Decode(testkeys.PEM(n))
		return base64.StdEncoding.EncodeToString(block.Bytes)
	}
	return map[string]any{"org.keycloak.keys.KeyProvider": []any{
		map[string]any{"name": "rsa", "providerId": "rsa", "config": map[string][]string{"privateKey": {body(1)}, "priority": {"100"}}},
		map[string]any{"name": "rsa-enc", "providerId": "rsa-enc", "config": map[string][]string{"privateKey": {body(2)}, "priority": {"100"}}},
	}}
}

// realmJSON builds a realm file from the given members plus fixed keys.
func realmJSON(t testing.TB, members map[string]any) []byte {
	t.Helper()
	m := map[string]any{"components": keyComponents()}
	for k, v := range members {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
