package interop

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/smartmate/smartmate-mock/clock"
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

// emulator is a mockidp.TestServer with the interop realm. It runs on the
// system clock, because Node.js and Chromium check token times against
// their own clocks.
type emulator struct {
	*mockidp.Server
	url    string
	issuer string
}

// startEmulator starts an emulator with the interop realm and closes it
// when the test ends. Each test gets its own, so faults and key rotations
// never leak into another test. pageOrigins are added to the web origins
// of the keycloak-js client.
func startEmulator(t testing.TB, pageOrigins ...string) *emulator {
	t.Helper()
	ts := mockidp.NewTestServer(t,
		mockidp.WithClock(clock.System{}),
		mockidp.WithoutDefaultRealm(),
		mockidp.WithRealmJSON("testdata/interop-realm.json", interopRealm(t, pageOrigins)),
		mockidp.WithRealmKeys(realmName, testkeys.RSA(1), testkeys.RSA(2)),
	)
	return &emulator{Server: ts.Emulator(), url: ts.URL(), issuer: ts.Issuer(realmName)}
}

// interopRealm returns testdata/interop-realm.json with pageOrigins added
// to the keycloak-js client's web origins. The realm file's "+" is not
// enough for a page on a random port: like Keycloak 26, the emulator
// expands "+" to the origins of the redirect URIs, and
// http://127.0.0.1/* gives http://127.0.0.1 without a port.
func interopRealm(t testing.TB, pageOrigins []string) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/interop-realm.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(pageOrigins) == 0 {
		return raw
	}
	var realm map[string]any
	if err := json.Unmarshal(raw, &realm); err != nil {
		t.Fatalf("testdata/interop-realm.json is not JSON: %v", err)
	}
	clients, _ := realm["clients"].([]any)
	for _, c := range clients {
		client, _ := c.(map[string]any)
		if client["clientId"] != keycloakJSClient {
			continue
		}
		origins, _ := client["webOrigins"].([]any)
		for _, o := range pageOrigins {
			origins = append(origins, o)
		}
		client["webOrigins"] = origins
	}
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
