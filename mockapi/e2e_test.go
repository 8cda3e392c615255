package mockapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/smartmate/smartmate-mock/clock"
	"github.com/smartmate/smartmate-mock/internal/testkeys"
	"github.com/smartmate/smartmate-mock/mockapi"
	"github.com/smartmate/smartmate-mock/mockidp"
)

// stack is the emulator and the API on one loopback listener, mounted as
// cmd/ mounts them: the realms at /realms/ and the API at /workspaces/.
type stack struct {
	url   string
	clock *clock.Fake
	idp   *mockidp.Server
}

// startStack starts the emulator with the demo realm and the API. With
// remote set, the API fetches the realm keys over HTTP from the emulator's
// JWKS endpoint; otherwise it reads them in process.
func startStack(t testing.TB, remote bool) *stack {
	t.Helper()
	hs := httptest.NewUnstartedServer(nil)
	base := "http://" + hs.Listener.Addr().String()
	clk := clock.NewFake(start)

	idp, err := mockidp.New(mockidp.WithFrontendURL(base), mockidp.WithClock(clk))
	if err != nil {
		hs.Close()
		t.Fatalf("mockidp.New: %v", err)
	}

	var keys mockapi.KeySource = mockapi.KeyFunc(func(ctx context.Context, workspace string) (*jose.JSONWebKeySet, error) {
		if _, ok := idp.Realm(workspace); !ok {
			return nil, fmt.Errorf("%w: %q", mockapi.ErrUnknownWorkspace, workspace)
		}
		return idp.PublicKeys(ctx, workspace)
	})
	if remote {
		keys = mockapi.NewRemoteKeySource(base+"/realms/{workspace}/protocol/openid-connect/certs", nil, clk)
	}
	api, err := mockapi.New(mockapi.Config{Issuer: idp.Issuer, Keys: keys, Clock: clk})
	if err != nil {
		hs.Close()
		t.Fatalf("mockapi.New: %v", err)
	}

	mux := http.NewServeMux()
	mux.Handle("/workspaces/", api)
	mux.Handle("/", idp)
	hs.Config.Handler = mux
	hs.Start()
	t.Cleanup(hs.Close)
	return &stack{url: base, clock: clk, idp: idp}
}

func (s *stack) tokenURL() string {
	return s.idp.Issuer("demo") + "/protocol/openid-connect/token"
}

// clientToken runs the client credentials grant of demo-backend.
func (s *stack) clientToken(t testing.TB) *oauth2.Token {
	t.Helper()
	cfg := clientcredentials.Config{ClientID: "demo-backend", ClientSecret: "demo-backend-secret", TokenURL: s.tokenURL()}
	tok, err := cfg.Token(context.Background())
	if err != nil {
		t.Fatalf("client credentials grant of demo-backend: %v", err)
	}
	return tok
}

// userToken runs the password grant of demo-cli for user, with the openid
// scope so the response also carries an ID token.
func (s *stack) userToken(t testing.TB, user, password string) *oauth2.Token {
	t.Helper()
	cfg := oauth2.Config{
		ClientID: "demo-cli",
		Endpoint: oauth2.Endpoint{TokenURL: s.tokenURL(), AuthStyle: oauth2.AuthStyleInParams},
		Scopes:   []string{"openid"},
	}
	tok, err := cfg.PasswordCredentialsToken(context.Background(), user, password)
	if err != nil {
		t.Fatalf("password grant of %s: %v", user, err)
	}
	return tok
}

func (s *stack) endpoint() string {
	return s.url + "/workspaces/demo/graphql"
}

func TestEmulatorTokens(t *testing.T) {
	t.Parallel()
	for _, remote := range []bool{false, true} {
		t.Run(fmt.Sprintf("remote keys %t", remote), func(t *testing.T) {
			t.Parallel()
			s := startStack(t, remote)
			const mutation = `mutation { createApp(input: {name: "From a test"}) { name } }`
			forbidden := func(kind, role string) string {
				return `Bearer realm="demo", error="insufficient_scope", error_description="a ` + kind + ` requires the \"` + role + `\" role of client \"smartmate-api\""`
			}

			tests := []struct {
				name          string
				token         string
				query         string
				wantStatus    int
				wantChallenge string
			}{
				{name: "service account queries", token: s.clientToken(t).AccessToken, query: appsQuery, wantStatus: http.StatusOK},
				{name: "service account mutates", token: s.clientToken(t).AccessToken, query: mutation, wantStatus: http.StatusOK},
				{name: "alice queries", token: s.userToken(t, "alice", "alice-password").AccessToken, query: appsQuery, wantStatus: http.StatusOK},
				{name: "alice mutates", token: s.userToken(t, "alice", "alice-password").AccessToken, query: mutation, wantStatus: http.StatusOK},
				{name: "bob queries", token: s.userToken(t, "bob", "bob-password").AccessToken, query: appsQuery, wantStatus: http.StatusForbidden, wantChallenge: forbidden("query", "apps:read")},
				{name: "bob mutates", token: s.userToken(t, "bob", "bob-password").AccessToken, query: mutation, wantStatus: http.StatusForbidden, wantChallenge: forbidden("mutation", "apps:write")},
			}
			for _, tc := range tests {
				resp := post(t, s.endpoint(), tc.token, tc.query, nil)
				checkChallenge(t, tc.name, resp, tc.wantStatus, tc.wantChallenge)
			}
		})
	}
}

