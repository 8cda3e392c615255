package mockapi_test

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/smartmate/smartmate-mock/clock"
	"github.com/smartmate/smartmate-mock/internal/syncbuf"
	"github.com/smartmate/smartmate-mock/internal/testkeys"
	"github.com/smartmate/smartmate-mock/mockapi"
)

// issuerTemplate is the issuer of the test realms. No request goes to it:
// the in-process key source serves the keys.
const issuerTemplate = "http://localhost:8080/realms/{workspace}"

// start is the fixed time at which every test clock starts.
var start = time.Date(2026, time.March, 4, 10, 0, 0, 0, time.UTC)

// testRealm is a signing key of a workspace.
type testRealm struct {
	name string
	kid  string
	key  crypto.Signer
}

func (r testRealm) issuer() string {
	return strings.ReplaceAll(issuerTemplate, "{workspace}", r.name)
}

func (r testRealm) jwk() jose.JSONWebKey {
	return jose.JSONWebKey{Key: r.key.Public(), KeyID: r.kid, Algorithm: string(jose.RS256), Use: "sig"}
}

// The test realms. "twin" shares demo's key, as two realms imported from one
// export file would, so only the issuer check distinguishes their tokens.
var (
	demoRealm  = testRealm{name: "demo", kid: "demo-rsa-1", key: testkeys.RSA(1)}
	otherRealm = testRealm{name: "other", kid: "other-rsa-2", key: testkeys.RSA(2)}
	twinRealm  = testRealm{name: "twin", kid: "demo-rsa-1", key: testkeys.RSA(1)}
)

// realmKeys is an in-process key source over the test realms that counts
// its calls.
type realmKeys struct {
	mu    sync.Mutex
	sets  map[string]*jose.JSONWebKeySet // guarded by mu
	calls int                            // guarded by mu
}

func newRealmKeys(realms ...testRealm) *realmKeys {
	k := &realmKeys{sets: make(map[string]*jose.JSONWebKeySet)}
	for _, r := range realms {
		set, ok := k.sets[r.name]
		if !ok {
			set = &jose.JSONWebKeySet{}
			k.sets[r.name] = set
		}
		set.Keys = append(set.Keys, r.jwk())
	}
	return k
}

func (k *realmKeys) keys(_ context.Context, workspace string) (*jose.JSONWebKeySet, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.calls++
	set, ok := k.sets[workspace]
	if !ok {
		return nil, fmt.Errorf("%w: %q", mockapi.ErrUnknownWorkspace, workspace)
	}
	return set, nil
}

func (k *realmKeys) callCount() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.calls
}

// api is a running Handler behind a real HTTP listener.
type api struct {
	url   string
	clock *clock.Fake
	keys  *realmKeys
	logs  *syncbuf.Buffer
}

