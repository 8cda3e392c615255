package mockidp_test

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/smartmate/smartmate-mock/internal/testkeys"
	"github.com/smartmate/smartmate-mock/mockidp"
)

// Fixed values of the embedded demo realm.
const (
	aliceID       = "5b0cbd3c-8a9e-4c31-9c59-0f3f3f6d2a11"
	backendSecret = "demo-backend-secret"
)

// discover runs OpenID Connect discovery against a realm of ts with
// go-oidc, through the test server's client.
func discover(t *testing.T, ts *mockidp.TestServer, realm string) (context.Context, *oidc.Provider) {
	t.Helper()
	ctx := oidc.ClientContext(t.Context(), ts.Client())
	provider, err := oidc.NewProvider(ctx, ts.Issuer(realm))
	if err != nil {
		t.Fatalf("oidc.NewProvider(%q) failed: %v", ts.Issuer(realm), err)
	}
	return ctx, provider
}

// accessClaims are the access token claims the tests check.
type accessClaims struct {
	Azp            string `json:"azp"`
	Typ            string `json:"typ"`
	Scope          string `json:"scope"`
	Sid            string `json:"sid"`
	Username       string `json:"preferred_username"`
	Exp            int64  `json:"exp"`
	Iat            int64  `json:"iat"`
	ResourceAccess map[string]struct {
		Roles []string `json:"roles"`
	} `json:"resource_access"`
	RealmAccess struct {
		Roles []string `json:"roles"`
	} `json:"realm_access"`
}

func verifyAccess(t *testing.T, ctx context.Context, ts *mockidp.TestServer, provider *oidc.Provider, token string) (*oidc.IDToken, accessClaims) {
	t.Helper()
	verifier := provider.Verifier(&oidc.Config{SkipClientIDCheck: true, Now: ts.Clock().Now})
	tok, err := verifier.Verify(ctx, token)
	if err != nil {
		t.Fatalf("verifying the access token failed: %v", err)
	}
	var claims accessClaims
	if err := tok.Claims(&claims); err != nil {
		t.Fatalf("decoding the access token claims failed: %v", err)
	}
	return tok, claims
}

func TestTestServerDiscovery(t *testing.T) {
	t.Parallel()
	ts := mockidp.NewTestServer(t)
	_, provider := discover(t, ts, "demo")

	if got, want := ts.Issuer("demo"), ts.URL()+"/realms/demo"; got != want {
		t.Errorf("Issuer(demo) = %q, want %q", got, want)
	}
	if !strings.HasPrefix(ts.URL(), "http://127.0.0.1:") {
		t.Errorf("URL() = %q, want a 127.0.0.1 URL", ts.URL())
	}
	if got, want := provider.Endpoint().TokenURL, ts.Issuer("demo")+"/protocol/openid-connect/token"; got != want {
		t.Errorf("token endpoint = %q, want %q", got, want)
	}
}

func TestTestServerRelativePath(t *testing.T) {
	t.Parallel()
	ts := mockidp.NewTestServer(t, mockidp.WithRelativePath("/auth"))
	_, provider := discover(t, ts, "demo")

	if got, want := ts.Issuer("demo"), ts.URL()+"/auth/realms/demo"; got != want {
		t.Errorf("Issuer(demo) = %q, want %q", got, want)
	}
	if got, want := provider.Endpoint().TokenURL, ts.URL()+"/auth/realms/demo/protocol/openid-connect/token"; got != want {
		t.Errorf("token endpoint = %q, want %q", got, want)
	}
	tokens := ts.ClientCredentialsToken("demo", "demo-backend", backendSecret)
	if tokens.AccessToken == "" {
		t.Error("ClientCredentialsToken returned no access token")
	}
}

