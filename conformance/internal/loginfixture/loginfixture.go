// Package loginfixture serves a saved Keycloak 26 login page for the tests
// of the kit's login drivers. It is a fixture, not a provider. It checks
// only what a login driver must get right (the session cookie, the exact
// form action, the field names) and responds with a redirect that carries a
// code. Only tests import it.
package loginfixture

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Fixed values of the fixture's login form and redirect.
const (
	SessionCode = "Vq3dE-x8mK1pL0aZ_tQw7Hs2"
	TabID       = "nB4x9Yk2Lq0"
	Username    = "alice"
	Password    = "alice-password"
	SessionID   = "sess-1"
)

// Code is the authorization code the fixture issues.
var Code = strings.Repeat("c", 43)

// New serves page (the Keycloak 26 login page markup with {{BASE}} where
// the server's URL goes) for the realm "demo" and closes the server when
// the test ends.
func New(t testing.TB, page []byte) *httptest.Server {
	t.Helper()
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
		http.SetCookie(w, &http.Cookie{Name: "AUTH_SESSION_ID", Value: SessionID, Path: "/realms/demo/"})
		// Keep the request's redirect URI and state for the form post.
		http.SetCookie(w, &http.Cookie{Name: "KC_RESTART", Value: url.QueryEscape(r.URL.RawQuery), Path: "/realms/demo/"})
		w.Header().Set("Content-Type", "text/html;charset=utf-8")
		_, _ = w.Write([]byte(strings.ReplaceAll(string(page), "{{BASE}}", srv.URL)))
	})
	mux.HandleFunc("POST /realms/demo/login-actions/authenticate", func(w http.ResponseWriter, r *http.Request) {
		authenticate(w, r, srv.URL)
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// authenticate handles the login form post.
func authenticate(w http.ResponseWriter, r *http.Request, base string) {
	q := r.URL.Query()
	if q.Get("session_code") != SessionCode || q.Get("client_id") != "demo-web" || q.Get("tab_id") != TabID || q.Get("execution") == "" {
		http.Error(w, "action query mangled: "+r.URL.RawQuery, http.StatusBadRequest)
		return
	}
	if c, err := r.Cookie("AUTH_SESSION_ID"); err != nil || c.Value != SessionID {
		http.Error(w, "Cookie not found. Please make sure cookies are enabled in your browser.", http.StatusBadRequest)
		return
	}

	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if r.PostForm.Get("username") != Username || r.PostForm.Get("password") != Password {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<html><body><span id="input-error">Invalid username or password.</span></body></html>`))
		return
	}
	// The submit button's name is not required: Keycloak's onsubmit handler
	// disables the button, so a real browser never sends it.

	restart, err := r.Cookie("KC_RESTART")
	if err != nil {
		http.Error(w, "KC_RESTART cookie missing", http.StatusBadRequest)
		return
	}
	raw, _ := url.QueryUnescape(restart.Value)
	orig, _ := url.ParseQuery(raw)
	http.SetCookie(w, &http.Cookie{Name: "KEYCLOAK_IDENTITY", Value: "identity-1", Path: "/realms/demo/"})
	target := orig.Get("redirect_uri") + "?state=" + url.QueryEscape(orig.Get("state")) +
		"&session_state=s1&iss=" + url.QueryEscape(base+"/realms/demo") + "&code=" + Code
	http.Redirect(w, r, target, http.StatusFound)
}
