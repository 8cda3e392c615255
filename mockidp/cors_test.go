package mockidp

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	tests := []struct {
		path    string
		methods string
	}{
		{"/protocol/openid-connect/token", "POST, OPTIONS"},
		{"/protocol/openid-connect/token/introspect", "POST, OPTIONS"},
		{"/protocol/openid-connect/revoke", "POST, OPTIONS"},
		{"/protocol/openid-connect/userinfo", "GET, POST, OPTIONS"},
		{"/protocol/openid-connect/logout", "GET, POST, OPTIONS"},
		{"/protocol/openid-connect/certs", "GET, OPTIONS"},
		{"/.well-known/openid-configuration", "GET, OPTIONS"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodOptions, env.issuer+tt.path, nil)
			req.Header.Set("Origin", "https://anywhere.test")
			req.Header.Set("Access-Control-Request-Method", "POST")
			resp := send(t, http.DefaultClient, req)
			want := map[string]string{
				"Access-Control-Allow-Origin":      "https://anywhere.test",
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods":     tt.methods,
				"Access-Control-Allow-Headers":     corsAllowHeaders,
				"Access-Control-Max-Age":           "3600",
			}
			if resp.status != http.StatusOK {
				t.Fatalf("status = %d, want 200", resp.status)
			}
			for k, v := range want {
				if got := resp.header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestCORSWebOrigins(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	token := env.issuer + "/protocol/openid-connect/token"
	post := func(t *testing.T, origin string, form url.Values) *response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, token, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		return send(t, http.DefaultClient, req)
	}
	refresh := func(t *testing.T, client string) url.Values {
		tokens := env.signedInTokens(t, env.browser(t), client)
		return url.Values{"grant_type": {"refresh_token"}, "client_id": {client}, "refresh_token": {tokens["refresh_token"].(string)}}
	}
	tests := []struct {
		name   string
		origin string
		form   func(t *testing.T) url.Values
		allow  bool
	}{
		// Client web has "+": the origins of its redirect URIs.
		{"plus allows a redirect URI origin", "https://app.example.test", func(t *testing.T) url.Values { return refresh(t, "web") }, true},
		{"plus allows the root URL origin of a relative URI", "https://root.example.test", func(t *testing.T) url.Values { return refresh(t, "web") }, true},
		{"plus rejects another origin", "https://evil.test", func(t *testing.T) url.Values { return refresh(t, "web") }, false},
		{"literal origin", "https://spa.example.test", func(t *testing.T) url.Values {
			return url.Values{"grant_type": {"refresh_token"}, "client_id": {"spa"}, "refresh_token": {"x"}}
		}, true},
		{"literal rejects another origin", "https://app.example.test", func(t *testing.T) url.Values {
			return url.Values{"grant_type": {"refresh_token"}, "client_id": {"spa"}, "refresh_token": {"x"}}
		}, false},
		{"star allows any origin", "https://evil.test", func(t *testing.T) url.Values {
			return url.Values{"grant_type": {"refresh_token"}, "client_id": {"conf"}, "client_secret": {"conf-secret"}, "refresh_token": {"x"}}
		}, true},
		{"client authentication failure allows any origin", "https://evil.test", func(t *testing.T) url.Values {
			return url.Values{"grant_type": {"refresh_token"}, "client_id": {"nobody"}}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := post(t, tt.origin, tt.form(t))
			got := resp.header.Get("Access-Control-Allow-Origin")
			if tt.allow && got != tt.origin {
				t.Fatalf("Access-Control-Allow-Origin = %q, want %q (status %d)", got, tt.origin, resp.status)
			}
			if !tt.allow && got != "" {
				t.Fatalf("Access-Control-Allow-Origin = %q, want none", got)
			}
			if tt.allow && resp.header.Get("Access-Control-Expose-Headers") != "Access-Control-Allow-Methods" {
				t.Errorf("Access-Control-Expose-Headers = %q", resp.header.Get("Access-Control-Expose-Headers"))
			}
		})
	}
}
