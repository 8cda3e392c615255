package interop

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// goRedirectURI is where the Go relying party receives the authorization
// response. Nothing listens there, because the test stops at the redirect;
// the port is there so that Keycloak's loopback rule, which ignores the
// port, is exercised.
const goRedirectURI = "http://127.0.0.1:43817/callback"

// goRP is a relying party built on go-oidc and x/oauth2 the way their
// documentation shows.
type goRP struct {
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	config   oauth2.Config
	meta     providerMetadata
}

// providerMetadata holds the discovery members that go-oidc does not
// expose as fields.
type providerMetadata struct {
	Issuer                string   `json:"issuer"`
	IntrospectionEndpoint string   `json:"introspection_endpoint"`
	RevocationEndpoint    string   `json:"revocation_endpoint"`
	EndSessionEndpoint    string   `json:"end_session_endpoint"`
	CodeChallengeMethods  []string `json:"code_challenge_methods_supported"`
}

func newGoRP(t testing.TB, ctx context.Context, e *emulator) *goRP {
	t.Helper()
	provider, err := oidc.NewProvider(ctx, e.issuer)
	if err != nil {
		t.Fatalf("oidc.NewProvider(%s) error = %v", e.issuer, err)
	}
	rp := &goRP{
		provider: provider,
		verifier: provider.Verifier(&oidc.Config{ClientID: goOIDCClient}),
		config: oauth2.Config{
			ClientID:     goOIDCClient,
			ClientSecret: clientSecret(goOIDCClient),
			Endpoint:     provider.Endpoint(),
			RedirectURL:  goRedirectURI,
			Scopes:       []string{oidc.ScopeOpenID, "profile", "email"},
		},
	}
	if err := provider.Claims(&rp.meta); err != nil {
		t.Fatalf("provider.Claims() error = %v", err)
	}
	return rp
}

// goLogin is the outcome of one authorization code flow.
type goLogin struct {
	token   *oauth2.Token
	rawID   string
	idToken *oidc.IDToken // set by the caller after verification
	nonce   string
	user    *browserlessUser
}

// codeFlow runs the authorization code flow with PKCE and a nonce through
// the login form and exchanges the code. It fails the test when any step
// fails; it does not verify the tokens.
func (rp *goRP) codeFlow(t testing.TB, ctx context.Context) *goLogin {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	state, nonce := oauth2.GenerateVerifier(), oauth2.GenerateVerifier()
	authURL := rp.config.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce))

	user := newBrowserlessUser(t)
	callback, err := user.login(ctx, authURL, goRedirectURI, username, password)
	if err != nil {
		t.Fatalf("login through the form: %v", err)
	}
	q := callback.Query()
	if got := q.Get("state"); got != state {
		t.Fatalf("callback state = %q, want %q", got, state)
	}
	if q.Get("error") != "" {
		t.Fatalf("callback error = %q (%s)", q.Get("error"), q.Get("error_description"))
	}
	token, err := rp.config.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("Exchange() error = %v", err)
	}
	return &goLogin{token: token, rawID: idTokenOf(t, token), nonce: nonce, user: user}
}

// verify verifies the ID token of a token response and its at_hash, the
// checks that go-oidc's documentation shows. It does NOT compare the
// nonce, which go-oidc leaves to the caller.
func (rp *goRP) verify(ctx context.Context, token *oauth2.Token) (*oidc.IDToken, error) {
	raw, ok := token.Extra("id_token").(string)
	if !ok {
		return nil, errors.New("token response has no id_token")
	}
	idToken, err := rp.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	return idToken, idToken.VerifyAccessToken(token.AccessToken)
}

