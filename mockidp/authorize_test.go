package mockidp

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// withParams returns base with the changes applied; an empty value deletes
// the parameter.
func withParams(base url.Values, changes map[string]string) url.Values {
	out := url.Values{}
	for k, v := range base {
		out[k] = append([]string(nil), v...)
	}
	for k, v := range changes {
		if v == "" {
			out.Del(k)
		} else {
			out.Set(k, v)
		}
	}
	return out
}

func TestAuthorizeErrorPages(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	base := codeParams("web", "http://127.0.0.1/cb")
	tests := []struct {
		name    string
		changes map[string]string
		status  int
		text    string
	}{
		{"missing client_id", map[string]string{"client_id": ""}, http.StatusBadRequest, "Missing parameters: client_id"},
		{"unknown client", map[string]string{"client_id": "nobody"}, http.StatusBadRequest, "Client not found."},
		{"disabled client", map[string]string{"client_id": "off"}, http.StatusBadRequest, "Client disabled."},
		{"bearer-only client", map[string]string{"client_id": "api"}, http.StatusForbidden, "Bearer-only applications are not allowed to initiate browser login."},
		{"unregistered redirect_uri", map[string]string{"redirect_uri": "https://evil.test/cb"}, http.StatusBadRequest, "Invalid parameter: redirect_uri"},
		{"missing redirect_uri with openid", map[string]string{"redirect_uri": ""}, http.StatusBadRequest, "Invalid parameter: redirect_uri"},
		{"client without redirect URIs", map[string]string{"client_id": "none"}, http.StatusBadRequest, "Invalid parameter: redirect_uri"},
		{"custom scheme not registered", map[string]string{"client_id": "wild", "redirect_uri": "other://cb"}, http.StatusBadRequest, "Invalid parameter: redirect_uri"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := fetchPage(t, env.browser(t), env.authURL(withParams(base, tt.changes)))
			if resp.status != tt.status {
				t.Fatalf("status = %d, want %d; body %s", resp.status, tt.status, resp.body)
			}
			if resp.location != nil {
				t.Fatalf("redirected to %s, want an error page", resp.location)
			}
			if !strings.Contains(resp.body, "<h1 id=\"kc-page-title\">We are sorry...</h1>") {
				t.Errorf("page lacks the \"We are sorry...\" heading:\n%s", resp.body)
			}
			if !strings.Contains(resp.body, ">"+htmlEscape(tt.text)+"</p>") {
				t.Errorf("page lacks %q:\n%s", tt.text, resp.body)
			}
			if ct := resp.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type = %q, want text/html", ct)
			}
		})
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("'", "&#39;", `"`, "&#34;", "<", "&lt;", ">", "&gt;", "&", "&amp;").Replace(s)
}

