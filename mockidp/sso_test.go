package mockidp

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// setCookieHeader returns the Set-Cookie header for name.
func setCookieHeader(t *testing.T, h http.Header, name string) string {
	t.Helper()
	for _, v := range h.Values("Set-Cookie") {
		if strings.HasPrefix(v, name+"=") {
			return v
		}
	}
	t.Fatalf("no Set-Cookie for %s in %v", name, h.Values("Set-Cookie"))
	return ""
}

func TestSSOCookies(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	hc := env.browser(t)
	page := fetchPage(t, hc, env.authURL(codeParams("web", "http://127.0.0.1/cb")))
	for _, name := range []string{"AUTH_SESSION_ID", "KC_RESTART"} {
		c := setCookieHeader(t, page.header, name)
		for _, want := range []string{"Path=/realms/test/", "HttpOnly", "SameSite=Lax"} {
			if !strings.Contains(c, want) {
				t.Errorf("%s cookie %q lacks %s", name, c, want)
			}
		}
	}
	login := signIn(t, hc, page.body, "alice", "alice-pw")
	identity := setCookieHeader(t, login.header, "KEYCLOAK_IDENTITY")
	session := setCookieHeader(t, login.header, "KEYCLOAK_SESSION")
	for _, want := range []string{"Path=/realms/test/", "HttpOnly", "SameSite=Lax", "Max-Age=36000"} {
		if !strings.Contains(identity, want) {
			t.Errorf("KEYCLOAK_IDENTITY cookie %q lacks %s", identity, want)
		}
	}
	if strings.Contains(identity, "Secure") {
		t.Errorf("KEYCLOAK_IDENTITY cookie %q is Secure on http", identity)
	}
	if strings.Contains(session, "HttpOnly") {
		t.Errorf("KEYCLOAK_SESSION cookie %q is HttpOnly; scripts read it", session)
	}
	if !strings.Contains(session, "Path=/realms/test/") {
		t.Errorf("KEYCLOAK_SESSION cookie %q lacks Path=/realms/test/", session)
	}
}

func TestSSOCookiesHTTPS(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "", WithFrontendURL("https://sso.example.test/auth"), WithRelativePath("/auth"))
	hc := env.browser(t)
	// The listener speaks http; the frontend URL decides the cookies.
	u := env.ts.URL + "/auth/realms/test/protocol/openid-connect/auth?" + codeParams("web", "http://127.0.0.1/cb").Encode()
	page := fetchPage(t, hc, u)
	if page.status != http.StatusOK {
		t.Fatalf("status %d, body %s", page.status, page.body)
	}
	c := setCookieHeader(t, page.header, "AUTH_SESSION_ID")
	for _, want := range []string{"Path=/auth/realms/test/", "Secure", "SameSite=None"} {
		if !strings.Contains(c, want) {
			t.Errorf("AUTH_SESSION_ID cookie %q lacks %s", c, want)
		}
	}
}

func TestSSOSessionReuse(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	hc := env.browser(t)
	first := env.loginCode(t, hc, codeParams("web", "http://127.0.0.1/cb"))

	resp := fetchPage(t, hc, env.authURL(withParams(codeParams("web", "http://127.0.0.1/cb"), map[string]string{"prompt": "none"})))
	if resp.status != http.StatusFound || resp.location.Query().Get("code") == "" {
		t.Fatalf("prompt=none with a session: status %d, location %v; want 302 with a code", resp.status, resp.location)
	}
	if got, want := resp.location.Query().Get("session_state"), first.Query().Get("session_state"); got != want {
		t.Errorf("session_state = %q, want the first login's %q", got, want)
	}
	status, body := env.tokenRequest(t, url.Values{
		"grant_type": {"authorization_code"}, "code": {resp.location.Query().Get("code")},
		"redirect_uri": {"http://127.0.0.1/cb"}, "client_id": {"web"},
	})
	if status != http.StatusOK {
		t.Fatalf("token status %d, body %v", status, body)
	}
	if got := tokenPayload(t, body["id_token"].(string))["acr"]; got != "0" {
		t.Errorf("acr after SSO = %v, want \"0\"", got)
	}
}