func TestGoOIDCDiscovery(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	rp := newGoRP(t, context.Background(), e)

	endpoint := rp.provider.Endpoint()
	oidcBase := e.issuer + "/protocol/openid-connect"
	checks := []struct{ name, got, want string }{
		{"issuer", rp.meta.Issuer, e.issuer},
		{"token endpoint", endpoint.TokenURL, oidcBase + "/token"},
		{"userinfo endpoint", rp.provider.UserInfoEndpoint(), oidcBase + "/userinfo"},
		{"authorization endpoint", endpoint.AuthURL, oidcBase + "/auth"},
		{"introspection endpoint", rp.meta.IntrospectionEndpoint, oidcBase + "/token/introspect"},
		{"revocation endpoint", rp.meta.RevocationEndpoint, oidcBase + "/revoke"},
		{"end session endpoint", rp.meta.EndSessionEndpoint, oidcBase + "/logout"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if !slices.Contains(rp.meta.CodeChallengeMethods, "S256") {
		t.Errorf("code_challenge_methods_supported = %v, want S256 in it", rp.meta.CodeChallengeMethods)
	}
}

func TestGoOIDCClientCredentials(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	ctx := context.Background()
	rp := newGoRP(t, ctx, e)
	cc := clientcredentials.Config{
		ClientID:     goOIDCClient,
		ClientSecret: clientSecret(goOIDCClient),
		TokenURL:     rp.provider.Endpoint().TokenURL,
	}
	token, err := cc.Token(ctx)
	if err != nil {
		t.Fatalf("clientcredentials Token() error = %v", err)
	}
	if token.RefreshToken != "" {
		t.Errorf("refresh token = %q, want none for client credentials", token.RefreshToken)
	}
	if left := time.Until(token.Expiry); left < 290*time.Second || left > 300*time.Second {
		t.Errorf("token expires in %v, want the realm's 300 s", left)
	}

	// The access token is a JWT that go-oidc verifies like an ID token,
	// except for the audience, which a service-account token lacks.
	access, err := rp.provider.Verifier(&oidc.Config{SkipClientIDCheck: true}).Verify(ctx, token.AccessToken)
	if err != nil {
		t.Fatalf("Verify(access token) error = %v", err)
	}
	var claims struct {
		Azp string `json:"azp"`
		Typ string `json:"typ"`
	}
	if err := access.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if claims.Azp != goOIDCClient || claims.Typ != "Bearer" {
		t.Errorf("access token azp, typ = %q, %q, want %q, Bearer", claims.Azp, claims.Typ, goOIDCClient)
	}
}

func TestGoOIDCPasswordRefreshUserinfo(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	ctx := context.Background()
	rp := newGoRP(t, ctx, e)

	token, err := rp.config.PasswordCredentialsToken(ctx, username, password)
	if err != nil {
		t.Fatalf("PasswordCredentialsToken() error = %v", err)
	}
	idToken := verifyGoIDToken(t, ctx, rp, token)
	if idToken.Subject != userID {
		t.Errorf("ID token sub = %q, want %q", idToken.Subject, userID)
	}
	if token.RefreshToken == "" {
		t.Fatal("password grant returned no refresh token")
	}

	// An expired token makes the token source refresh it.
	stale := *token
	stale.Expiry = time.Now().Add(-time.Minute)
	refreshed, err := rp.config.TokenSource(ctx, &stale).Token()
	if err != nil {
		t.Fatalf("refreshing through TokenSource error = %v", err)
	}
	if refreshed.AccessToken == token.AccessToken {
		t.Error("refresh returned the same access token")
	}
	if got := verifyGoIDToken(t, ctx, rp, refreshed); got.Subject != userID {
		t.Errorf("refreshed ID token sub = %q, want %q", got.Subject, userID)
	}

	info, err := rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(refreshed))
	if err != nil {
		t.Fatalf("UserInfo() error = %v", err)
	}
	if info.Subject != userID || info.Email != "carol@example.com" || !info.EmailVerified {
		t.Errorf("UserInfo() = sub %q, email %q, verified %v, want %q, carol@example.com, true", info.Subject, info.Email, info.EmailVerified, userID)
	}
	var profile struct {
		PreferredUsername string `json:"preferred_username"`
		Name              string `json:"name"`
	}
	if err := info.Claims(&profile); err != nil {
		t.Fatal(err)
	}
	if profile.PreferredUsername != username || profile.Name != "Carol Chen" {
		t.Errorf("userinfo preferred_username, name = %q, %q, want %q, %q", profile.PreferredUsername, profile.Name, username, "Carol Chen")
	}
}

// verifyGoIDToken verifies the ID token of a token response and its
// at_hash, and fails the test on any error.
func verifyGoIDToken(t testing.TB, ctx context.Context, rp *goRP, token *oauth2.Token) *oidc.IDToken {
	t.Helper()
	idToken, err := rp.verify(ctx, token)
	if err != nil {
		t.Fatalf("verifying the ID token: %v", err)
	}
	return idToken
}

func TestGoOIDCKeyRotation(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	ctx := context.Background()
	rp := newGoRP(t, ctx, e)
	before, err := rp.config.PasswordCredentialsToken(ctx, username, password)
	if err != nil {
		t.Fatal(err)
	}
	verifyGoIDToken(t, ctx, rp, before)

	// A token signed by the new key makes go-oidc fetch the JWKS again.
	e.rotateKeys(t, true)
	after, err := rp.config.TokenSource(ctx, &oauth2.Token{RefreshToken: before.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh after rotation error = %v", err)
	}
	verifyGoIDToken(t, ctx, rp, after)
	verifyGoIDToken(t, ctx, rp, before)
	if kidOf(t, idTokenOf(t, before)) == kidOf(t, idTokenOf(t, after)) {
		t.Error("the ID tokens before and after the rotation have the same kid")
	}
}

func TestGoOIDCCodeFlowIntrospectRevokeLogout(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	ctx := context.Background()
	rp := newGoRP(t, ctx, e)

	login := rp.codeFlow(t, ctx)
	login.idToken = verifyGoIDToken(t, ctx, rp, login.token)
	if login.idToken.Nonce != login.nonce {
		t.Errorf("ID token nonce = %q, want %q", login.idToken.Nonce, login.nonce)
	}
	if login.idToken.Subject != userID {
		t.Errorf("ID token sub = %q, want %q", login.idToken.Subject, userID)
	}

	// Introspection and revocation have no API in go-oidc or x/oauth2, so
	// the relying party posts RFC 7662 and RFC 7009 requests itself.
	introspection := rp.introspect(t, ctx, login.token.AccessToken)
	if introspection["active"] != true || introspection["sub"] != userID || introspection["client_id"] != goOIDCClient {
		t.Errorf("introspection = %v, want active, sub %s, client_id %s", introspection, userID, goOIDCClient)
	}
	status, body := rp.clientPost(t, rp.meta.RevocationEndpoint, url.Values{"token": {login.token.RefreshToken}, "token_type_hint": {"refresh_token"}})
	if status != http.StatusOK {
		t.Errorf("revocation status = %d, body %s, want 200", status, body)
	}
	if _, err := rp.config.TokenSource(ctx, &oauth2.Token{RefreshToken: login.token.RefreshToken}).Token(); err == nil {
		t.Error("refresh with the revoked refresh token succeeded")
	}
	if got := rp.introspect(t, ctx, login.token.AccessToken); got["active"] != false {
		t.Errorf("introspection after revoking the session = %v, want active false", got)
	}

	// RP-initiated logout with id_token_hint, post_logout_redirect_uri and
	// state, in the browser session of the login.
	second := rp.codeFlow(t, ctx)
	verifyGoIDToken(t, ctx, rp, second.token)
	postLogout := "http://127.0.0.1:43817/logged-out"
	logoutURL := rp.meta.EndSessionEndpoint + "?" + url.Values{
		"id_token_hint":            {second.rawID},
		"post_logout_redirect_uri": {postLogout},
		"state":                    {"logout-state"},
	}.Encode()
	status, location, page, err := second.user.visit(ctx, logoutURL)
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusFound || location != postLogout+"?state=logout-state" {
		t.Errorf("logout = %d to %q, want 302 to %s?state=logout-state; body %.300s", status, location, postLogout, page)
	}
	if _, err := rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(second.token)); err == nil {
		t.Error("UserInfo() after logout succeeded, want the session gone")
	}
}

// introspect posts an RFC 7662 request with the client's credentials.
func (rp *goRP) introspect(t testing.TB, ctx context.Context, token string) map[string]any {
	t.Helper()
	status, body := rp.clientPost(t, rp.meta.IntrospectionEndpoint, url.Values{"token": {token}})
	if status != http.StatusOK {
		t.Fatalf("introspection status = %d, body %s", status, body)
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("introspection body is not JSON: %v: %s", err, body)
	}
	return out
}

// clientPost posts a form to an endpoint with client_secret_basic.
func (rp *goRP) clientPost(t testing.TB, endpoint string, form url.Values) (int, []byte) {
	t.Helper()
	return postForm(t, endpoint, form, rp.config.ClientID, rp.config.ClientSecret)
}

func idTokenOf(t testing.TB, token *oauth2.Token) string {
	t.Helper()
	raw, ok := token.Extra("id_token").(string)
	if !ok {
		t.Fatal("token response has no id_token")
	}
	return raw
}
