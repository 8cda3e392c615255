package mockidp

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestIntrospection(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	endpoint := env.issuer + "/protocol/openid-connect/token/introspect"
	tokens := env.signedInTokens(t, env.browser(t), "web")
	access := tokens["access_token"].(string)
	conf := url.Values{"client_id": {"conf"}, "client_secret": {"conf-secret"}}
	with := func(extra map[string]string) url.Values { return withParams(conf, extra) }

	t.Run("errors", func(t *testing.T) {
		tests := []struct {
			name   string
			form   url.Values
			status int
			body   string
		}{
			{"missing token", with(nil), 400, `{"error":"invalid_request","error_description":"Token not provided."}`},
			{"unknown hint", with(map[string]string{"token": access, "token_type_hint": "id_token"}), 400,
				`{"error":"invalid_request","error_description":"Unsupported token type [id_token]."}`},
			{"public client", url.Values{"client_id": {"web"}, "token": {access}}, 403,
				`{"error":"invalid_request","error_description":"Client not allowed."}`},
			{"wrong secret", url.Values{"client_id": {"conf"}, "client_secret": {"x"}, "token": {access}}, 401,
				`{"error":"unauthorized_client","error_description":"Invalid client or Invalid client credentials"}`},
			{"unknown client", url.Values{"client_id": {"nobody"}, "token": {access}}, 401,
				`{"error":"invalid_client","error_description":"Invalid client or Invalid client credentials"}`},
			{"garbage token", with(map[string]string{"token": "abc"}), 200, `{"active":false}`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				resp := submitForm(t, http.DefaultClient, endpoint, tt.form)
				if resp.status != tt.status || resp.body != tt.body {
					t.Fatalf("got %d %s, want %d %s", resp.status, resp.body, tt.status, tt.body)
				}
			})
		}
	})

	t.Run("active access token", func(t *testing.T) {
		resp := submitForm(t, http.DefaultClient, endpoint, with(map[string]string{"token": access}))
		var body map[string]any
		if err := json.Unmarshal([]byte(resp.body), &body); err != nil {
			t.Fatalf("body %q: %v", resp.body, err)
		}
		claims := tokenPayload(t, access)
		want := map[string]any{
			"active": true, "client_id": "web", "username": "alice", "token_type": "Bearer",
			"sub": claims["sub"], "jti": claims["jti"], "sid": claims["sid"], "exp": claims["exp"],
		}
		for k, v := range want {
			if body[k] != v {
				t.Errorf("%s = %v, want %v", k, body[k], v)
			}
		}
		if !strings.HasSuffix(resp.body, `"client_id":"web","username":"alice","token_type":"Bearer","active":true}`) {
			t.Errorf("body does not end with the added members in order: %s", resp.body)
		}
	})

	t.Run("active refresh token", func(t *testing.T) {
		resp := submitForm(t, http.DefaultClient, endpoint, with(map[string]string{"token": tokens["refresh_token"].(string), "token_type_hint": "refresh_token"}))
		if !strings.Contains(resp.body, `"typ":"Refresh"`) || !strings.HasSuffix(resp.body, `"token_type":"Refresh","active":true}`) {
			t.Errorf("refresh token introspection = %s, want active Refresh", resp.body)
		}
	})
}

func TestRevocation(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	revoke := env.issuer + "/protocol/openid-connect/revoke"
	introspect := env.issuer + "/protocol/openid-connect/token/introspect"
	userinfo := env.issuer + "/protocol/openid-connect/userinfo"
	conf := url.Values{"client_id": {"conf"}, "client_secret": {"conf-secret"}}
	isActive := func(t *testing.T, token string) bool {
		t.Helper()
		resp := submitForm(t, http.DefaultClient, introspect, withParams(conf, map[string]string{"token": token}))
		return strings.Contains(resp.body, `"active":true`)
	}
	userinfoStatus := func(t *testing.T, token string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, userinfo, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return send(t, http.DefaultClient, req).status
	}

	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		tokens := env.signedInTokens(t, env.browser(t), "web")
		tests := []struct {
			name   string
			form   url.Values
			status int
			body   string
		}{
			{"missing token", url.Values{"client_id": {"web"}}, 400, `{"error":"invalid_request","error_description":"Token not provided"}`},
			{"garbage token", url.Values{"client_id": {"web"}, "token": {"abc"}}, 200, `{"error":"invalid_token","error_description":"Invalid token"}`},
			{"another client's token", url.Values{"client_id": {"spa"}, "token": {tokens["access_token"].(string)}}, 400,
				`{"error":"invalid_request","error_description":"Unmatching clients"}`},
			{"ID token", url.Values{"client_id": {"web"}, "token": {tokens["id_token"].(string)}}, 400,
				`{"error":"unsupported_token_type","error_description":"Unsupported token type"}`},
			{"missing client", url.Values{"token": {"abc"}}, 400, `{"error":"invalid_client","error_description":"Missing client_id parameter"}`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				resp := submitForm(t, http.DefaultClient, revoke, tt.form)
				if resp.status != tt.status || resp.body != tt.body {
					t.Fatalf("got %d %s, want %d %s", resp.status, resp.body, tt.status, tt.body)
				}
			})
		}
	})

	t.Run("access token", func(t *testing.T) {
		t.Parallel()
		tokens := env.signedInTokens(t, env.browser(t), "web")
		access := tokens["access_token"].(string)
		if got := userinfoStatus(t, access); got != http.StatusOK {
			t.Fatalf("userinfo before revocation: %d, want 200", got)
		}
		resp := submitForm(t, http.DefaultClient, revoke, url.Values{"client_id": {"web"}, "token": {access}})
		if resp.status != http.StatusOK || resp.body != "" {
			t.Fatalf("revoke: %d %q, want 200 with no body", resp.status, resp.body)
		}
		if isActive(t, access) {
			t.Errorf("revoked access token is active")
		}
		if got := userinfoStatus(t, access); got != http.StatusUnauthorized {
			t.Errorf("userinfo with a revoked token: %d, want 401", got)
		}
		if !isActive(t, tokens["refresh_token"].(string)) {
			t.Errorf("revoking the access token deactivated the refresh token")
		}
	})

	t.Run("refresh token", func(t *testing.T) {
		t.Parallel()
		tokens := env.signedInTokens(t, env.browser(t), "web")
		resp := submitForm(t, http.DefaultClient, revoke, url.Values{"client_id": {"web"}, "token": {tokens["refresh_token"].(string)}, "token_type_hint": {"refresh_token"}})
		if resp.status != http.StatusOK {
			t.Fatalf("revoke: %d %s, want 200", resp.status, resp.body)
		}
		status, body := env.tokenRequest(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tokens["refresh_token"].(string)}, "client_id": {"web"}})
		if status != http.StatusBadRequest || body["error_description"] != "Session doesn't have required client" {
			t.Errorf("refresh after revocation: %d %v, want 400 \"Session doesn't have required client\"", status, body)
		}
		if isActive(t, tokens["access_token"].(string)) {
			t.Errorf("the client's access token is still active after its refresh token was revoked")
		}
	})
}