func TestEmulatorOtherTokenTypes(t *testing.T) {
	t.Parallel()
	s := startStack(t, false)
	tok := s.userToken(t, "alice", "alice-password")

	idToken, ok := tok.Extra("id_token").(string)
	if !ok || idToken == "" {
		t.Fatalf("password grant with scope openid returned no id_token")
	}
	resp := post(t, s.endpoint(), idToken, appsQuery, nil)
	checkChallenge(t, "ID token", resp, http.StatusUnauthorized,
		`Bearer realm="demo", error="invalid_token", error_description="token type \"ID\" is not allowed, expected \"Bearer\""`)

	// Keycloak 26 signs refresh tokens with the realm's HMAC key.
	resp = post(t, s.endpoint(), tok.RefreshToken, appsQuery, nil)
	checkChallenge(t, "refresh token", resp, http.StatusUnauthorized,
		`Bearer realm="demo", error="invalid_token", error_description="signing algorithm \"HS512\" is not allowed"`)
}

func TestEmulatorTokenExpiry(t *testing.T) {
	t.Parallel()
	s := startStack(t, false)
	tok := s.clientToken(t)

	if resp := post(t, s.endpoint(), tok.AccessToken, appsQuery, nil); resp.status != http.StatusOK {
		t.Fatalf("fresh token: status = %d, want 200", resp.status)
	}

	// The demo realm's access tokens live 300 s.
	s.clock.Advance(300 * time.Second)
	resp := post(t, s.endpoint(), tok.AccessToken, appsQuery, nil)
	checkChallenge(t, "after 300 s", resp, http.StatusUnauthorized,
		`Bearer realm="demo", error="invalid_token", error_description="token is expired"`)
}

func TestEmulatorUnknownWorkspace(t *testing.T) {
	t.Parallel()
	s := startStack(t, false)

	resp := post(t, s.url+"/workspaces/nowhere/graphql", s.clientToken(t).AccessToken, appsQuery, nil)
	if resp.status != http.StatusNotFound {
		t.Errorf("status = %d, want 404 (body %s)", resp.status, resp.body)
	}
}

func TestEmulatorKeyRotation(t *testing.T) {
	t.Parallel()
	for _, remote := range []bool{false, true} {
		t.Run(fmt.Sprintf("remote keys %t", remote), func(t *testing.T) {
			t.Parallel()
			s := startStack(t, remote)
			before := s.clientToken(t).AccessToken
			if resp := post(t, s.endpoint(), before, appsQuery, nil); resp.status != http.StatusOK {
				t.Fatalf("token before rotation: status = %d, want 200", resp.status)
			}

			kid, err := s.idp.RotateKeys("demo", testkeys.RSA(3), false)
			if err != nil {
				t.Fatalf("RotateKeys: %v", err)
			}
			after := s.clientToken(t).AccessToken

			// In process, the new key is visible at once. Over HTTP, the
			// key source refetches an unknown kid only once per
			// RemoteKeysMinRefreshInterval.
			if remote {
				resp := post(t, s.endpoint(), after, appsQuery, nil)
				checkChallenge(t, "new kid within the refresh interval", resp, http.StatusUnauthorized,
					`Bearer realm="demo", error="invalid_token", error_description="signing key \"`+kid+`\" is not in the workspace's key set"`)
				s.clock.Advance(mockapi.RemoteKeysMinRefreshInterval)
				after = s.clientToken(t).AccessToken
			}
			if resp := post(t, s.endpoint(), after, appsQuery, nil); resp.status != http.StatusOK {
				t.Errorf("token of the new key %q: status = %d, want 200 (WWW-Authenticate %q)", kid, resp.status, resp.header.Get("WWW-Authenticate"))
			}

			// The old token stays accepted from the token cache until it
			// expires, although its key has left the JWKS.
			if resp := post(t, s.endpoint(), before, appsQuery, nil); resp.status != http.StatusOK {
				t.Errorf("cached token of the dropped key: status = %d, want 200", resp.status)
			}
		})
	}
}