func TestClientCredentialsTokenVerifies(t *testing.T) {
	t.Parallel()
	ts := mockidp.NewTestServer(t)
	ctx, provider := discover(t, ts, "demo")

	tokens := ts.ClientCredentialsToken("demo", "demo-backend", backendSecret)
	tok, claims := verifyAccess(t, ctx, ts, provider, tokens.AccessToken)

	if got, want := tok.Issuer, ts.Issuer("demo"); got != want {
		t.Errorf("iss = %q, want %q", got, want)
	}
	if got, want := claims.Azp, "demo-backend"; got != want {
		t.Errorf("azp = %q, want %q", got, want)
	}
	if got, want := claims.Username, "service-account-demo-backend"; got != want {
		t.Errorf("preferred_username = %q, want %q", got, want)
	}
	if diff := cmp.Diff([]string{"apps:read", "apps:write"}, claims.ResourceAccess["smartmate-api"].Roles); diff != "" {
		t.Errorf("resource_access.smartmate-api.roles mismatch (-want +got):\n%s", diff)
	}
	if got, want := claims.Exp-claims.Iat, int64(300); got != want {
		t.Errorf("exp - iat = %d, want %d (the demo realm's access token lifespan)", got, want)
	}
	if got, want := tokens.Expiry, ts.Clock().Now().Add(300*time.Second); !got.Equal(want) {
		t.Errorf("Expiry = %v, want %v", got, want)
	}
	if got, want := tokens.TokenType, "Bearer"; got != want {
		t.Errorf("TokenType = %q, want %q", got, want)
	}
	if tokens.RefreshToken != "" || tokens.IDToken != "" {
		t.Errorf("client credentials returned a refresh token %q or ID token %q, want neither", tokens.RefreshToken, tokens.IDToken)
	}
}

func TestUserTokensPasswordGrant(t *testing.T) {
	t.Parallel()
	ts := mockidp.NewTestServer(t)
	ctx, provider := discover(t, ts, "demo")

	// demo-cli allows the password grant, so the tokens come from the
	// token endpoint.
	tokens := ts.UserTokens("demo", "demo-cli", "alice", "alice-password", "openid", "profile")

	id, err := provider.Verifier(&oidc.Config{ClientID: "demo-cli", Now: ts.Clock().Now}).Verify(ctx, tokens.IDToken)
	if err != nil {
		t.Fatalf("verifying the ID token failed: %v", err)
	}
	if got, want := id.Subject, aliceID; got != want {
		t.Errorf("ID token sub = %q, want %q", got, want)
	}
	if err := id.VerifyAccessToken(tokens.AccessToken); err != nil {
		t.Errorf("at_hash does not match the access token: %v", err)
	}
	_, claims := verifyAccess(t, ctx, ts, provider, tokens.AccessToken)
	if got, want := claims.Scope, "openid profile email"; got != want {
		t.Errorf("scope = %q, want %q", got, want)
	}
	if got, want := claims.Sid, tokens.SessionState; got != want || got == "" {
		t.Errorf("sid = %q, want the session_state %q", got, want)
	}
	if got, want := tokens.RefreshExpiry, ts.Clock().Now().Add(1800*time.Second); !got.Equal(want) {
		t.Errorf("RefreshExpiry = %v, want %v (the demo realm's SSO idle timeout)", got, want)
	}
}

func TestUserTokensWithoutPasswordGrant(t *testing.T) {
	t.Parallel()
	ts := mockidp.NewTestServer(t)
	ctx, provider := discover(t, ts, "demo")

	// demo-web only allows the browser login, so the harness issues the
	// tokens itself. They must work at the real endpoints all the same.
	tokens := ts.UserTokens("demo", "demo-web", "Alice", "alice-password", "openid")

	id, err := provider.Verifier(&oidc.Config{ClientID: "demo-web", Now: ts.Clock().Now}).Verify(ctx, tokens.IDToken)
	if err != nil {
		t.Fatalf("verifying the ID token failed: %v", err)
	}
	if got, want := id.Subject, aliceID; got != want {
		t.Errorf("ID token sub = %q, want %q", got, want)
	}
	_, claims := verifyAccess(t, ctx, ts, provider, tokens.AccessToken)
	if got, want := claims.Azp, "demo-web"; got != want {
		t.Errorf("azp = %q, want %q", got, want)
	}
	if diff := cmp.Diff([]string{"apps:read", "apps:write"}, claims.ResourceAccess["smartmate-api"].Roles); diff != "" {
		t.Errorf("resource_access.smartmate-api.roles mismatch (-want +got):\n%s", diff)
	}

	userinfo, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tokens.OAuth2()))
	if err != nil {
		t.Fatalf("userinfo with the issued access token failed: %v", err)
	}
	if got, want := userinfo.Email, "alice@example.com"; got != want {
		t.Errorf("userinfo email = %q, want %q", got, want)
	}

	cfg := oauth2.Config{ClientID: "demo-web", Endpoint: provider.Endpoint()}
	cfg.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	refreshed, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tokens.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refreshing the issued refresh token failed: %v", err)
	}
	_, refreshedClaims := verifyAccess(t, ctx, ts, provider, refreshed.AccessToken)
	if got, want := refreshedClaims.Sid, claims.Sid; got != want {
		t.Errorf("sid after refresh = %q, want the original session %q", got, want)
	}
}

