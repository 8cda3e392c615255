package mockidp

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRealmInfo(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	req, _ := http.NewRequest(http.MethodGet, e.Issuer("demo"), nil)
	status, _, body := do(t, req)
	if status != http.StatusOK {
		t.Fatalf("GET /realms/demo status = %d, want 200", status)
	}
	var got realmInfo
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, body)
	}
	set, err := e.PublicKeys(t.Context(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(set.Keys[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	want := realmInfo{
		Realm:           "demo",
		PublicKey:       base64.StdEncoding.EncodeToString(der),
		TokenService:    e.Issuer("demo") + "/protocol/openid-connect",
		AccountService:  e.Issuer("demo") + "/account",
		TokensNotBefore: 0,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("realm info (-want +got):\n%s", diff)
	}
}

func TestRootRedirectsToRelativePath(t *testing.T) {
	t.Parallel()
	// Keycloak 26 redirects the root to the relative path when one is set.
	e := startEmulator(t, WithRelativePath("/auth"))
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(e.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/auth/" {
		t.Errorf("GET / = %d Location %q, want 302 to /auth/", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestHealthEndpoints(t *testing.T) {
	t.Parallel()
	e := startEmulator(t, WithRelativePath("/auth"))
	for _, path := range []string{"/health/ready", "/health/live", "/auth/health/ready", "/auth/health/live"} {
		req, _ := http.NewRequest(http.MethodGet, e.url+path, nil)
		status, _, body := do(t, req)
		var got healthStatus
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("GET %s body is not JSON: %s", path, body)
		}
		if status != http.StatusOK || got.Status != "UP" {
			t.Errorf("GET %s = %d %s, want 200 with status UP", path, status, body)
		}
	}
}

func TestLowerCaseBearerTokenType(t *testing.T) {
	t.Parallel()
	// Keycloak 26's client attribute token.response.type.bearer.lower-case
	// makes token_type "bearer".
	e := startEmulator(t, WithRealmJSON("lower.json", realmJSON(t, map[string]any{
		"realm": "lower",
		"clients": []any{map[string]any{
			"clientId": "svc", "secret": "s", "serviceAccountsEnabled": true,
			"attributes": map[string]string{"token.response.type.bearer.lower-case": "true"},
		}},
	})))
	resp := tokenFor(t, e, "lower", url.Values{"grant_type": {"client_credentials"}}, "svc", "s")
	if resp["token_type"] != "bearer" {
		t.Errorf("token_type = %v, want bearer", resp["token_type"])
	}
	demo := tokenFor(t, e, "demo", url.Values{"grant_type": {"client_credentials"}}, "demo-backend", "demo-backend-secret")
	if demo["token_type"] != "Bearer" {
		t.Errorf("token_type without the attribute = %v, want Bearer", demo["token_type"])
	}
}
