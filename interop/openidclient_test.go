package interop

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
)

// nodeRedirectURI is where the openid-client relying party receives the
// authorization response; the test stops at the redirect.
const nodeRedirectURI = "http://127.0.0.1:43818/callback"

// nodeRP is one openid-client Configuration in the shared Node.js process.
type nodeRP struct {
	node *nodeProcess
	name string
}

// nodeTokens is a token endpoint response as openid-client returns it,
// with the ID token claims from its claims() helper.
type nodeTokens struct {
	AccessToken  string         `json:"access_token"`
	TokenType    string         `json:"token_type"`
	ExpiresIn    int            `json:"expires_in"`
	RefreshToken string         `json:"refresh_token"`
	IDToken      string         `json:"id_token"`
	Scope        string         `json:"scope"`
	Claims       map[string]any `json:"claims"`
}

// newNodeRP runs openid-client's discovery for the openid-client client.
// With nonRepudiation it also calls enableNonRepudiationChecks, which
// makes openid-client verify the signatures of ID tokens from the token
// endpoint.
func newNodeRP(t testing.TB, e *emulator, nonRepudiation bool) (*nodeRP, map[string]any) {
	t.Helper()
	node := openIDClient(t)
	rp := &nodeRP{node: node, name: fmt.Sprintf("%s#%d", t.Name(), node.configs.Add(1))}
	var meta map[string]any
	node.mustCall(t, "discover", map[string]any{
		"name":           rp.name,
		"issuer":         e.issuer,
		"clientId":       openIDClientClient,
		"clientSecret":   clientSecret(openIDClientClient),
		"nonRepudiation": nonRepudiation,
	}, &meta)
	return rp, meta
}

func (rp *nodeRP) call(op string, args map[string]any, out any) error {
	args["config"] = rp.name
	return rp.node.call(context.Background(), op, args, out)
}

func (rp *nodeRP) mustCall(t testing.TB, op string, args map[string]any, out any) {
	t.Helper()
	if err := rp.call(op, args, out); err != nil {
		t.Fatalf("openid-client %s: %v", op, err)
	}
}

// nodeLogin is a login that openid-client started.
type nodeLogin struct {
	URL   string `json:"url"`
	Login string `json:"login"`
	State string `json:"state"`
	Nonce string `json:"nonce"`
}

// codeFlow lets openid-client build the authorization URL with PKCE, state
// and a nonce, signs in through the login form, and hands the redirect to
// authorizationCodeGrant. Errors of openid-client are returned; failures
// before it are fatal.
func (rp *nodeRP) codeFlow(t testing.TB, user *browserlessUser) (*nodeTokens, error) {
	t.Helper()
	var login nodeLogin
	rp.mustCall(t, "authorizationUrl", map[string]any{"redirectUri": nodeRedirectURI, "scope": "openid profile email"}, &login)
	callback, err := user.login(context.Background(), login.URL, nodeRedirectURI, username, password)
	if err != nil {
		t.Fatalf("login through the form: %v", err)
	}
	var tokens nodeTokens
	err = rp.call("callback", map[string]any{"login": login.Login, "url": callback.String()}, &tokens)
	if err != nil && !isLibraryError(err) {
		t.Fatal(err)
	}
	return &tokens, err
}

func TestOpenIDClientDiscovery(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	_, meta := newNodeRP(t, e, false)
	oidcBase := e.issuer + "/protocol/openid-connect"
	for member, want := range map[string]string{
		"issuer":         e.issuer,
		"token_endpoint": oidcBase + "/token",
		"jwks_uri":       oidcBase + "/certs",
	} {
		if meta[member] != want {
			t.Errorf("serverMetadata().%s = %v, want %q", member, meta[member], want)
		}
	}
}

func TestOpenIDClientClientCredentials(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	rp, _ := newNodeRP(t, e, false)
	var tokens nodeTokens
	rp.mustCall(t, "clientCredentials", map[string]any{}, &tokens)
	// openid-client lowercases token_type, which RFC 6749 section 5.1
	// makes case-insensitive.
	if tokens.TokenType != "bearer" || tokens.ExpiresIn < 290 || tokens.ExpiresIn > 300 {
		t.Errorf("token_type, expiresIn() = %q, %d, want bearer, 300 s", tokens.TokenType, tokens.ExpiresIn)
	}
	if tokens.RefreshToken != "" || tokens.IDToken != "" {
		t.Errorf("client credentials returned refresh token %q, ID token %q, want neither", tokens.RefreshToken, tokens.IDToken)
	}
	if got := kidOf(t, tokens.AccessToken); got == "" {
		t.Error("access token has no kid")
	}
}

