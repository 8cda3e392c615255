package mockapi_test

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/smartmate/smartmate-mock/internal/testkeys"
	"github.com/smartmate/smartmate-mock/mockapi"
)

const appsQuery = `{ apps { name } }`

// unsignedToken builds an "alg": "none" JWT by hand, because go-jose rightly
// refuses to produce one.
func unsignedToken(t testing.TB, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatalf("encode claims: %v", err)
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc.EncodeToString(payload) + "."
}

// publicKeyPEM returns the PEM text of the demo realm's public key, the
// secret of the classic RS256-to-HS256 key confusion attack.
func publicKeyPEM(t testing.TB) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(demoRealm.key.Public())
	if err != nil {
		t.Fatalf("marshal public key: %v", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// tamper changes one character in the middle of the token's signature.
func tamper(token string) string {
	i := strings.LastIndex(token, ".") + 10
	c := byte('A')
	if token[i] == 'A' {
		c = 'B'
	}
	return token[:i] + string(c) + token[i+1:]
}

func TestRejectedTokens(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil)
	now := start

	type testCase struct {
		name          string
		authorization string
		wantStatus    int
		wantChallenge string
	}
	invalid := func(description string) string {
		return `Bearer realm="demo", error="invalid_token", error_description="` + description + `"`
	}
	valid := accessClaims(demoRealm, now, bothRoles)
	refreshClaims := accessClaims(demoRealm, now, bothRoles)
	refreshClaims["typ"] = "Refresh"
	hmacKey := bytes.Repeat([]byte{0x5a}, 64)

	tests := []testCase{
		{
			name:          "missing",
			wantStatus:    http.StatusUnauthorized,
			wantChallenge: `Bearer realm="demo"`,
		},
		{
			name:          "basic scheme",
			authorization: "Basic ZGVtby1jbGk6c2VjcmV0",
			wantStatus:    http.StatusUnauthorized,
			wantChallenge: `Bearer realm="demo"`,
		},
		{
			name:          "bearer without token",
			authorization: "Bearer",
			wantStatus:    http.StatusBadRequest,
			wantChallenge: `Bearer realm="demo", error="invalid_request", error_description="Authorization header has the Bearer scheme but no token"`,
		},
		{
			name:          "garbage",
			authorization: "Bearer not-a-jwt",
			wantStatus:    http.StatusUnauthorized,
			wantChallenge: invalid("token is not a well-formed signed JWT"),
		},
		{
			name:          "tampered signature",
			authorization: "Bearer " + tamper(mint(t, demoRealm, now, bothRoles, nil)),
			wantStatus:    http.StatusUnauthorized,
			wantChallenge: invalid("token signature is invalid"),
		},
		{
			name:          "alg none",
			authorization: "Bearer " + unsignedToken(t, valid),
			wantStatus:    http.StatusUnauthorized,
			wantChallenge: invalid(`signing algorithm \"none\" is not allowed`),
		},
		{
			name:          "HS256 with public key as secret",
			authorization: "Bearer " + sign(t, jose.HS256, publicKeyPEM(t), demoRealm.kid, valid),
			wantStatus:    http.StatusUnauthorized,
			wantChallenge: invalid(`signing algorithm \"HS256\" is not allowed`),
		},
		{
			name:          "unknown kid",
			authorization: "Bearer " + sign(t, jose.RS256, testkeys.RSA(3), "rogue-kid", valid),
			wantStatus:    http.StatusUnauthorized,
			wantChallenge: invalid(`signing key \"rogue-kid\" is not in the workspace's key set`),
		},
		{
			name:          "right kid wrong key",
			authorization: "Bearer " + sign(t, jose.RS256, testkeys.RSA(3), demoRealm.kid, valid),
			wantStatus:    http.StatusUnauthorized,
			wantChallenge: invalid("token signature is invalid"),
		},
		{
			name:          "expired",
			authorization: "Bearer " + mint(t, demoRealm, now.Add(-10*time.Minute), bothRoles, nil),
			wantStatus:    http.StatusUnauthorized,
			wantChallenge: invalid("token is expired"),
		},
		{
			name: "not yet valid",
			authorization: "Bearer " + mint(t, demoRealm, now, bothRoles, func(c map[string]any) {
				c["nbf"] = now.Add(time.Minute).Unix()
			}),
			wantStatus:    http.StatusUnauthorized,
			wantChallenge: invalid("token is not valid yet (nbf is in the future)"),
		},
		{
			name: "issued in the future",
			authorization: "Bearer " + mint(t, demoRealm, now, bothRoles, func(c map[string]any) {
				c["iat"] = now.Add(time.Minute).Unix()
			}),
			wantStatus:    http.StatusUnauthorized,
			wantChallenge: invalid("token is issued in the future (iat)"),
		},
		{
			name: "no exp",
			authorization: "Bearer " + mint(t, demoRealm, now, bothRoles, func(c map[string]any) {
				delete(c, "exp")
			}),
			wantStatus:    http.StatusUnauthorized,
			wantChallenge: invalid("token has no exp claim"),
		},
		{
			name: "wrong issuer",
			authorization: "Bearer " + mint(t, demoRealm, now, bothRoles, func(c map[string]any) {
				c["iss"] = "http://localhost:9999/realms/demo"
			}),
			wantStatus:    http.StatusUnauthorized,
			wantChallenge: invalid(`issuer \"http://localhost:9999/realms/demo\" does not match the workspace issuer \"http://localhost:8080/realms/demo\"`),
		},
		{
			name:          "another realm's token",
			authorization: "Bearer " + mint(t, otherRealm, now, bothRoles, nil),
			wantStatus:    http.StatusUnauthorized,
			wantChallenge: invalid(`signing key \"other-rsa-2\" is not in the workspace's key set`),
		},
		{
			name:          "another realm's token with a shared key",
			authorization: "Bearer " + mint(t, twinRealm, now, bothRoles, nil),
			wantStatus:    http.StatusUnauthorized,
			wantChallenge: invalid(`issuer \"http://localhost:8080/realms/twin\" does not match the workspace issuer \"http://localhost:8080/realms/demo\"`),
		},
		{
			name: "ID token",
			authorization: "Bearer " + mint(t, demoRealm, now, bothRoles, func(c map[string]any) {
				c["typ"] = "ID"
				c["aud"] = "demo-cli"
			}),
			wantStatus:    http.StatusUnauthorized,
			wantChallenge: invalid(`token type \"ID\" is not allowed, expected \"Bearer\"`),
		},
		{
			name:          "refresh token HS512",
			authorization: "Bearer " + sign(t, jose.HS512, hmacKey, "demo-hmac", refreshClaims),
			wantStatus:    http.StatusUnauthorized,
			wantChallenge: invalid(`signing algorithm \"HS512\" is not allowed`),
		},
		{
			name:          "refresh token typ with RS256",
			authorization: "Bearer " + mint(t, demoRealm, now, bothRoles, func(c map[string]any) { c["typ"] = "Refresh" }),
			wantStatus:    http.StatusUnauthorized,
			wantChallenge: invalid(`token type \"Refresh\" is not allowed, expected \"Bearer\"`),
		},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(http.MethodGet, a.endpoint("demo")+"?query="+url.QueryEscape(appsQuery), nil)
			if err != nil {
				t.Fatalf("new request: %v", err)
			}
			if tc.authorization != "" {
				req.Header.Set("Authorization", tc.authorization)
			}
			resp := do(t, req)

			checkChallenge(t, "GET", resp, tc.wantStatus, tc.wantChallenge)
			if len(resp.body) != 0 {
				t.Errorf("body = %q, want empty", resp.body)
			}
		})
	}
}