func TestSSOSessionIdleTimeout(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	hc := env.browser(t)
	env.loginCode(t, hc, codeParams("web", "http://127.0.0.1/cb"))
	env.clock.Advance(1801 * time.Second)
	resp := fetchPage(t, hc, env.authURL(withParams(codeParams("web", "http://127.0.0.1/cb"), map[string]string{"prompt": "none"})))
	if resp.status != http.StatusFound || resp.location.Query().Get("error") != "login_required" {
		t.Fatalf("prompt=none after the idle timeout: status %d, location %v; want login_required", resp.status, resp.location)
	}
}

func TestSSOSessionMaxLifespan(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	hc := env.browser(t)
	env.loginCode(t, hc, codeParams("web", "http://127.0.0.1/cb"))
	params := withParams(codeParams("web", "http://127.0.0.1/cb"), map[string]string{"prompt": "none"})
	// Activity every 20 minutes keeps the session from idling out until
	// its 10 hour maximum.
	for range 29 {
		env.clock.Advance(20 * time.Minute)
		if resp := fetchPage(t, hc, env.authURL(params)); resp.location.Query().Get("code") == "" {
			t.Fatalf("prompt=none at %v: %v, want a code", env.clock.Now().Sub(testStart), resp.location)
		}
	}
	env.clock.Advance(21 * time.Minute)
	resp := fetchPage(t, hc, env.authURL(params))
	if got := resp.location.Query().Get("error"); got != "login_required" {
		t.Fatalf("prompt=none after 10 h: error = %q, want login_required", got)
	}
}