func TestUserTokensWrongPasswordPanics(t *testing.T) {
	t.Parallel()
	ts, err := mockidp.StartTestServer()
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()

	for _, clientID := range []string{"demo-cli", "demo-web"} {
		t.Run(clientID, func(t *testing.T) {
			msg := recoverMessage(func() { ts.UserTokens("demo", clientID, "alice", "wrong-password") })
			if !strings.Contains(msg, "Invalid user credentials") {
				t.Errorf("UserTokens with a wrong password panicked with %q, want it to name Invalid user credentials", msg)
			}
		})
	}
}

func TestUserTokensClientWithoutUserLogin(t *testing.T) {
	t.Parallel()
	ts, err := mockidp.StartTestServer()
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()

	cases := []struct{ clientID, want string }{
		{"demo-backend", `client "demo-backend" allows neither the browser login (standard flow) nor the password grant`},
		{"smartmate-api", `client "smartmate-api" is bearer-only and cannot obtain tokens`},
		{"no-such-client", `client "no-such-client" not found`},
	}
	for _, tc := range cases {
		t.Run(tc.clientID, func(t *testing.T) {
			msg := recoverMessage(func() { ts.UserTokens("demo", tc.clientID, "alice", "alice-password") })
			if !strings.Contains(msg, tc.want) {
				t.Errorf("UserTokens panicked with %q, want it to contain %q", msg, tc.want)
			}
		})
	}
}

func TestClientCredentialsWrongSecretPanics(t *testing.T) {
	t.Parallel()
	ts, err := mockidp.StartTestServer()
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()

	msg := recoverMessage(func() { ts.ClientCredentialsToken("demo", "demo-backend", "wrong") })
	want := "token endpoint returned 401 unauthorized_client: Invalid client or Invalid client credentials"
	if !strings.Contains(msg, want) {
		t.Errorf("ClientCredentialsToken with a wrong secret panicked with %q, want it to contain %q", msg, want)
	}
}

func recoverMessage(f func()) (msg string) {
	defer func() {
		if v := recover(); v != nil {
			msg = fmt.Sprint(v)
		}
	}()
	f()
	return "no panic"
}

func TestAccessTokenExpiresOnFakeClock(t *testing.T) {
	t.Parallel()
	ts := mockidp.NewTestServer(t)
	ctx, provider := discover(t, ts, "demo")
	tokens := ts.ClientCredentialsToken("demo", "demo-backend", backendSecret)
	verifier := provider.Verifier(&oidc.Config{SkipClientIDCheck: true, Now: ts.Clock().Now})

	ts.Clock().Advance(300 * time.Second)
	if _, err := verifier.Verify(ctx, tokens.AccessToken); err != nil {
		t.Fatalf("token rejected at its expiry instant: %v", err)
	}
	ts.Clock().Advance(time.Second)
	_, err := verifier.Verify(ctx, tokens.AccessToken)
	var expired *oidc.TokenExpiredError
	if !errors.As(err, &expired) {
		t.Fatalf("Verify one second after expiry returned %v, want *oidc.TokenExpiredError", err)
	}
	if !expired.Expiry.Equal(tokens.Expiry) {
		t.Errorf("TokenExpiredError.Expiry = %v, want %v", expired.Expiry, tokens.Expiry)
	}
}

