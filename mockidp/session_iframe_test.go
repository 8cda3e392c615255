package mockidp

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestIframePagesServed(t *testing.T) {
	t.Parallel()
	env := newExtrasEnv(t, "")
	oidc := env.issuer + "/protocol/openid-connect"
	for path, marker := range map[string]string{
		"/login-status-iframe.html": "KEYCLOAK_SESSION",
		"/3p-cookies/step1.html":    "step2.html",
		"/3p-cookies/step2.html":    "unsupported",
	} {
		resp := fetchPage(t, http.DefaultClient, oidc+path)
		if resp.status != http.StatusOK || !strings.HasPrefix(resp.header.Get("Content-Type"), "text/html") {
			t.Errorf("GET %s: status %d, Content-Type %q, want 200 text/html", path, resp.status, resp.header.Get("Content-Type"))
		}
		if xfo := resp.header.Get("X-Frame-Options"); xfo != "" {
			t.Errorf("GET %s: X-Frame-Options %q, want none so that other origins can embed it", path, xfo)
		}
		if !strings.Contains(resp.body, marker) {
			t.Errorf("GET %s: body lacks %q", path, marker)
		}
	}
}

func TestLoginStatusInit(t *testing.T) {
	t.Parallel()
	env := newExtrasEnv(t, "")
	tests := []struct {
		name, client, origin string
		want                 int
	}{
		{"listed web origin", "cert", "http://app.example.test", http.StatusNoContent},
		{"origin of a redirect URI with +", "plain", "http://127.0.0.1", http.StatusNoContent},
		{"other origin", "cert", "http://evil.example.test", http.StatusForbidden},
		{"client without web origins", "nosid", "http://127.0.0.1", http.StatusForbidden},
		{"unknown client", "nobody", "http://app.example.test", http.StatusForbidden},
		{"no origin", "cert", "", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := url.Values{"client_id": {tt.client}, "origin": {tt.origin}}
			resp := fetchPage(t, http.DefaultClient, env.issuer+"/protocol/openid-connect/login-status-iframe.html/init?"+q.Encode())
			if resp.status != tt.want {
				t.Errorf("init(%s, %s) status = %d, want %d", tt.client, tt.origin, resp.status, tt.want)
			}
		})
	}
}