// startAPI starts a Handler over the test realms on an httptest server. The
// optional configure function edits the Config before New.
func startAPI(t testing.TB, configure func(*mockapi.Config)) *api {
	t.Helper()
	a := &api{
		clock: clock.NewFake(start),
		keys:  newRealmKeys(demoRealm, otherRealm, twinRealm),
		logs:  &syncbuf.Buffer{},
	}
	cfg := mockapi.Config{
		Issuer: mockapi.IssuerTemplate(issuerTemplate),
		Keys:   mockapi.KeyFunc(a.keys.keys),
		Clock:  a.clock,
		Logger: slog.New(slog.NewJSONHandler(a.logs, nil)),
	}
	if configure != nil {
		configure(&cfg)
	}
	h, err := mockapi.New(cfg)
	if err != nil {
		t.Fatalf("mockapi.New: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	a.url = srv.URL
	return a
}

// endpoint returns the GraphQL URL of workspace.
func (a *api) endpoint(workspace string) string {
	return a.url + "/workspaces/" + workspace + "/graphql"
}

// Role sets of the tokens.
var (
	bothRoles = []string{"apps:read", "apps:write"}
	readRole  = []string{"apps:read"}
)

// accessClaims returns the claims of a Keycloak 26 access token of realm,
// issued at now for user alice through client demo-cli, with the given
// smartmate-api roles (none when roles is nil).
func accessClaims(realm testRealm, now time.Time, roles []string) map[string]any {
	resourceAccess := map[string]any{
		"account": map[string]any{"roles": []string{"manage-account", "view-profile"}},
	}
	aud := []string{"account"}
	if roles != nil {
		resourceAccess["smartmate-api"] = map[string]any{"roles": roles}
		aud = []string{"smartmate-api", "account"}
	}
	return map[string]any{
		"exp":                now.Add(5 * time.Minute).Unix(),
		"iat":                now.Unix(),
		"jti":                "onrtac:6f1d2a4e-93b5-4c1e-8e0a-7f3b2d1c9e84",
		"iss":                realm.issuer(),
		"aud":                aud,
		"sub":                "4b2c8e1a-7d3f-4a9b-b6e5-1c0d9f8a7e63",
		"typ":                "Bearer",
		"azp":                "demo-cli",
		"sid":                "a7e3c9d1-5b2f-4e8a-9c6d-3f1b0e2a4d75",
		"acr":                "1",
		"allowed-origins":    []string{"http://localhost:3000"},
		"realm_access":       map[string]any{"roles": []string{"default-roles-" + realm.name, "offline_access", "uma_authorization"}},
		"resource_access":    resourceAccess,
		"scope":              "profile email",
		"email_verified":     true,
		"name":               "Alice Example",
		"preferred_username": "alice",
		"given_name":         "Alice",
		"family_name":        "Example",
		"email":              "alice@example.com",
	}
}

// sign signs claims with key under kid and alg, as Keycloak does (a JWT
// "typ" header and the key id).
func sign(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatalf("jose.NewSigner(%s): %v", alg, err)
	}
	token, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatalf("sign token: %v", err)
	}
	return token
}

// mint returns an RS256 access token of realm with the given roles, issued
// at now, after edit (if any) has changed its claims.
func mint(t testing.TB, realm testRealm, now time.Time, roles []string, edit func(map[string]any)) string {
	t.Helper()
	claims := accessClaims(realm, now, roles)
	if edit != nil {
		edit(claims)
	}
	return sign(t, jose.RS256, realm.key, realm.kid, claims)
}

// response is an HTTP response of the API with its body read.
type response struct {
	status int
	header http.Header
	body   []byte
}

// gqlResult is the decoded body of a GraphQL response.
type gqlResult struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// post sends a GraphQL POST with an optional bearer token.
func post(t testing.TB, url, token, query string, variables map[string]any) response {
	t.Helper()
	resp, err := tryPost(url, token, query, variables)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// tryPost is post for goroutines other than the test's, which must not call
// t.Fatal.
func tryPost(url, token, query string, variables map[string]any) (response, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": variables})
	if err != nil {
		return response{}, fmt.Errorf("encode request: %w", err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return response{}, fmt.Errorf("new request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return send(req)
}

func do(t testing.TB, req *http.Request) response {
	t.Helper()
	resp, err := send(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func send(req *http.Request) (response, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("read body of %s %s: %w", req.Method, req.URL, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// result decodes the GraphQL body of r.
func (r response) result(t testing.TB) gqlResult {
	t.Helper()
	var res gqlResult
	if err := json.Unmarshal(r.body, &res); err != nil {
		t.Fatalf("decode GraphQL body %q: %v", r.body, err)
	}
	return res
}

// errorCodes returns the extensions.code of each error.
func (g gqlResult) errorCodes() []string {
	codes := make([]string, 0, len(g.Errors))
	for _, e := range g.Errors {
		code, _ := e.Extensions["code"].(string)
		codes = append(codes, code)
	}
	return codes
}

// checkChallenge reports a response whose status or WWW-Authenticate header
// differs from the expected ones.
func checkChallenge(t testing.TB, step string, resp response, wantStatus int, wantChallenge string) {
	t.Helper()
	if resp.status != wantStatus {
		t.Errorf("%s: status = %d, want %d (body %q)", step, resp.status, wantStatus, resp.body)
	}
	if got := resp.header.Get("WWW-Authenticate"); got != wantChallenge {
		t.Errorf("%s: WWW-Authenticate:\n got %s\nwant %s", step, got, wantChallenge)
	}
}
