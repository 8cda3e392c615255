package mockidp

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/smartmate/smartmate-mock/clock"
	"github.com/smartmate/smartmate-mock/internal/testkeys"
)

// browserRealm is the realm of the browser-flow tests. BACKCHANNEL is
// replaced by the back-channel logout URL of the test, or "".
const browserRealm = `{
  "realm": "test", "enabled": true,
  "accessTokenLifespan": 300, "accessCodeLifespan": 60,
  "ssoSessionIdleTimeout": 1800, "ssoSessionMaxLifespan": 36000,
  "components": {"org.keycloak.keys.KeyProvider": [
    {"name": "rsa", "providerId": "rsa", "config": {"privateKey": [%q], "priority": ["100"]}},
    {"name": "rsa-enc", "providerId": "rsa-enc", "config": {"privateKey": [%q], "priority": ["100"], "algorithm": ["RSA-OAEP"]}}
  ]},
  "clients": [
    {"clientId": "web", "publicClient": true, "rootUrl": "https://root.example.test",
     "redirectUris": ["http://127.0.0.1/cb", "https://app.example.test/app/*", "/relative/*", "myapp://callback",
       "https://exact.example.test/cb?x=1", "http://localhost:3000/*"],
     "webOrigins": ["+"], "attributes": {"post.logout.redirect.uris": "+"}},
    {"clientId": "spa", "publicClient": true, "redirectUris": ["http://127.0.0.1/*"],
     "webOrigins": ["https://spa.example.test"], "attributes": {"pkce.code.challenge.method": "S256", "post.logout.redirect.uris": "http://127.0.0.1/bye"}},
    {"clientId": "conf", "secret": "conf-secret", "redirectUris": ["http://127.0.0.1/*"], "directAccessGrantsEnabled": true,
     "webOrigins": ["*"], "attributes": {"backchannel.logout.url": "BACKCHANNEL"}},
    {"clientId": "other", "secret": "other-secret", "redirectUris": ["http://127.0.0.1/*"]},
    {"clientId": "implicit", "publicClient": true, "implicitFlowEnabled": true, "redirectUris": ["http://127.0.0.1/*"]},
    {"clientId": "nostd", "publicClient": true, "standardFlowEnabled": false, "redirectUris": ["http://127.0.0.1/*"]},
    {"clientId": "wild", "publicClient": true, "redirectUris": ["*"]},
    {"clientId": "norelroot", "publicClient": true, "redirectUris": ["/app/*"]},
    {"clientId": "none", "publicClient": true, "redirectUris": []},
    {"clientId": "off", "publicClient": true, "enabled": false, "redirectUris": ["http://127.0.0.1/*"]},
    {"clientId": "api", "bearerOnly": true},
    {"clientId": "auto", "publicClient": true, "redirectUris": ["http://127.0.0.1/*"],
     "attributes": {"smartmate.mock.auto-login-user": "alice"}}
  ],
  "users": [
    {"id": "11111111-1111-4111-8111-111111111111", "username": "alice", "enabled": true, "email": "alice@example.test",
     "emailVerified": true, "firstName": "Alice", "lastName": "Liddell",
     "credentials": [{"type": "password", "value": "alice-pw"}]},
    {"id": "22222222-2222-4222-8222-222222222222", "username": "carol", "enabled": false,
     "credentials": [{"type": "password", "value": "carol-pw"}]},
    {"id": "33333333-3333-4333-8333-333333333333", "username": "bob", "enabled": true,
     "credentials": [{"type": "password", "value": "bob-pw"}]}
  ]
}`

// browserEnv is an emulator on a loopback listener with the test realm
// and a fake clock.
type browserEnv struct {
	srv    *Server
	ts     *httptest.Server
	clock  *clock.Fake
	issuer string
}

