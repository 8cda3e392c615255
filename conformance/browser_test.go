package conformance

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// keycloakLoginServer serves the saved Keycloak 26 login page at the
// authorization endpoint and handles the form post like Keycloak does. It
// requires the session cookie and the exact action query, then redirects to
// the redirect URI with a code. It is a fixture for the login driver, not a
// provider: it checks nothing else.
func keycloakLoginServer(t *testing.T) *httptest.Server {
	t.Helper()
	page := readTestdata(t, "keycloak26-login.html")
	var srv *httptest.Server
	mux := http.NewServeMux()
	mux.HandleFunc("GET /realms/demo/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{
			"issuer":                 srv.URL + "/realms/demo",
			"authorization_endpoint": srv.URL + "/realms/demo/protocol/openid-connect/auth",
			"token_endpoint":         srv.URL + "/realms/demo/protocol/openid-connect/token",
		})
	})
	mux.HandleFunc("GET /realms/demo/protocol/openid-connect/auth", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "AUTH_SESSION_ID", Value: "sess-1", Path: "/realms/demo/"})
		// Keep the request's redirect URI and state for the form post.
		http.SetCookie(w, &http.Cookie{Name: "KC_RESTART", Value: url.QueryEscape(r.URL.RawQuery), Path: "/realms/demo/"})
		w.Header().Set("Content-Type", "text/html;charset=utf-8")
		_, _ = w.Write([]byte(strings.ReplaceAll(string(page), "{{BASE}}", srv.URL)))
	})
	mux.HandleFunc("POST /realms/demo/login-actions/authenticate", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("session_code") != "Vq3dE-x8mK1pL0aZ_tQw7Hs2" || q.Get("client_id") != "demo-web" || q.Get("tab_id") != "nB4x9Yk2Lq0" || q.Get("execution") == "" {
			http.Error(w, "action query mangled: "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		if c, err := r.Cookie("AUTH_SESSION_ID"); err != nil || c.Value != "sess-1" {
			http.Error(w, "Cookie not found. Please make sure cookies are enabled in your browser.", http.StatusBadRequest)
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if r.PostForm.Get("username") != "alice" || r.PostForm.Get("password") != "alice-password" {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte(`<span id="input-error">Invalid username or password.</span>`))
			return
		}
		if _, ok := r.PostForm["login"]; !ok {
			http.Error(w, "submit button missing", http.StatusBadRequest)
			return
		}
		restart, _ := r.Cookie("KC_RESTART")
		raw, _ := url.QueryUnescape(restart.Value)
		orig, _ := url.ParseQuery(raw)
		target := orig.Get("redirect_uri") + "?state=" + url.QueryEscape(orig.Get("state")) +
			"&session_state=s1&iss=" + url.QueryEscape(srv.URL+"/realms/demo") + "&code=" + strings.Repeat("c", 43)
		http.Redirect(w, r, target, http.StatusFound)
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// runTestCheck runs fn as a check against target and returns the result.
func runTestCheck(t *testing.T, target Target, fn func(c *C)) Result {
	t.Helper()
	s := newSession(target, Options{})
	return runCheck(t.Context(), s, &Check{ID: "test", Severity: SeverityMust, Profile: ProfileOIDC, Run: fn}, 0)
}

func TestBrowserLogsInToKeycloakPage(t *testing.T) {
	t.Parallel()
	srv := keycloakLoginServer(t)
	target := DefaultTarget()
	target.Issuer = srv.URL + "/realms/demo"

	var landing *Landing
	var code string
	res := runTestCheck(t, target, func(c *C) {
		a := c.NewAuthRequest("openid")
		user := c.Target().User
		landing = c.Authorize(c.NewBrowser(), a, &user)
		code = c.RequireCode(landing, a)
	})
	if res.Status != StatusPass {
		t.Fatalf("Status = %s (%s), want pass; evidence:\n%s", res.Status, res.Reason, strings.Join(res.Evidence, "\n"))
	}
	if code != strings.Repeat("c", 43) {
		t.Errorf("code = %q, want the fixture's code", code)
	}
	if got := landing.Redirect.Host; got != "127.0.0.1" {
		t.Errorf("stopped at host %q, want the redirect URI's host 127.0.0.1", got)
	}
	if got := landing.Params.Get("session_state"); got != "s1" {
		t.Errorf("session_state = %q, want s1", got)
	}
	evidence := strings.Join(res.Evidence, "\n")
	if strings.Contains(evidence, "alice-password") {
		t.Errorf("evidence contains the password:\n%s", evidence)
	}
	if !strings.Contains(evidence, "password=***") {
		t.Errorf("evidence lacks the masked password field:\n%s", evidence)
	}
}

func TestBrowserWrongPasswordStaysOnPage(t *testing.T) {
	t.Parallel()
	srv := keycloakLoginServer(t)
	target := DefaultTarget()
	target.Issuer = srv.URL + "/realms/demo"
	target.User.Password = "wrong"

	var landing *Landing
	res := runTestCheck(t, target, func(c *C) {
		user := c.Target().User
		landing = c.Authorize(c.NewBrowser(), c.NewAuthRequest("openid"), &user)
	})
	if res.Status != StatusPass {
		t.Fatalf("Status = %s (%s), want pass", res.Status, res.Reason)
	}
	if landing.Redirect != nil {
		t.Fatalf("Redirect = %s, want none", landing.Redirect)
	}
	if landing.Page == nil || !landing.Page.Contains("Invalid username or password.") {
		t.Errorf("page does not show the login error")
	}
}