func TestExpiredRefreshTokenRejected(t *testing.T) {
	t.Parallel()
	ts := mockidp.NewTestServer(t)
	ctx, provider := discover(t, ts, "demo")
	tokens := ts.UserTokens("demo", "demo-cli", "bob", "bob-password")
	cfg := oauth2.Config{ClientID: "demo-cli", Endpoint: provider.Endpoint()}
	cfg.Endpoint.AuthStyle = oauth2.AuthStyleInParams

	// The refresh token lives as long as the session stays idle: 1800 s
	// in the demo realm.
	ts.Clock().Advance(1801 * time.Second)
	_, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tokens.RefreshToken}).Token()
	var retrieve *oauth2.RetrieveError
	if !errors.As(err, &retrieve) {
		t.Fatalf("refresh after expiry returned %v, want *oauth2.RetrieveError", err)
	}
	if got, want := retrieve.Response.StatusCode, http.StatusBadRequest; got != want {
		t.Errorf("status = %d, want %d", got, want)
	}
	if got, want := retrieve.ErrorCode, "invalid_grant"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
	if got, want := retrieve.ErrorDescription, "Token is not active"; got != want {
		t.Errorf("error_description = %q, want %q", got, want)
	}
}

func TestSignTokenVerifies(t *testing.T) {
	t.Parallel()
	ts := mockidp.NewTestServer(t)
	ctx, provider := discover(t, ts, "demo")
	now := ts.Clock().Now()

	raw := ts.SignToken("demo", map[string]any{
		"iss":    ts.Issuer("demo"),
		"aud":    "smartmate-api",
		"sub":    "custom-subject",
		"exp":    now.Add(time.Minute).Unix(),
		"tenant": "acme",
	})

	tok, err := provider.Verifier(&oidc.Config{ClientID: "smartmate-api", Now: ts.Clock().Now}).Verify(ctx, raw)
	if err != nil {
		t.Fatalf("verifying the signed token failed: %v", err)
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"iss": ts.Issuer("demo"), "aud": "smartmate-api", "sub": "custom-subject",
		"exp": float64(now.Add(time.Minute).Unix()), "tenant": "acme",
	}
	if diff := cmp.Diff(want, claims); diff != "" {
		t.Errorf("claims mismatch (-want +got):\n%s", diff)
	}

	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := ts.Emulator().PublicKeys(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	kid := jws.Signatures[0].Header.KeyID
	if len(keys.Key(kid)) != 1 || keys.Key(kid)[0].Use != "sig" {
		t.Errorf("kid %q names no signing key of the realm's JWKS", kid)
	}
	if got, want := jws.Signatures[0].Header.ExtraHeaders["typ"], "JWT"; got != want {
		t.Errorf("typ header = %v, want %q", got, want)
	}
}

func TestParallelServersShareNoState(t *testing.T) {
	t.Parallel()
	first := mockidp.NewTestServer(t)
	second := mockidp.NewTestServer(t)

	if first.Issuer("demo") == second.Issuer("demo") {
		t.Fatalf("both servers have the issuer %q", first.Issuer("demo"))
	}
	before := second.Clock().Now()
	first.Clock().Advance(time.Hour)
	if got := second.Clock().Now(); !got.Equal(before) {
		t.Errorf("advancing one server's clock moved the other's from %v to %v", before, got)
	}

	// A refresh token names a session of the server that issued it, and
	// the other server has no such session, so it rejects the token.
	tokens := first.UserTokens("demo", "demo-cli", "alice", "alice-password")
	ctx, provider := discover(t, second, "demo")
	cfg := oauth2.Config{ClientID: "demo-cli", Endpoint: provider.Endpoint()}
	cfg.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	_, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tokens.RefreshToken}).Token()
	var retrieve *oauth2.RetrieveError
	if !errors.As(err, &retrieve) || retrieve.ErrorCode != "invalid_grant" {
		t.Errorf("refresh at the other server returned %v, want invalid_grant", err)
	}
}