func TestBearerSchemeCaseInsensitive(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil)
	token := mint(t, demoRealm, start, readRole, nil)

	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		req, err := http.NewRequest(http.MethodGet, a.endpoint("demo")+"?query="+url.QueryEscape(appsQuery), nil)
		if err != nil {
			t.Fatalf("new request: %v", err)
		}
		req.Header.Set("Authorization", scheme+" "+token)
		if resp := do(t, req); resp.status != http.StatusOK {
			t.Errorf("scheme %q: status = %d, want 200 (body %q)", scheme, resp.status, resp.body)
		}
	}
}

func TestExpiryFollowsClock(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil)
	token := mint(t, demoRealm, start, readRole, nil) // expires at start + 5 min

	if resp := post(t, a.endpoint("demo"), token, appsQuery, nil); resp.status != http.StatusOK {
		t.Fatalf("fresh token: status = %d, want 200 (body %q)", resp.status, resp.body)
	}

	// The token is cached now, so this also proves the cache honours "exp".
	a.clock.Advance(5 * time.Minute)
	resp := post(t, a.endpoint("demo"), token, appsQuery, nil)
	want := `Bearer realm="demo", error="invalid_token", error_description="token is expired"`
	checkChallenge(t, "expired token", resp, http.StatusUnauthorized, want)
}

