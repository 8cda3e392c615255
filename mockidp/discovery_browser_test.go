package mockidp

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiscoveryBrowserFields(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	resp := fetchPage(t, http.DefaultClient, env.issuer+"/.well-known/openid-configuration")
	var doc map[string]any
	if err := json.Unmarshal([]byte(resp.body), &doc); err != nil {
		t.Fatal(err)
	}
	oidc := env.issuer + "/protocol/openid-connect"
	want := map[string]any{
		"authorization_endpoint": oidc + "/auth",
		"end_session_endpoint":   oidc + "/logout",
		"introspection_endpoint": oidc + "/token/introspect",
		"revocation_endpoint":    oidc + "/revoke",
		"grant_types_supported":  []any{"authorization_code", "client_credentials", "implicit", "password", "refresh_token"},
		"response_types_supported": []any{"code", "none", "id_token", "token", "id_token token",
			"code id_token", "code token", "code id_token token"},
		"response_modes_supported":                       []any{"query", "fragment", "form_post"},
		"code_challenge_methods_supported":               []any{"plain", "S256"},
		"prompt_values_supported":                        []any{"none", "login"},
		"acr_values_supported":                           []any{"0", "1"},
		"introspection_endpoint_auth_methods_supported":  []any{"client_secret_basic", "client_secret_post"},
		"revocation_endpoint_auth_methods_supported":     []any{"client_secret_basic", "client_secret_post"},
		"backchannel_logout_supported":                   true,
		"backchannel_logout_session_supported":           true,
		"authorization_response_iss_parameter_supported": true,
		"frontchannel_logout_supported":                  true,
		"frontchannel_logout_session_supported":          true,
		"check_session_iframe":                           oidc + "/login-status-iframe.html",
		"request_parameter_supported":                    true,
		"request_uri_parameter_supported":                true,
		"require_request_uri_registration":               true,
		"request_object_signing_alg_values_supported":    []any{"none", "RS256"},
		"claims_parameter_supported":                     true,
	}
	got := map[string]any{}
	for k := range want {
		got[k] = doc[k]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("discovery (-want +got):\n%s", diff)
	}
}

func TestLoginStylesheetServed(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	resp := fetchPage(t, http.DefaultClient, env.ts.URL+cssPath)
	if resp.status != http.StatusOK || resp.header.Get("Content-Type") != "text/css; charset=utf-8" || len(resp.body) < 100 {
		t.Fatalf("stylesheet: %d %q, %d bytes", resp.status, resp.header.Get("Content-Type"), len(resp.body))
	}
}
