package mockidp

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// objectClaims are the claims of a request object for client that carry
// the state, nonce and redirect URI the response must show.
func objectClaims(client string) map[string]any {
	return map[string]any{
		"iss": client, "aud": "ignored", "client_id": client, "response_type": "code",
		"redirect_uri": "http://127.0.0.1/from-object", "scope": "openid",
		"state": "object-state", "nonce": "object-nonce", "max_age": 600,
	}
}

// outerParams are the query parameters that accompany a request object:
// another state and a redirect URI that the object's value must replace.
func outerParams(client string) url.Values {
	return url.Values{
		"client_id": {client}, "response_type": {"code"}, "scope": {"openid"},
		"redirect_uri": {"http://127.0.0.1/from-query"}, "state": {"query-state"},
	}
}

func TestRequestObjectAccepted(t *testing.T) {
	t.Parallel()
	env := newExtrasEnv(t, serveJWKS(t, 3))
	byReference := serveBody(t, "application/oauth-authz-req+jwt", unsignedObject(t, objectClaims("plain")))
	tests := []struct {
		name   string
		client string
		param  string
		value  string
	}{
		{"unsigned by value", "plain", "request", unsignedObject(t, objectClaims("plain"))},
		{"unsigned by reference", "plain", "request_uri", byReference + "/object.jwt"},
		{"signed with certificate", "cert", "request", signedObject(t, 3, objectClaims("cert"))},
		{"signed with jwks.url", "jwks", "request", signedObject(t, 3, objectClaims("jwks"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			params := outerParams(tt.client)
			params.Set(tt.param, tt.value)
			loc := env.loginCode(t, env.browser(t), params)
			if got := loc.Scheme + "://" + loc.Host + loc.Path; got != "http://127.0.0.1/from-object" {
				t.Errorf("redirected to %s, want the request object's http://127.0.0.1/from-object", got)
			}
			if got := loc.Query().Get("state"); got != "object-state" {
				t.Errorf("state = %q, want the request object's object-state", got)
			}
			if loc.Query().Get("code") == "" {
				t.Errorf("response %s has no code", loc)
			}
		})
	}
}

func TestRequestObjectNonceReachesIDToken(t *testing.T) {
	t.Parallel()
	env := newExtrasEnv(t, "")
	params := outerParams("plain")
	params.Set("request", unsignedObject(t, objectClaims("plain")))
	loc := env.loginCode(t, env.browser(t), params)
	status, body := env.tokenRequest(t, url.Values{
		"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {"http://127.0.0.1/from-object"}, "client_id": {"plain"},
	})
	if status != http.StatusOK {
		t.Fatalf("token status %d, body %v", status, body)
	}
	if got := tokenPayload(t, body["id_token"].(string))["nonce"]; got != "object-nonce" {
		t.Errorf("ID token nonce = %v, want the request object's object-nonce", got)
	}
}

func TestRequestObjectRejected(t *testing.T) {
	t.Parallel()
	env := newExtrasEnv(t, serveJWKS(t, 4))
	notFound := httpNotFoundURL(t)
	tooLarge := serveBody(t, "application/jwt", strings.Repeat("a", requestURIMaxBytes+1))
	certObject := serveBody(t, "application/jwt", unsignedObject(t, objectClaims("cert")))
	mismatch := objectClaims("plain")
	mismatch["client_id"] = "cert"
	tests := []struct {
		name      string
		client    string
		params    map[string]string
		wantError string
	}{
		{"not a JWT", "plain", map[string]string{"request": "not-a-jwt"}, "invalid_request_object"},
		{"payload not JSON", "plain", map[string]string{"request": "eyJhbGciOiJub25lIn0.bm90IGpzb24."}, "invalid_request_object"},
		{"none with a signature", "plain", map[string]string{"request": unsignedObject(t, objectClaims("plain")) + "c2ln"}, "invalid_request_object"},
		{"signed without client keys", "plain", map[string]string{"request": signedObject(t, 3, objectClaims("plain"))}, "invalid_request_object"},
		{"signed by another key", "cert", map[string]string{"request": signedObject(t, 4, objectClaims("cert"))}, "invalid_request_object"},
		{"jwks.url with another key", "jwks", map[string]string{"request": signedObject(t, 3, objectClaims("jwks"))}, "invalid_request_object"},
		{"client requires none", "noneonly", map[string]string{"request": signedObject(t, 3, objectClaims("noneonly"))}, "invalid_request_object"},
		{"client_id differs", "plain", map[string]string{"request": unsignedObject(t, mismatch)}, "invalid_request_object"},
		{"unsupported alg", "plain", map[string]string{"request": "eyJhbGciOiJIUzI1NiJ9.e30.c2ln"}, "invalid_request_object"},
		{"both request and request_uri", "plain", map[string]string{"request": unsignedObject(t, objectClaims("plain")), "request_uri": notFound}, "invalid_request"},
		{"request_uri not http", "plain", map[string]string{"request_uri": "file:///etc/passwd"}, "invalid_request_uri"},
		{"request_uri not found", "plain", map[string]string{"request_uri": notFound}, "invalid_request_uri"},
		{"request_uri too large", "plain", map[string]string{"request_uri": tooLarge}, "invalid_request_uri"},
		{"request_uri not registered", "registered", map[string]string{"request_uri": notFound}, "invalid_request_uri"},
		{"client without request.uris", "cert", map[string]string{"request_uri": certObject}, "invalid_request_uri"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := fetchPage(t, env.browser(t), env.authURL(withParams(outerParams(tt.client), tt.params)))
			if resp.status != http.StatusFound || resp.location == nil {
				t.Fatalf("status %d, want 302 with an error; body %s", resp.status, resp.body)
			}
			q := resp.location.Query()
			if got := resp.location.Path; got != "/from-query" {
				t.Errorf("error sent to path %s, want the query's /from-query", got)
			}
			if q.Get("error") != tt.wantError {
				t.Errorf("error = %q (%s), want %s", q.Get("error"), q.Get("error_description"), tt.wantError)
			}
			if q.Get("state") != "query-state" {
				t.Errorf("state = %q, want the query's query-state", q.Get("state"))
			}
			if q.Get("iss") != env.issuer {
				t.Errorf("iss = %q, want %s", q.Get("iss"), env.issuer)
			}
		})
	}
}

