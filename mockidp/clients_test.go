package mockidp

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// These tests drive the emulator with the Go libraries that relying
// parties use: x/oauth2 to get tokens and go-oidc to discover the issuer
// and verify tokens against the JWKS over HTTP.

func TestClientCredentialsWithXOAuth2(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	ctx := context.Background()

	cfg := clientcredentials.Config{
		ClientID:     "demo-backend",
		ClientSecret: "demo-backend-secret",
		TokenURL:     e.tokenURL("demo"),
	}
	tok, err := cfg.Token(ctx)
	if err != nil {
		t.Fatalf("Token() error = %v", err)
	}
	if tok.RefreshToken != "" {
		t.Errorf("RefreshToken = %q, want none for client credentials", tok.RefreshToken)
	}
	if got := tok.Extra("refresh_expires_in"); got != float64(0) {
		t.Errorf("refresh_expires_in = %v, want 0", got)
	}

	provider, err := oidc.NewProvider(ctx, e.Issuer("demo"))
	if err != nil {
		t.Fatalf("NewProvider() error = %v", err)
	}
	verifier := provider.Verifier(&oidc.Config{ClientID: "smartmate-api", Now: e.clock.Now})
	idt, err := verifier.Verify(ctx, tok.AccessToken)
	if err != nil {
		t.Fatalf("Verify(access token) error = %v", err)
	}
	var claims struct {
		Typ            string                         `json:"typ"`
		Azp            string                         `json:"azp"`
		ClientID       string                         `json:"client_id"`
		Username       string                         `json:"preferred_username"`
		ResourceAccess map[string]map[string][]string `json:"resource_access"`
	}
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if claims.Typ != "Bearer" || claims.Azp != "demo-backend" || claims.ClientID != "demo-backend" {
		t.Errorf("typ, azp, client_id = %q, %q, %q; want Bearer, demo-backend, demo-backend", claims.Typ, claims.Azp, claims.ClientID)
	}
	if claims.Username != "service-account-demo-backend" {
		t.Errorf("preferred_username = %q, want service-account-demo-backend", claims.Username)
	}
	if diff := cmp.Diff([]string{"apps:read", "apps:write"}, claims.ResourceAccess["smartmate-api"]["roles"]); diff != "" {
		t.Errorf("smartmate-api roles (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"account", "smartmate-api"}, idt.Audience); diff != "" {
		t.Errorf("aud (-want +got):\n%s", diff)
	}
	if got, want := idt.Expiry, testStart.Add(300*time.Second); !got.Equal(want) {
		t.Errorf("exp = %v, want %v", got, want)
	}
}

func TestPasswordGrantWithXOAuth2(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	ctx := context.Background()

	cfg := oauth2.Config{
		ClientID: "demo-cli",
		Endpoint: oauth2.Endpoint{TokenURL: e.tokenURL("demo"), AuthStyle: oauth2.AuthStyleInParams},
		Scopes:   []string{oidc.ScopeOpenID},
	}
	tok, err := cfg.PasswordCredentialsToken(ctx, "alice", "alice-password")
	if err != nil {
		t.Fatalf("PasswordCredentialsToken() error = %v", err)
	}
	rawID, ok := tok.Extra("id_token").(string)
	if !ok {
		t.Fatal("token response has no id_token although openid was requested")
	}

	provider, err := oidc.NewProvider(ctx, e.Issuer("demo"))
	if err != nil {
		t.Fatalf("NewProvider() error = %v", err)
	}
	idToken, err := provider.Verifier(&oidc.Config{ClientID: "demo-cli", Now: e.clock.Now}).Verify(ctx, rawID)
	if err != nil {
		t.Fatalf("Verify(ID token) error = %v", err)
	}
	if err := idToken.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("VerifyAccessToken() error = %v, want at_hash to match", err)
	}
	var profile struct {
		Typ      string `json:"typ"`
		Username string `json:"preferred_username"`
		Email    string `json:"email"`
		Name     string `json:"name"`
		ACR      string `json:"acr"`
		Sid      string `json:"sid"`
	}
	if err := idToken.Claims(&profile); err != nil {
		t.Fatal(err)
	}
	want := struct {
		Typ, Username, Email, Name, ACR string
	}{"ID", "alice", "alice@example.com", "Alice Andersen", "1"}
	got := struct {
		Typ, Username, Email, Name, ACR string
	}{profile.Typ, profile.Username, profile.Email, profile.Name, profile.ACR}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ID token claims (-want +got):\n%s", diff)
	}
	if profile.Sid == "" || profile.Sid != tok.Extra("session_state") {
		t.Errorf("sid = %q, want the response's session_state %v", profile.Sid, tok.Extra("session_state"))
	}

	// The access token verifies too; its audience is "account" because
	// Alice's default roles include account client roles.
	access, err := provider.Verifier(&oidc.Config{ClientID: "account", Now: e.clock.Now}).Verify(ctx, tok.AccessToken)
	if err != nil {
		t.Fatalf("Verify(access token) error = %v", err)
	}
	if access.Subject != idToken.Subject {
		t.Errorf("access token sub = %q, ID token sub = %q; want equal", access.Subject, idToken.Subject)
	}

	// Userinfo through go-oidc returns Alice's profile.
	info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("UserInfo() error = %v", err)
	}
	if info.Email != "alice@example.com" || !info.EmailVerified || info.Subject != idToken.Subject {
		t.Errorf("UserInfo = {sub %q, email %q, verified %v}, want Alice's", info.Subject, info.Email, info.EmailVerified)
	}
}