func TestOpenIDClientPasswordRefreshUserinfo(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	rp, _ := newNodeRP(t, e, true)

	var tokens nodeTokens
	rp.mustCall(t, "password", map[string]any{"username": username, "password": password, "scope": "openid profile email"}, &tokens)
	if tokens.Claims["sub"] != userID || tokens.Claims["aud"] != openIDClientClient {
		t.Errorf("ID token sub, aud = %v, %v, want %s, %s", tokens.Claims["sub"], tokens.Claims["aud"], userID, openIDClientClient)
	}
	if tokens.RefreshToken == "" {
		t.Fatal("password grant returned no refresh token")
	}

	var refreshed nodeTokens
	rp.mustCall(t, "refresh", map[string]any{"refreshToken": tokens.RefreshToken}, &refreshed)
	if refreshed.AccessToken == tokens.AccessToken || refreshed.Claims["sub"] != userID {
		t.Errorf("refresh returned the same access token or ID token sub %v, want a new token for %s", refreshed.Claims["sub"], userID)
	}

	var info map[string]any
	rp.mustCall(t, "userinfo", map[string]any{"accessToken": refreshed.AccessToken, "subject": userID}, &info)
	if info["sub"] != userID || info["email"] != "carol@example.com" || info["preferred_username"] != username {
		t.Errorf("fetchUserInfo() = %v, want sub %s, email carol@example.com, preferred_username %s", info, userID, username)
	}
}

func TestOpenIDClientKeyRotation(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	// With non-repudiation checks openid-client verifies ID token
	// signatures, so it must fetch the JWKS again for the new key.
	rp, _ := newNodeRP(t, e, true)
	var before nodeTokens
	rp.mustCall(t, "password", map[string]any{"username": username, "password": password, "scope": "openid"}, &before)

	e.rotateKeys(t, true)
	// openid-client fetches the JWKS again for an unknown kid only when its
	// cache is at least 60 seconds old, so right after the rotation it
	// rejects the new key's tokens.
	err := rp.call("refresh", map[string]any{"refreshToken": before.RefreshToken}, nil)
	var ne *nodeError
	if !errors.As(err, &ne) || ne.Code != "OAUTH_KEY_SELECTION_FAILED" {
		t.Errorf("refresh right after the rotation error = %v, want OAUTH_KEY_SELECTION_FAILED", err)
	}

	// A configuration whose JWKS cache is a minute old, as in a process
	// that runs a minute later, fetches the new JWKS and accepts the token.
	later, _ := newNodeRP(t, e, true)
	rp.node.mustCall(t, "copyJwksCache", map[string]any{"from": rp.name, "to": later.name, "ageSeconds": 61}, nil)
	var after nodeTokens
	later.mustCall(t, "refresh", map[string]any{"refreshToken": before.RefreshToken}, &after)
	if kidOf(t, after.IDToken) == kidOf(t, before.IDToken) {
		t.Error("the ID tokens before and after the rotation have the same kid")
	}
}

func TestOpenIDClientCodeFlowIntrospectRevokeLogout(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	rp, meta := newNodeRP(t, e, true)
	oidcBase := e.issuer + "/protocol/openid-connect"
	for member, want := range map[string]string{
		"authorization_endpoint": oidcBase + "/auth",
		"introspection_endpoint": oidcBase + "/token/introspect",
		"revocation_endpoint":    oidcBase + "/revoke",
		"end_session_endpoint":   oidcBase + "/logout",
	} {
		if meta[member] != want {
			t.Errorf("serverMetadata().%s = %v, want %q", member, meta[member], want)
		}
	}

	user := newBrowserlessUser(t)
	tokens, err := rp.codeFlow(t, user)
	if err != nil {
		t.Fatalf("authorizationCodeGrant() error = %v", err)
	}
	if tokens.Claims["sub"] != userID {
		t.Errorf("ID token sub = %v, want %s", tokens.Claims["sub"], userID)
	}

	var introspection map[string]any
	rp.mustCall(t, "introspect", map[string]any{"token": tokens.AccessToken}, &introspection)
	if introspection["active"] != true || introspection["sub"] != userID || introspection["client_id"] != openIDClientClient {
		t.Errorf("tokenIntrospection() = %v, want active, sub %s, client_id %s", introspection, userID, openIDClientClient)
	}
	rp.mustCall(t, "revoke", map[string]any{"token": tokens.RefreshToken}, nil)
	if err := rp.call("refresh", map[string]any{"refreshToken": tokens.RefreshToken}, nil); err == nil {
		t.Error("refreshTokenGrant() with the revoked refresh token succeeded")
	}

	// RP-initiated logout in the browser session of a second login.
	second, err := rp.codeFlow(t, user)
	if err != nil {
		t.Fatalf("second authorizationCodeGrant() error = %v", err)
	}
	postLogout := "http://127.0.0.1:43818/logged-out"
	var end struct {
		URL string `json:"url"`
	}
	rp.mustCall(t, "endSessionUrl", map[string]any{"idTokenHint": second.IDToken, "postLogoutRedirectUri": postLogout, "state": "logout-state"}, &end)
	status, location, page, err := user.visit(context.Background(), end.URL)
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusFound || location != postLogout+"?state=logout-state" {
		t.Errorf("logout = %d to %q, want 302 to %s?state=logout-state; body %.300s", status, location, postLogout, page)
	}
	if err := rp.call("userinfo", map[string]any{"accessToken": second.AccessToken, "subject": userID}, nil); err == nil {
		t.Error("fetchUserInfo() after logout succeeded, want the session gone")
	}
}
