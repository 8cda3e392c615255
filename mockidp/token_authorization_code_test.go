package mockidp

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// codeExchange is a code request's parameters and the token request that
// redeems its code.
type codeExchange struct {
	params url.Values
	token  url.Values
}

func TestAuthorizationCodeErrors(t *testing.T) {
	t.Parallel()
	verifier, challenge := pkcePair("v3rifier")
	plainVerifier := verifier
	redirect := "http://127.0.0.1/cb"
	exchange := func(client string, params map[string]string, token map[string]string) codeExchange {
		p := withParams(codeParams(client, redirect), params)
		tok := withParams(url.Values{
			"grant_type": {"authorization_code"}, "redirect_uri": {redirect}, "client_id": {client},
		}, token)
		return codeExchange{params: p, token: tok}
	}
	tests := []struct {
		name        string
		ex          codeExchange
		status      int
		error       string
		description string
	}{
		{"missing code", exchange("web", nil, map[string]string{"code": "-"}), 400, "invalid_request", "Missing parameter: code"},
		{"unknown code", exchange("web", nil, map[string]string{"code": "not-a-code"}), 400, "invalid_grant", "Code not valid"},
		{"other redirect_uri", exchange("web", nil, map[string]string{"redirect_uri": "http://127.0.0.1/other"}), 400, "invalid_grant", "Incorrect redirect_uri"},
		{"missing redirect_uri", exchange("web", nil, map[string]string{"redirect_uri": ""}), 400, "invalid_grant", "Incorrect redirect_uri"},
		{"code of another client", exchange("web", nil, map[string]string{"client_id": "spa"}), 400, "invalid_grant", "Auth error"},
		{"PKCE without verifier", exchange("spa", map[string]string{"code_challenge": challenge, "code_challenge_method": "S256"}, nil),
			400, "invalid_grant", "PKCE code verifier not specified"},
		{"PKCE short verifier", exchange("spa", map[string]string{"code_challenge": challenge, "code_challenge_method": "S256"},
			map[string]string{"code_verifier": "short"}), 400, "invalid_grant", "PKCE invalid code verifier"},
		{"PKCE verifier with bad characters", exchange("spa", map[string]string{"code_challenge": challenge, "code_challenge_method": "S256"},
			map[string]string{"code_verifier": verifier[:42] + "!"}), 400, "invalid_grant", "PKCE invalid code verifier"},
		{"PKCE wrong verifier", exchange("spa", map[string]string{"code_challenge": challenge, "code_challenge_method": "S256"},
			map[string]string{"code_verifier": "x" + verifier[1:]}), 400, "invalid_grant", "PKCE verification failed"},
		{"PKCE S256 challenge checked as plain fails", exchange("web", map[string]string{"code_challenge": challenge},
			map[string]string{"code_verifier": verifier}), 400, "invalid_grant", "PKCE verification failed"},
		{"PKCE S256 right verifier", exchange("spa", map[string]string{"code_challenge": challenge, "code_challenge_method": "S256"},
			map[string]string{"code_verifier": verifier}), 200, "", ""},
		{"PKCE plain right verifier", exchange("web", map[string]string{"code_challenge": plainVerifier, "code_challenge_method": "plain"},
			map[string]string{"code_verifier": plainVerifier}), 200, "", ""},
		{"verifier without challenge is ignored", exchange("web", nil, map[string]string{"code_verifier": verifier}), 200, "", ""},
	}
	env := newBrowserEnv(t, "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			loc := env.loginCode(t, env.browser(t), tt.ex.params)
			form := tt.ex.token
			switch form.Get("code") {
			case "":
				form.Set("code", loc.Query().Get("code"))
			case "-":
				form.Del("code")
			}
			status, body := env.tokenRequest(t, form)
			if status != tt.status {
				t.Fatalf("status = %d, want %d; body %v", status, tt.status, body)
			}
			if tt.status == http.StatusOK {
				if body["access_token"] == nil || body["id_token"] == nil {
					t.Fatalf("body = %v, want access and ID tokens", body)
				}
				return
			}
			if body["error"] != tt.error || body["error_description"] != tt.description {
				t.Fatalf("error = %v %q, want %s %q", body["error"], body["error_description"], tt.error, tt.description)
			}
		})
	}
}

func TestAuthorizationCodeReuseEndsSession(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	loc := env.loginCode(t, env.browser(t), codeParams("web", "http://127.0.0.1/cb"))
	form := url.Values{
		"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {"http://127.0.0.1/cb"}, "client_id": {"web"},
	}
	status, first := env.tokenRequest(t, form)
	if status != http.StatusOK {
		t.Fatalf("first exchange: status %d, body %v", status, first)
	}
	status, second := env.tokenRequest(t, form)
	if status != http.StatusBadRequest || second["error"] != "invalid_grant" || second["error_description"] != "Code not valid" {
		t.Fatalf("second exchange: %d %v, want 400 invalid_grant \"Code not valid\"", status, second)
	}
	status, refreshed := env.tokenRequest(t, url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {first["refresh_token"].(string)}, "client_id": {"web"},
	})
	if status != http.StatusBadRequest || refreshed["error_description"] != "Session not active" {
		t.Fatalf("refresh after reuse: %d %v, want 400 \"Session not active\"", status, refreshed)
	}
}

func TestAuthorizationCodeExpired(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	loc := env.loginCode(t, env.browser(t), codeParams("web", "http://127.0.0.1/cb"))
	env.clock.Advance(61 * time.Second)
	status, body := env.tokenRequest(t, url.Values{
		"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {"http://127.0.0.1/cb"}, "client_id": {"web"},
	})
	if status != http.StatusBadRequest || body["error"] != "invalid_grant" || body["error_description"] != "Code is expired" {
		t.Fatalf("exchange after 61 s: %d %v, want 400 invalid_grant \"Code is expired\"", status, body)
	}
}

func TestAuthorizationCodeTokens(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	loc := env.loginCode(t, env.browser(t), codeParams("web", "http://127.0.0.1/cb"))
	status, body := env.tokenRequest(t, url.Values{
		"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {"http://127.0.0.1/cb"}, "client_id": {"web"},
	})
	if status != http.StatusOK {
		t.Fatalf("status %d, body %v", status, body)
	}
	if got := body["session_state"]; got != loc.Query().Get("session_state") {
		t.Errorf("session_state = %v, want the authorization response's %q", got, loc.Query().Get("session_state"))
	}
	id := tokenPayload(t, body["id_token"].(string))
	access := tokenPayload(t, body["access_token"].(string))
	wantID := map[string]any{
		"nonce": "n-1", "acr": "1", "aud": "web", "azp": "web", "typ": "ID",
		"sid": loc.Query().Get("session_state"), "auth_time": float64(testStart.Unix()),
		"at_hash": leftHalfHash(body["access_token"].(string)),
	}
	for k, want := range wantID {
		if id[k] != want {
			t.Errorf("ID token %s = %v, want %v", k, id[k], want)
		}
	}
	if _, ok := access["nonce"]; ok {
		t.Errorf("access token has a nonce; Keycloak 25 and later put it only in the ID token")
	}
	if access["sid"] != loc.Query().Get("session_state") || access["acr"] != "1" {
		t.Errorf("access token sid, acr = %v, %v; want %q, \"1\"", access["sid"], access["acr"], loc.Query().Get("session_state"))
	}
}