func TestRefreshAfterExpiryWithXOAuth2(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	ctx := context.Background()
	cfg := oauth2.Config{
		ClientID: "demo-cli",
		Endpoint: oauth2.Endpoint{TokenURL: e.tokenURL("demo"), AuthStyle: oauth2.AuthStyleInParams},
		Scopes:   []string{oidc.ScopeOpenID},
	}
	first, err := cfg.PasswordCredentialsToken(ctx, "bob", "bob-password")
	if err != nil {
		t.Fatalf("PasswordCredentialsToken() error = %v", err)
	}
	provider, err := oidc.NewProvider(ctx, e.Issuer("demo"))
	if err != nil {
		t.Fatal(err)
	}
	verifier := provider.Verifier(&oidc.Config{ClientID: "account", Now: e.clock.Now})

	// Past the 300-second access token lifespan the old token fails, and
	// x/oauth2, which reads the wall clock, gets a token whose expiry has passed.
	e.clock.Advance(301 * time.Second)
	var expired *oidc.TokenExpiredError
	if _, err := verifier.Verify(ctx, first.AccessToken); !errors.As(err, &expired) {
		t.Fatalf("Verify(old access token) error = %v, want *oidc.TokenExpiredError", err)
	}
	stale := *first
	stale.Expiry = time.Now().Add(-time.Second)
	second, err := cfg.TokenSource(ctx, &stale).Token()
	if err != nil {
		t.Fatalf("refresh through TokenSource error = %v", err)
	}
	if second.AccessToken == first.AccessToken || second.RefreshToken == "" {
		t.Fatal("TokenSource did not refresh the token")
	}
	if _, err := verifier.Verify(ctx, second.AccessToken); err != nil {
		t.Errorf("Verify(refreshed access token) error = %v", err)
	}

	// After the 1800-second idle timeout the session ends and the
	// refresh token with it.
	e.clock.Advance(1801 * time.Second)
	stale = *second
	stale.Expiry = time.Now().Add(-time.Second)
	_, err = cfg.TokenSource(ctx, &stale).Token()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" || !strings.Contains(re.ErrorDescription, "Token is not active") {
		t.Errorf("refresh after idle timeout error = %v, want invalid_grant \"Token is not active\"", err)
	}
}