func TestLeeway(t *testing.T) {
	t.Parallel()
	a := startAPI(t, func(c *mockapi.Config) { c.Leeway = 30 * time.Second })
	token := mint(t, demoRealm, start, readRole, nil)

	a.clock.Advance(5*time.Minute + 20*time.Second)
	if resp := post(t, a.endpoint("demo"), token, appsQuery, nil); resp.status != http.StatusOK {
		t.Errorf("20 s after exp with 30 s leeway: status = %d, want 200", resp.status)
	}
	a.clock.Advance(20 * time.Second)
	if resp := post(t, a.endpoint("demo"), token, appsQuery, nil); resp.status != http.StatusUnauthorized {
		t.Errorf("40 s after exp with 30 s leeway: status = %d, want 401", resp.status)
	}
}

func TestAudienceRule(t *testing.T) {
	t.Parallel()
	a := startAPI(t, func(c *mockapi.Config) { c.Policy.Audience = "smartmate-api" })

	withAudience := mint(t, demoRealm, start, readRole, nil)
	if resp := post(t, a.endpoint("demo"), withAudience, appsQuery, nil); resp.status != http.StatusOK {
		t.Errorf("aud contains smartmate-api: status = %d, want 200 (challenge %q)", resp.status, resp.header.Get("WWW-Authenticate"))
	}

	accountOnly := mint(t, demoRealm, start, readRole, func(c map[string]any) { c["aud"] = "account" })
	resp := post(t, a.endpoint("demo"), accountOnly, appsQuery, nil)
	want := `Bearer realm="demo", error="invalid_token", error_description="audience [\"account\"] does not contain \"smartmate-api\""`
	checkChallenge(t, "aud account only", resp, http.StatusUnauthorized, want)
}

func TestUnknownWorkspace(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil)
	token := mint(t, demoRealm, start, readRole, nil)

	resp := post(t, a.endpoint("nowhere"), token, appsQuery, nil)
	if resp.status != http.StatusNotFound {
		t.Errorf("status = %d, want 404", resp.status)
	}
	want := `{"error":"not_found","error_description":"workspace \"nowhere\" not found"}`
	if string(resp.body) != want {
		t.Errorf("body = %s, want %s", resp.body, want)
	}
}

func TestTokenCacheSkipsVerification(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil)
	token := mint(t, demoRealm, start, readRole, nil)

	for i := range 3 {
		if resp := post(t, a.endpoint("demo"), token, appsQuery, nil); resp.status != http.StatusOK {
			t.Fatalf("request %d: status = %d, want 200", i, resp.status)
		}
	}
	if got := a.keys.callCount(); got != 1 {
		t.Errorf("key source called %d times for one token sent 3 times, want 1", got)
	}

	// The cache is keyed per workspace: the same token at another
	// workspace is verified, and fails on that workspace's keys.
	if resp := post(t, a.endpoint("other"), token, appsQuery, nil); resp.status != http.StatusUnauthorized {
		t.Errorf("demo token at workspace other: status = %d, want 401", resp.status)
	}
}

func TestTokenCacheOff(t *testing.T) {
	t.Parallel()
	a := startAPI(t, func(c *mockapi.Config) { c.TokenCacheSize = -1 })
	token := mint(t, demoRealm, start, readRole, nil)

	for range 3 {
		post(t, a.endpoint("demo"), token, appsQuery, nil)
	}
	if got := a.keys.callCount(); got != 3 {
		t.Errorf("key source called %d times with the cache off, want 3", got)
	}
}

func TestRejectionLog(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil)
	token := mint(t, demoRealm, start, readRole, func(c map[string]any) {
		c["iss"] = "http://localhost:9999/realms/demo"
	})

	post(t, a.endpoint("demo"), token, appsQuery, nil)

	var line struct {
		Msg       string `json:"msg"`
		Workspace string `json:"workspace"`
		Status    int    `json:"status"`
		Reason    string `json:"reason"`
		ClientID  string `json:"client_id"`
	}
	logs := a.logs.String()
	if err := json.Unmarshal([]byte(logs), &line); err != nil {
		t.Fatalf("want exactly one JSON log line, got %q: %v", logs, err)
	}
	if line.Msg != "request rejected" || line.Workspace != "demo" || line.Status != 401 || line.ClientID != "demo-cli" {
		t.Errorf("log line = %+v, want request rejected, workspace demo, status 401, client_id demo-cli", line)
	}
	if !strings.HasPrefix(line.Reason, `issuer "http://localhost:9999/realms/demo"`) {
		t.Errorf("log reason = %q, want the issuer mismatch", line.Reason)
	}
	if strings.Contains(logs, token) || strings.Contains(logs, strings.Split(token, ".")[2]) {
		t.Errorf("log contains the token: %s", logs)
	}
}