func TestAuthorizeErrorRedirects(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	_, challenge := pkcePair("abc")
	base := codeParams("web", "http://127.0.0.1/cb")
	spa := codeParams("spa", "http://127.0.0.1/cb")
	implicit := codeParams("implicit", "http://127.0.0.1/cb")
	tests := []struct {
		name        string
		params      url.Values
		fragment    bool
		error       string
		description string
	}{
		{"missing response_type", withParams(base, map[string]string{"response_type": ""}), false,
			"invalid_request", "Missing parameter: response_type"},
		{"unknown response_type", withParams(base, map[string]string{"response_type": "magic"}), false,
			"unsupported_response_type", ""},
		{"unknown response_mode", withParams(base, map[string]string{"response_mode": "jwt"}), false,
			"invalid_request", "Invalid parameter: response_mode"},
		{"standard flow disabled", codeParams("nostd", "http://127.0.0.1/cb"), false,
			"unauthorized_client", "Client is not allowed to initiate browser login with given response_type. Standard flow is disabled for the client."},
		{"implicit flow disabled", withParams(base, map[string]string{"response_type": "id_token"}), true,
			"unauthorized_client", "Client is not allowed to initiate browser login with given response_type. Implicit flow is disabled for the client."},
		{"invalid scope", withParams(base, map[string]string{"scope": "openid payroll"}), false,
			"invalid_scope", "Invalid scopes: openid payroll"},
		{"implicit without nonce", withParams(implicit, map[string]string{"response_type": "id_token token", "nonce": ""}), true,
			"invalid_request", "Missing parameter: nonce"},
		{"query mode with tokens", withParams(implicit, map[string]string{"response_type": "id_token", "response_mode": "query"}), true,
			"invalid_request", "Response_mode 'query' not allowed for implicit or hybrid flow"},
		{"enforced PKCE without method", withParams(spa, map[string]string{"code_challenge": challenge}), false,
			"invalid_request", "Missing parameter: code_challenge_method"},
		{"enforced PKCE with plain", withParams(spa, map[string]string{"code_challenge": challenge, "code_challenge_method": "plain"}), false,
			"invalid_request", "Invalid parameter: code challenge method is not configured one"},
		{"enforced PKCE without challenge", withParams(spa, map[string]string{"code_challenge_method": "S256"}), false,
			"invalid_request", "Missing parameter: code_challenge"},
		{"malformed challenge", withParams(base, map[string]string{"code_challenge": "short", "code_challenge_method": "S256"}), false,
			"invalid_request", "Invalid parameter: code_challenge"},
		{"unknown challenge method", withParams(base, map[string]string{"code_challenge": challenge, "code_challenge_method": "S512"}), false,
			"invalid_request", "Invalid parameter: code_challenge_method"},
		{"prompt none without session", withParams(base, map[string]string{"prompt": "none"}), false,
			"login_required", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := fetchPage(t, env.browser(t), env.authURL(tt.params))
			if resp.status != http.StatusFound || resp.location == nil {
				t.Fatalf("status = %d, want 302 to the client; body %s", resp.status, resp.body)
			}
			if got := resp.location.Scheme + "://" + resp.location.Host + resp.location.Path; got != "http://127.0.0.1/cb" {
				t.Errorf("redirected to %s, want http://127.0.0.1/cb", got)
			}
			q := resp.location.Query()
			if tt.fragment {
				q, _ = url.ParseQuery(resp.location.Fragment)
				if resp.location.RawQuery != "" {
					t.Errorf("fragment response has a query %q", resp.location.RawQuery)
				}
			}
			if got := q.Get("error"); got != tt.error {
				t.Errorf("error = %q, want %q", got, tt.error)
			}
			if got := q.Get("error_description"); got != tt.description {
				t.Errorf("error_description = %q, want %q", got, tt.description)
			}
			if got := q.Get("state"); got != "st-1" {
				t.Errorf("state = %q, want %q", got, "st-1")
			}
			if got := q.Get("iss"); got != env.issuer {
				t.Errorf("iss = %q, want %q", got, env.issuer)
			}
		})
	}
}

func TestAuthorizeResponseParameterOrder(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	loc := env.loginCode(t, env.browser(t), codeParams("web", "http://127.0.0.1/cb"))
	var names []string
	for _, pair := range strings.Split(loc.RawQuery, "&") {
		name, _, _ := strings.Cut(pair, "=")
		names = append(names, name)
	}
	if got, want := strings.Join(names, ","), "state,session_state,iss,code"; got != want {
		t.Fatalf("parameters = %s, want %s", got, want)
	}
}

func TestAuthorizeRelativeRedirectURI(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	params := codeParams("web", "https://root.example.test/relative/page")
	resp := fetchPage(t, env.browser(t), env.authURL(params))
	if resp.status != http.StatusOK || !strings.Contains(resp.body, `id="kc-form-login"`) {
		t.Fatalf("status = %d, want 200 with the login form; body %s", resp.status, resp.body)
	}
}

func TestAuthorizeByPOST(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	hc := env.browser(t)
	resp := submitForm(t, hc, env.issuer+"/protocol/openid-connect/auth", codeParams("web", "http://127.0.0.1/cb"))
	if resp.status != http.StatusOK || !strings.Contains(resp.body, `id="kc-form-login"`) {
		t.Fatalf("POST auth: status %d, want 200 with the login form; body %s", resp.status, resp.body)
	}
	login := signIn(t, hc, resp.body, "alice", "alice-pw")
	if login.status != http.StatusFound || login.location.Query().Get("code") == "" {
		t.Fatalf("login: status %d, location %v; want 302 with a code", login.status, login.location)
	}
}

func TestAuthorizeIgnoresUnknownParameters(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	hc := env.browser(t)
	params := withParams(codeParams("web", "http://127.0.0.1/cb"), map[string]string{
		"ui_locales": "de-CH en", "acr_values": "1", "claims_locales": "fr", "x-custom": "1",
	})
	page := fetchPage(t, hc, env.authURL(params))
	if page.status != http.StatusOK || !strings.Contains(page.body, `<html lang="en">`) {
		t.Fatalf("status %d, want the English login page:\n%s", page.status, page.body)
	}
	login := signIn(t, hc, page.body, "alice", "alice-pw")
	if login.status != http.StatusFound || login.location.Query().Get("code") == "" {
		t.Fatalf("login: status %d, location %v; want 302 with a code", login.status, login.location)
	}
}