func TestRequestObjectErrorWithBadRedirectURI(t *testing.T) {
	t.Parallel()
	env := newExtrasEnv(t, "")
	params := withParams(outerParams("plain"), map[string]string{
		"redirect_uri": "https://unregistered.example.test/cb", "request": "not-a-jwt",
	})
	resp := fetchPage(t, env.browser(t), env.authURL(params))
	if resp.status != http.StatusBadRequest || resp.location != nil {
		t.Fatalf("status %d, location %v, want a 400 error page", resp.status, resp.location)
	}
	if !strings.Contains(resp.body, "Invalid Request") {
		t.Errorf("error page lacks \"Invalid Request\":\n%s", resp.body)
	}
}

func TestClaimsParameter(t *testing.T) {
	t.Parallel()
	env := newExtrasEnv(t, "")
	base := outerParams("plain")
	for _, bad := range []string{"not json", `["userinfo"]`, "null", `"name"`} {
		resp := fetchPage(t, env.browser(t), env.authURL(withParams(base, map[string]string{"claims": bad})))
		if resp.status != http.StatusFound || resp.location == nil {
			t.Fatalf("claims=%s: status %d, want 302", bad, resp.status)
		}
		q := resp.location.Query()
		if q.Get("error") != "invalid_request" || q.Get("error_description") != "Invalid parameter: claims" {
			t.Errorf("claims=%s: error %q %q, want invalid_request \"Invalid parameter: claims\"", bad, q.Get("error"), q.Get("error_description"))
		}
	}
	good := withParams(base, map[string]string{"claims": `{"userinfo":{"name":{"essential":true}}}`})
	if resp := fetchPage(t, env.browser(t), env.authURL(good)); resp.status != http.StatusOK {
		t.Errorf("valid claims: status %d, want 200 with the login page", resp.status)
	}
	inObject := objectClaims("plain")
	inObject["claims"] = map[string]any{"id_token": map[string]any{"email": nil}}
	params := withParams(base, map[string]string{"request": unsignedObject(t, inObject)})
	if resp := fetchPage(t, env.browser(t), env.authURL(params)); resp.status != http.StatusOK {
		t.Errorf("claims in a request object: status %d, want 200 with the login page", resp.status)
	}
}

// httpNotFoundURL returns a URL of a loopback server that returns 404.
func httpNotFoundURL(t testing.TB) string {
	t.Helper()
	ts := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(ts.Close)
	return ts.URL + "/missing"
}