func TestTestServerWithSystemClock(t *testing.T) {
	t.Parallel()
	ts := mockidp.NewTestServer(t, mockidp.WithClock(systemClock{}))
	if ts.Clock() != nil {
		t.Errorf("Clock() = %v, want nil with a clock that is not *clock.Fake", ts.Clock())
	}
	tokens := ts.ClientCredentialsToken("demo", "demo-backend", backendSecret)
	if until := time.Until(tokens.Expiry); until < 290*time.Second || until > 300*time.Second {
		t.Errorf("Expiry is %v from now, want about 300 s on the system clock", until)
	}
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func TestBuilderRealmTokens(t *testing.T) {
	t.Parallel()
	realm := mockidp.NewRealm("acme").
		SigningKey(testkeys.RSA(1)).
		EncryptionKey(testkeys.RSA(2)).
		AccessTokenLifespan(time.Minute).
		Role("auditor").
		ClientRole("acme-api", "invoices:read").
		Client(mockidp.ClientSpec{ClientID: "acme-api", BearerOnly: true}).
		Client(mockidp.ClientSpec{
			ClientID: "acme-worker", Secret: "worker-secret", ServiceAccount: true,
			ServiceAccountClientRoles: map[string][]string{"acme-api": {"invoices:read"}},
		}).
		Client(mockidp.ClientSpec{ClientID: "acme-web", Public: true, RedirectURIs: []string{"http://localhost:3000/*"}}).
		User(mockidp.UserSpec{Username: "ada", Password: "ada-password", Email: "ada@acme.test", RealmRoles: []string{"auditor"}})
	ts := mockidp.NewTestServer(t, mockidp.WithRealm(realm), mockidp.WithoutDefaultRealm())
	ctx, provider := discover(t, ts, "acme")

	worker := ts.ClientCredentialsToken("acme", "acme-worker", "worker-secret")
	_, claims := verifyAccess(t, ctx, ts, provider, worker.AccessToken)
	if diff := cmp.Diff([]string{"invoices:read"}, claims.ResourceAccess["acme-api"].Roles); diff != "" {
		t.Errorf("worker resource_access.acme-api.roles mismatch (-want +got):\n%s", diff)
	}
	if got, want := claims.Exp-claims.Iat, int64(60); got != want {
		t.Errorf("exp - iat = %d, want %d", got, want)
	}

	ada := ts.UserTokens("acme", "acme-web", "ada", "ada-password", "openid")
	_, claims = verifyAccess(t, ctx, ts, provider, ada.AccessToken)
	wantRealmRoles := []string{"auditor", "default-roles-acme", "offline_access", "uma_authorization"}
	if diff := cmp.Diff(wantRealmRoles, claims.RealmAccess.Roles); diff != "" {
		t.Errorf("ada realm_access.roles mismatch (-want +got):\n%s", diff)
	}

	keys, err := ts.Emulator().PublicKeys(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys.Keys {
		want := map[string]*rsa.PrivateKey{"sig": testkeys.RSA(1), "enc": testkeys.RSA(2)}[k.Use]
		if want == nil || !want.PublicKey.Equal(k.Key) {
			t.Errorf("JWKS key %q with use %q is not the fixed key given to the builder", k.KeyID, k.Use)
		}
	}
}

// keylessHMACSecret is the HS512 secret of keylessRealm, 64 bytes as
// HS512 requires. The file contains it in base64url.
const keylessHMACSecret = "fixed-hmac-secret-of-64-bytes-for-hs512-fixed-hmac-secret-64-byt"

// keylessRealm is a realm file with an HMAC key provider and no RSA key
// providers.
const keylessRealm = `{
  "realm": "keyless",
  "clients": [{"clientId": "svc", "secret": "svc-secret", "serviceAccountsEnabled": true, "standardFlowEnabled": false,
    "attributes": {"client_credentials.use_refresh_token": "true"}}],
  "components": {"org.keycloak.keys.KeyProvider": [
    {"name": "hmac", "providerId": "hmac-generated-hs512", "config": {"kid": ["fixed-hmac"], "secret": ["Zml4ZWQtaG1hYy1zZWNyZXQtb2YtNjQtYnl0ZXMtZm9yLWhzNTEyLWZpeGVkLWhtYWMtc2VjcmV0LTY0LWJ5dA"]}}
  ]}
}`

func TestWithRealmKeysForRealmFile(t *testing.T) {
	t.Parallel()
	ts := mockidp.NewTestServer(t,
		mockidp.WithRealmJSON("keyless-realm.json", []byte(keylessRealm)),
		mockidp.WithRealmKeys("keyless", testkeys.RSA(3), testkeys.RSA(4)),
	)
	ctx, provider := discover(t, ts, "keyless")

	tokens := ts.ClientCredentialsToken("keyless", "svc", "svc-secret")
	tok, _ := verifyAccess(t, ctx, ts, provider, tokens.AccessToken)
	if tok.Subject == "" {
		t.Error("access token has no sub")
	}
	keys, err := ts.Emulator().PublicKeys(ctx, "keyless")
	if err != nil {
		t.Fatal(err)
	}
	gotKIDs := map[string]string{}
	for _, k := range keys.Keys {
		gotKIDs[k.Use] = k.KeyID
	}
	wantKIDs := map[string]string{"sig": keycloakKID(t, testkeys.RSA(3)), "enc": keycloakKID(t, testkeys.RSA(4))}
	if diff := cmp.Diff(wantKIDs, gotKIDs); diff != "" {
		t.Errorf("JWKS kids by use mismatch (-want +got):\n%s", diff)
	}
}

// keycloakKID derives the kid Keycloak gives an RSA key: the base64url
// SHA-256 of the public key's DER SubjectPublicKeyInfo.
func keycloakKID(t *testing.T, key *rsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestTokensOAuth2(t *testing.T) {
	t.Parallel()
	ts := mockidp.NewTestServer(t)
	tokens := ts.UserTokens("demo", "demo-cli", "alice", "alice-password", "openid")
	tok := tokens.OAuth2()

	if got, want := tok.AccessToken, tokens.AccessToken; got != want {
		t.Errorf("AccessToken = %q, want %q", got, want)
	}
	if got, want := tok.Extra("id_token"), tokens.IDToken; got != want {
		t.Errorf("Extra(id_token) = %v, want %q", got, want)
	}
	if got, want := tok.RefreshToken, tokens.RefreshToken; got != want {
		t.Errorf("RefreshToken = %q, want %q", got, want)
	}
	if !tok.Expiry.Equal(tokens.Expiry) {
		t.Errorf("Expiry = %v, want %v", tok.Expiry, tokens.Expiry)
	}
}

func TestStartTestServerBrokenRealm(t *testing.T) {
	t.Parallel()
	_, err := mockidp.StartTestServer(mockidp.WithRealmJSON("broken.json", []byte(`{"realm": ""}`)))
	var ie *mockidp.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("StartTestServer with a broken realm returned %v, want *mockidp.ImportError", err)
	}
	if got, want := ie.Path, "$.realm"; got != want {
		t.Errorf("ImportError.Path = %q, want %q", got, want)
	}
}

// decodePayload returns a JWT's payload without checking it.
func decodePayload(t *testing.T, raw string) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestUserTokensOfflineAccess(t *testing.T) {
	t.Parallel()
	ts := mockidp.NewTestServer(t)
	tokens := ts.UserTokens("demo", "demo-web", "alice", "alice-password", "openid", "offline_access")

	if got, want := decodePayload(t, tokens.RefreshToken)["typ"], "Offline"; got != want {
		t.Errorf("refresh token typ = %v, want %q", got, want)
	}
	if !tokens.RefreshExpiry.IsZero() {
		t.Errorf("RefreshExpiry = %v, want zero for an offline token", tokens.RefreshExpiry)
	}
}