func TestLoginPageMessages(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	base := codeParams("web", "http://127.0.0.1/cb")
	t.Run("login_hint prefills the username", func(t *testing.T) {
		t.Parallel()
		page := fetchPage(t, env.browser(t), env.authURL(withParams(base, map[string]string{"login_hint": "bob"})))
		if !strings.Contains(page.body, `name="username" type="text" value="bob"`) {
			t.Fatalf("username not prefilled with bob:\n%s", page.body)
		}
	})
	t.Run("e-mail as username", func(t *testing.T) {
		t.Parallel()
		// Keycloak 26 realms allow login with e-mail by default, which the
		// form's "Username or email" label promises.
		hc := env.browser(t)
		page := fetchPage(t, hc, env.authURL(base))
		resp := signIn(t, hc, page.body, "Alice@Example.test", "alice-pw")
		if resp.status != http.StatusFound || resp.location.Query().Get("code") == "" {
			t.Fatalf("status = %d, location %v; want a redirect with a code", resp.status, resp.location)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		t.Parallel()
		hc := env.browser(t)
		page := fetchPage(t, hc, env.authURL(base))
		resp := signIn(t, hc, page.body, "alice", "nope")
		if resp.status != http.StatusOK {
			t.Fatalf("status = %d, want 200", resp.status)
		}
		if !strings.Contains(resp.body, `<span id="input-error" class="input-error" aria-live="polite">Invalid username or password.</span>`) {
			t.Fatalf("page lacks the input error:\n%s", resp.body)
		}
		if !strings.Contains(resp.body, `aria-invalid="true"`) {
			t.Errorf("inputs are not marked aria-invalid")
		}
		// The form still works after a failure.
		again := signIn(t, hc, resp.body, "alice", "alice-pw")
		if again.status != http.StatusFound || again.location.Query().Get("code") == "" {
			t.Fatalf("second attempt: status %d, location %v", again.status, again.location)
		}
	})
	t.Run("unknown user", func(t *testing.T) {
		t.Parallel()
		hc := env.browser(t)
		page := fetchPage(t, hc, env.authURL(base))
		resp := signIn(t, hc, page.body, "mallory", "alice-pw")
		if resp.status != http.StatusOK || !strings.Contains(resp.body, "Invalid username or password.") {
			t.Fatalf("status %d, want 200 with the invalid credentials message:\n%s", resp.status, resp.body)
		}
	})
	t.Run("disabled user", func(t *testing.T) {
		t.Parallel()
		hc := env.browser(t)
		page := fetchPage(t, hc, env.authURL(base))
		resp := signIn(t, hc, page.body, "carol", "carol-pw")
		if resp.status != http.StatusOK || !strings.Contains(resp.body, "Account is disabled, contact your administrator.") {
			t.Fatalf("status %d, want 200 with the disabled message:\n%s", resp.status, resp.body)
		}
	})
	t.Run("prompt=login asks again", func(t *testing.T) {
		t.Parallel()
		hc := env.browser(t)
		first := env.loginCode(t, hc, base)
		page := fetchPage(t, hc, env.authURL(withParams(base, map[string]string{"prompt": "login"})))
		if page.status != http.StatusOK || !strings.Contains(page.body, "Please re-authenticate to continue.") {
			t.Fatalf("status %d, want the login form with the re-authenticate message:\n%s", page.status, page.body)
		}
		resp := signIn(t, hc, page.body, "alice", "alice-pw")
		if got, want := resp.location.Query().Get("session_state"), first.Query().Get("session_state"); got != want {
			t.Errorf("session_state after re-authentication = %q, want the same session %q", got, want)
		}
	})
	t.Run("max_age exceeded asks again", func(t *testing.T) {
		t.Parallel()
		env := newBrowserEnv(t, "")
		hc := env.browser(t)
		env.loginCode(t, hc, base)
		env.clock.Advance(120 * time.Second)
		resp := fetchPage(t, hc, env.authURL(withParams(base, map[string]string{"max_age": "300"})))
		if resp.status != http.StatusFound {
			t.Fatalf("max_age=300 after 120 s: status %d, want 302 through SSO", resp.status)
		}
		page := fetchPage(t, hc, env.authURL(withParams(base, map[string]string{"max_age": "60"})))
		if page.status != http.StatusOK || !strings.Contains(page.body, "Please re-authenticate to continue.") {
			t.Fatalf("max_age=60 after 120 s: status %d, want the login form:\n%s", page.status, page.body)
		}
		login := signIn(t, hc, page.body, "alice", "alice-pw")
		status, body := env.tokenRequest(t, url.Values{
			"grant_type": {"authorization_code"}, "code": {login.location.Query().Get("code")},
			"redirect_uri": {"http://127.0.0.1/cb"}, "client_id": {"web"},
		})
		if status != http.StatusOK {
			t.Fatalf("token status %d, body %v", status, body)
		}
		if got, want := tokenPayload(t, body["id_token"].(string))["auth_time"], float64(env.clock.Now().Unix()); got != want {
			t.Errorf("auth_time = %v, want the re-authentication time %v", got, want)
		}
	})
	t.Run("missing cookie", func(t *testing.T) {
		t.Parallel()
		page := fetchPage(t, env.browser(t), env.authURL(base))
		resp := signIn(t, &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, page.body, "alice", "alice-pw")
		if resp.status != http.StatusBadRequest || !strings.Contains(resp.body, "Cookie not found. Please make sure cookies are enabled in your browser.") {
			t.Fatalf("status %d, want 400 with the cookie message:\n%s", resp.status, resp.body)
		}
	})
	t.Run("expired form restarts", func(t *testing.T) {
		t.Parallel()
		env := newBrowserEnv(t, "")
		hc := env.browser(t)
		page := fetchPage(t, hc, env.authURL(base))
		env.clock.Advance(1801 * time.Second)
		resp := signIn(t, hc, page.body, "alice", "alice-pw")
		if resp.status != http.StatusOK || !strings.Contains(resp.body, "Your login attempt timed out.  Login will start from the beginning.") {
			t.Fatalf("status %d, want the login form with the timeout message:\n%s", resp.status, resp.body)
		}
		again := signIn(t, hc, resp.body, "alice", "alice-pw")
		if again.status != http.StatusFound || again.location.Query().Get("state") != "st-1" {
			t.Fatalf("login after restart: status %d, location %v; want 302 with state st-1", again.status, again.location)
		}
	})
}

func TestAutoLoginExtension(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	resp := fetchPage(t, env.browser(t), env.authURL(codeParams("auto", "http://127.0.0.1/cb")))
	if resp.status != http.StatusFound || resp.location.Query().Get("code") == "" {
		t.Fatalf("status %d, location %v; want 302 with a code and no form", resp.status, resp.location)
	}
	status, body := env.tokenRequest(t, url.Values{
		"grant_type": {"authorization_code"}, "code": {resp.location.Query().Get("code")},
		"redirect_uri": {"http://127.0.0.1/cb"}, "client_id": {"auto"},
	})
	if status != http.StatusOK {
		t.Fatalf("token status %d, body %v", status, body)
	}
	if got := tokenPayload(t, body["access_token"].(string))["sub"]; got != "11111111-1111-4111-8111-111111111111" {
		t.Errorf("sub = %v, want alice's id", got)
	}
}

func TestResponseModes(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	base := codeParams("implicit", "http://127.0.0.1/cb")
	t.Run("form_post", func(t *testing.T) {
		t.Parallel()
		hc := env.browser(t)
		page := fetchPage(t, hc, env.authURL(withParams(base, map[string]string{"response_mode": "form_post"})))
		resp := signIn(t, hc, page.body, "alice", "alice-pw")
		if resp.status != http.StatusOK {
			t.Fatalf("status %d, want 200 with a form", resp.status)
		}
		for _, want := range []string{`<form method="post" action="http://127.0.0.1/cb">`, `name="state" value="st-1"`, `name="code" value="`, `name="iss" value="` + env.issuer + `"`} {
			if !strings.Contains(resp.body, want) {
				t.Errorf("form_post page lacks %s:\n%s", want, resp.body)
			}
		}
	})
	t.Run("form_post to a custom scheme", func(t *testing.T) {
		t.Parallel()
		hc := env.browser(t)
		params := withParams(codeParams("web", "myapp://callback"), map[string]string{"response_mode": "form_post"})
		page := fetchPage(t, hc, env.authURL(params))
		resp := signIn(t, hc, page.body, "alice", "alice-pw")
		if !strings.Contains(resp.body, `<form method="post" action="myapp://callback">`) {
			t.Errorf("form_post page does not post to myapp://callback:\n%s", resp.body)
		}
	})
	t.Run("hybrid code id_token", func(t *testing.T) {
		t.Parallel()
		hc := env.browser(t)
		page := fetchPage(t, hc, env.authURL(withParams(base, map[string]string{"response_type": "code id_token"})))
		resp := signIn(t, hc, page.body, "alice", "alice-pw")
		if resp.status != http.StatusFound {
			t.Fatalf("status %d, want 302", resp.status)
		}
		f, _ := url.ParseQuery(resp.location.Fragment)
		id := tokenPayload(t, f.Get("id_token"))
		if id["c_hash"] != leftHalfHash(f.Get("code")) || id["nonce"] != "n-1" {
			t.Errorf("ID token c_hash, nonce = %v, %v; want %q, n-1", id["c_hash"], id["nonce"], leftHalfHash(f.Get("code")))
		}
		if _, ok := id["at_hash"]; ok {
			t.Errorf("ID token without an access token has at_hash")
		}
	})
	t.Run("implicit id_token token", func(t *testing.T) {
		t.Parallel()
		hc := env.browser(t)
		page := fetchPage(t, hc, env.authURL(withParams(base, map[string]string{"response_type": "id_token token"})))
		resp := signIn(t, hc, page.body, "alice", "alice-pw")
		f, _ := url.ParseQuery(resp.location.Fragment)
		if f.Get("code") != "" || f.Get("token_type") != "Bearer" || f.Get("expires_in") != "900" {
			t.Fatalf("fragment = %v, want tokens without a code, Bearer, 900 s", f)
		}
		id := tokenPayload(t, f.Get("id_token"))
		if id["at_hash"] != leftHalfHash(f.Get("access_token")) {
			t.Errorf("at_hash = %v, want %q", id["at_hash"], leftHalfHash(f.Get("access_token")))
		}
	})
}
