package mockidp

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// signedInTokens signs alice in to client through hc and returns the
// token response.
func (env *browserEnv) signedInTokens(t *testing.T, hc *http.Client, client string) map[string]any {
	t.Helper()
	loc := env.loginCode(t, hc, codeParams(client, "http://127.0.0.1/cb"))
	form := url.Values{
		"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {"http://127.0.0.1/cb"}, "client_id": {client},
	}
	if client == "conf" {
		form.Set("client_secret", "conf-secret")
	}
	status, body := env.tokenRequest(t, form)
	if status != http.StatusOK {
		t.Fatalf("token status %d, body %v", status, body)
	}
	return body
}

func (env *browserEnv) logoutURL(params url.Values) string {
	return env.issuer + "/protocol/openid-connect/logout?" + params.Encode()
}

func TestLogoutErrorPages(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	tokens := env.signedInTokens(t, env.browser(t), "web")
	hint := tokens["id_token"].(string)
	tests := []struct {
		name   string
		params url.Values
		text   string
	}{
		{"redirect without hint or client", url.Values{"post_logout_redirect_uri": {"http://127.0.0.1/cb"}}, "Missing parameters: id_token_hint"},
		{"hint is not a token", url.Values{"id_token_hint": {"garbage"}}, "Invalid parameter: id_token_hint"},
		{"hint is an access token", url.Values{"id_token_hint": {tokens["access_token"].(string)}}, "Invalid parameter: id_token_hint"},
		{"client_id differs from the hint", url.Values{"id_token_hint": {hint}, "client_id": {"spa"}}, "Invalid parameter: id_token_hint"},
		{"unregistered post-logout URI", url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {"https://evil.test/"}}, "Invalid redirect uri"},
		{"unknown client with redirect", url.Values{"client_id": {"nobody"}, "post_logout_redirect_uri": {"http://127.0.0.1/cb"}}, "Invalid redirect uri"},
		{"URI outside the listed post-logout URIs", url.Values{"client_id": {"spa"}, "post_logout_redirect_uri": {"http://127.0.0.1/cb"}}, "Invalid redirect uri"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := fetchPage(t, env.browser(t), env.logoutURL(tt.params))
			if resp.status != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400; body %s", resp.status, resp.body)
			}
			if !strings.Contains(resp.body, ">We are sorry...</h1>") || !strings.Contains(resp.body, ">"+tt.text+"</p>") {
				t.Fatalf("page lacks %q:\n%s", tt.text, resp.body)
			}
		})
	}
}

var sessionCodePattern = regexp.MustCompile(`name="session_code" value="([^"]+)"`)

func TestLogoutConfirmation(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	hc := env.browser(t)
	tokens := env.signedInTokens(t, hc, "web")

	page := fetchPage(t, hc, env.logoutURL(url.Values{"client_id": {"web"}, "post_logout_redirect_uri": {"http://127.0.0.1/cb"}, "state": {"s-9"}}))
	if page.status != http.StatusOK || !strings.Contains(page.body, "Do you want to log out?") {
		t.Fatalf("status %d, want the confirmation page:\n%s", page.status, page.body)
	}
	for _, want := range []string{
		`action="` + env.issuer + `/protocol/openid-connect/logout/logout-confirm"`,
		`name="confirmLogout"`,
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("confirmation page lacks %s", want)
		}
	}
	m := sessionCodePattern.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no session_code in the confirmation page")
	}
	resp := submitForm(t, hc, env.issuer+"/protocol/openid-connect/logout/logout-confirm", url.Values{
		"session_code": {m[1]}, "confirmLogout": {"Logout"},
	})
	if resp.status != http.StatusFound || resp.location.String() != "http://127.0.0.1/cb?state=s-9" {
		t.Fatalf("confirm: status %d, location %v; want 302 to http://127.0.0.1/cb?state=s-9", resp.status, resp.location)
	}
	status, body := env.tokenRequest(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tokens["refresh_token"].(string)}, "client_id": {"web"}})
	if status != http.StatusBadRequest || body["error_description"] != "Session not active" {
		t.Fatalf("refresh after logout: %d %v, want 400 \"Session not active\"", status, body)
	}
	again := submitForm(t, hc, env.issuer+"/protocol/openid-connect/logout/logout-confirm", url.Values{
		"session_code": {m[1]}, "confirmLogout": {"Logout"},
	})
	if again.status != http.StatusBadRequest || !strings.Contains(again.body, "Logout failed") {
		t.Errorf("reused session_code: status %d, want 400 \"Logout failed\"", again.status)
	}
}