// newBrowserEnv starts an emulator for the test realm; backchannel is the
// back-channel logout URL of client "conf", or "".
func newBrowserEnv(t testing.TB, backchannel string, opts ...Option) *browserEnv {
	t.Helper()
	env := &browserEnv{clock: clock.NewFake(testStart)}
	env.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		env.srv.ServeHTTP(w, r)
	}))
	t.Cleanup(env.ts.Close)
	realm := fmt.Sprintf(browserRealm, string(testkeys.PEM(1)), string(testkeys.PEM(2)))
	realm = strings.ReplaceAll(realm, "BACKCHANNEL", backchannel)
	all := append([]Option{
		WithoutDefaultRealm(), WithRealmJSON("test-realm.json", []byte(realm)),
		WithFrontendURL(env.ts.URL), WithClock(env.clock),
	}, opts...)
	srv, err := New(all...)
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	if err := srv.WaitReady(context.Background()); err != nil {
		t.Fatalf("WaitReady() error = %v", err)
	}
	env.srv = srv
	env.issuer = env.ts.URL + "/realms/test"
	return env
}

// browser returns an HTTP client with a cookie jar that does not follow
// redirects, like a browser whose every step the test inspects.
func (env *browserEnv) browser(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// authURL returns the authorization URL with params.
func (env *browserEnv) authURL(params url.Values) string {
	return env.issuer + "/protocol/openid-connect/auth?" + params.Encode()
}

// response is a read HTTP response.
type response struct {
	status   int
	header   http.Header
	body     string
	location *url.URL
}

func send(t testing.TB, hc *http.Client, req *http.Request) *response {
	t.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := &response{status: resp.StatusCode, header: resp.Header, body: string(body)}
	if loc := resp.Header.Get("Location"); loc != "" {
		if r.location, err = url.Parse(loc); err != nil {
			t.Fatalf("Location %q: %v", loc, err)
		}
	}
	return r
}

func fetchPage(t testing.TB, hc *http.Client, u string) *response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return send(t, hc, req)
}

func submitForm(t testing.TB, hc *http.Client, u string, form url.Values) *response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return send(t, hc, req)
}

var formActionPattern = regexp.MustCompile(`<form id="kc-form-login" method="post" action="([^"]+)"`)

// loginAction returns the login form's action URL from a login page.
func loginAction(t testing.TB, body string) string {
	t.Helper()
	m := formActionPattern.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no login form in page:\n%s", body)
	}
	return html.UnescapeString(m[1])
}

// signIn completes the login form of page with the credentials and
// returns the response to the form post.
func signIn(t testing.TB, hc *http.Client, page, username, password string) *response {
	t.Helper()
	return submitForm(t, hc, loginAction(t, page), url.Values{
		"username": {username}, "password": {password}, "credentialId": {""}, "login": {"Sign In"},
	})
}

// codeParams are the parameters of a code request for client "web".
func codeParams(client, redirectURI string) url.Values {
	return url.Values{
		"client_id": {client}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"st-1"}, "nonce": {"n-1"},
	}
}

// loginCode runs a code flow as alice for params and returns the
// authorization response's redirect.
func (env *browserEnv) loginCode(t testing.TB, hc *http.Client, params url.Values) *url.URL {
	t.Helper()
	page := fetchPage(t, hc, env.authURL(params))
	if page.status != http.StatusOK {
		t.Fatalf("GET auth: status %d, body %s", page.status, page.body)
	}
	resp := signIn(t, hc, page.body, "alice", "alice-pw")
	if resp.status != http.StatusFound || resp.location == nil {
		t.Fatalf("login POST: status %d, want 302; body %s", resp.status, resp.body)
	}
	return resp.location
}

// tokenRequest posts form to the token endpoint and decodes the body.
func (env *browserEnv) tokenRequest(t testing.TB, form url.Values) (int, map[string]any) {
	t.Helper()
	resp := submitForm(t, http.DefaultClient, env.issuer+"/protocol/openid-connect/token", form)
	var body map[string]any
	if err := json.Unmarshal([]byte(resp.body), &body); err != nil {
		t.Fatalf("token response %q: %v", resp.body, err)
	}
	return resp.status, body
}

// pkcePair returns a verifier and its S256 challenge.
func pkcePair(seed string) (verifier, challenge string) {
	verifier = strings.Repeat(seed, 43/len(seed)+1)[:43]
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// tokenPayload decodes the payload of a compact JWS without verifying it.
func tokenPayload(t testing.TB, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a compact JWS", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}
