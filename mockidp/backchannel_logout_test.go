package mockidp

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/smartmate/smartmate-mock/internal/syncbuf"
	"github.com/smartmate/smartmate-mock/protocol"
)

// passwordLogin signs alice in to client "conf" with the password grant.
func (env *browserEnv) passwordLogin(t *testing.T) map[string]any {
	t.Helper()
	status, body := env.tokenRequest(t, url.Values{
		"grant_type": {"password"}, "client_id": {"conf"}, "client_secret": {"conf-secret"},
		"username": {"alice"}, "password": {"alice-pw"}, "scope": {"openid"},
	})
	if status != http.StatusOK {
		t.Fatalf("password grant: %d %v", status, body)
	}
	return body
}

func TestBackchannelLogoutDelivered(t *testing.T) {
	t.Parallel()
	received := make(chan string, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			t.Errorf("Content-Type = %q, want application/x-www-form-urlencoded", ct)
		}
		if err := r.ParseForm(); err != nil {
			t.Errorf("ParseForm: %v", err)
		}
		received <- r.PostForm.Get("logout_token")
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(receiver.Close)
	env := newBrowserEnv(t, receiver.URL+"/backchannel")
	tokens := env.passwordLogin(t)
	sid := tokenPayload(t, tokens["access_token"].(string))["sid"]

	resp := submitForm(t, http.DefaultClient, env.issuer+"/protocol/openid-connect/logout", url.Values{
		"client_id": {"conf"}, "client_secret": {"conf-secret"}, "refresh_token": {tokens["refresh_token"].(string)},
	})
	if resp.status != http.StatusNoContent {
		t.Fatalf("logout: %d %s, want 204", resp.status, resp.body)
	}
	var raw string
	select {
	case raw = <-received:
	case <-time.After(5 * time.Second):
		t.Fatal("no logout token received")
	}

	// Verify the signature against the realm's published JWKS.
	jwksResp := fetchPage(t, http.DefaultClient, env.issuer+"/protocol/openid-connect/certs")
	var jwks jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(jwksResp.body), &jwks); err != nil {
		t.Fatalf("JWKS: %v", err)
	}
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("logout token %q: %v", raw, err)
	}
	header := jws.Signatures[0].Header
	if typ := header.ExtraHeaders[jose.HeaderType]; typ != "logout+jwt" {
		t.Errorf("typ header = %v, want logout+jwt", typ)
	}
	keys := jwks.Key(header.KeyID)
	if len(keys) == 0 {
		t.Fatalf("kid %q not in the JWKS", header.KeyID)
	}
	payload, err := jws.Verify(keys[0].Key)
	if err != nil {
		t.Fatalf("signature: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"iss": env.issuer, "aud": "conf", "sub": "11111111-1111-4111-8111-111111111111", "sid": sid, "typ": "Logout",
		"iat": float64(testStart.Unix()), "exp": float64(testStart.Unix() + 300),
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("%s = %v, want %v", k, claims[k], v)
		}
	}
	events, _ := claims["events"].(map[string]any)
	if _, ok := events[protocol.EventBackChannelLogout]; !ok || len(events) != 1 {
		t.Errorf("events = %v, want only %s", claims["events"], protocol.EventBackChannelLogout)
	}
	if _, ok := claims["nonce"]; ok {
		t.Errorf("logout token has a nonce")
	}
	if jti, _ := claims["jti"].(string); jti == "" {
		t.Errorf("logout token has no jti")
	}
}

func TestBackchannelLogoutFailureLogged(t *testing.T) {
	t.Parallel()
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(receiver.Close)
	var logs syncbuf.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	env := newBrowserEnv(t, receiver.URL+"/bc", WithLogger(logger), WithHTTPClient(receiver.Client()))
	tokens := env.passwordLogin(t)

	resp := submitForm(t, http.DefaultClient, env.issuer+"/protocol/openid-connect/logout", url.Values{
		"client_id": {"conf"}, "client_secret": {"conf-secret"}, "refresh_token": {tokens["refresh_token"].(string)},
	})
	if resp.status != http.StatusNoContent {
		t.Fatalf("logout: %d %s, want 204 although delivery failed", resp.status, resp.body)
	}
	out := logs.String()
	for _, want := range []string{"back-channel logout failed", "client_id=conf", "500 Internal Server Error"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, tokens["refresh_token"].(string)) {
		t.Errorf("log contains the refresh token")
	}
}