func TestLogoutWithHint(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	t.Run("redirect with state", func(t *testing.T) {
		t.Parallel()
		hc := env.browser(t)
		tokens := env.signedInTokens(t, hc, "web")
		resp := fetchPage(t, hc, env.logoutURL(url.Values{
			"id_token_hint": {tokens["id_token"].(string)}, "post_logout_redirect_uri": {"http://127.0.0.1/cb"}, "state": {"s 1"},
		}))
		if resp.status != http.StatusFound || resp.location.String() != "http://127.0.0.1/cb?state=s+1" {
			t.Fatalf("status %d, location %v; want 302 to http://127.0.0.1/cb?state=s+1", resp.status, resp.location)
		}
		if c := setCookieHeader(t, resp.header, "KEYCLOAK_IDENTITY"); !strings.Contains(c, "Max-Age=0") {
			t.Errorf("KEYCLOAK_IDENTITY not cleared: %q", c)
		}
		silent := fetchPage(t, hc, env.authURL(withParams(codeParams("web", "http://127.0.0.1/cb"), map[string]string{"prompt": "none"})))
		if got := silent.location.Query().Get("error"); got != "login_required" {
			t.Errorf("prompt=none after logout: error = %q, want login_required", got)
		}
	})
	t.Run("form post", func(t *testing.T) {
		t.Parallel()
		hc := env.browser(t)
		tokens := env.signedInTokens(t, hc, "web")
		resp := submitForm(t, hc, env.issuer+"/protocol/openid-connect/logout", url.Values{
			"id_token_hint": {tokens["id_token"].(string)}, "post_logout_redirect_uri": {"http://127.0.0.1/cb"}, "state": {"p"},
		})
		if resp.status != http.StatusFound || resp.location.String() != "http://127.0.0.1/cb?state=p" {
			t.Fatalf("status %d, location %v; want 302 to http://127.0.0.1/cb?state=p", resp.status, resp.location)
		}
	})
	t.Run("logged out page", func(t *testing.T) {
		t.Parallel()
		hc := env.browser(t)
		tokens := env.signedInTokens(t, hc, "web")
		resp := fetchPage(t, hc, env.logoutURL(url.Values{"id_token_hint": {tokens["id_token"].(string)}}))
		if resp.status != http.StatusOK || !strings.Contains(resp.body, "You are logged out") {
			t.Fatalf("status %d, want 200 \"You are logged out\":\n%s", resp.status, resp.body)
		}
	})
	t.Run("other browser session asks first", func(t *testing.T) {
		t.Parallel()
		tokens := env.signedInTokens(t, env.browser(t), "web")
		other := env.browser(t)
		env.signedInTokens(t, other, "web")
		resp := fetchPage(t, other, env.logoutURL(url.Values{"id_token_hint": {tokens["id_token"].(string)}}))
		if resp.status != http.StatusOK || !strings.Contains(resp.body, "Do you want to log out?") {
			t.Fatalf("status %d, want the confirmation page", resp.status)
		}
	})
	t.Run("no session and known client redirects at once", func(t *testing.T) {
		t.Parallel()
		resp := fetchPage(t, env.browser(t), env.logoutURL(url.Values{"client_id": {"spa"}, "post_logout_redirect_uri": {"http://127.0.0.1:4444/bye"}}))
		if resp.status != http.StatusFound || resp.location.String() != "http://127.0.0.1:4444/bye" {
			t.Fatalf("status %d, location %v; want 302 to http://127.0.0.1:4444/bye", resp.status, resp.location)
		}
	})
}

func TestLogoutWithRefreshToken(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	logout := env.issuer + "/protocol/openid-connect/logout"
	introspect := env.issuer + "/protocol/openid-connect/token/introspect"
	tokens := env.signedInTokens(t, env.browser(t), "web")
	refresh := tokens["refresh_token"].(string)

	missing := submitForm(t, http.DefaultClient, logout, url.Values{"client_id": {"web"}, "refresh_token": {""}})
	if missing.status != http.StatusBadRequest || !strings.Contains(missing.body, `"error_description":"No refresh token"`) {
		t.Errorf("empty refresh_token: %d %s, want 400 \"No refresh token\"", missing.status, missing.body)
	}
	foreign := submitForm(t, http.DefaultClient, logout, url.Values{"client_id": {"spa"}, "refresh_token": {refresh}})
	if foreign.status != http.StatusBadRequest || !strings.Contains(foreign.body, "Token client and authorized client don't match") {
		t.Errorf("another client's token: %d %s, want 400 invalid_grant", foreign.status, foreign.body)
	}
	badSecret := submitForm(t, http.DefaultClient, logout, url.Values{"client_id": {"conf"}, "client_secret": {"wrong"}, "refresh_token": {refresh}})
	if badSecret.status != http.StatusUnauthorized || !strings.Contains(badSecret.body, `"error":"unauthorized_client"`) {
		t.Errorf("wrong secret: %d %s, want 401 unauthorized_client", badSecret.status, badSecret.body)
	}

	resp := submitForm(t, http.DefaultClient, logout, url.Values{"client_id": {"web"}, "refresh_token": {refresh}})
	if resp.status != http.StatusNoContent || resp.body != "" {
		t.Fatalf("logout: %d %q, want 204 and no body", resp.status, resp.body)
	}
	status, body := env.tokenRequest(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {"web"}})
	if status != http.StatusBadRequest || body["error_description"] != "Session not active" {
		t.Errorf("refresh after logout: %d %v, want 400 \"Session not active\"", status, body)
	}
	for _, token := range []string{refresh, tokens["access_token"].(string)} {
		r := submitForm(t, http.DefaultClient, introspect, url.Values{"client_id": {"conf"}, "client_secret": {"conf-secret"}, "token": {token}})
		if r.status != http.StatusOK || r.body != `{"active":false}` {
			t.Errorf("introspection after logout: %d %s, want {\"active\":false}", r.status, r.body)
		}
	}
}
