package mockapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/smartmate/smartmate-mock/clock"
	"github.com/smartmate/smartmate-mock/internal/testkeys"
	"github.com/smartmate/smartmate-mock/mockapi"
)

// jwksServer serves Keycloak-style JWKS documents at
// /realms/{realm}/protocol/openid-connect/certs and counts the fetches.
type jwksServer struct {
	url     string
	fetches atomic.Int64

	mu   sync.Mutex
	sets map[string][]jose.JSONWebKey // guarded by mu
}

func startJWKSServer(t testing.TB) *jwksServer {
	t.Helper()
	s := &jwksServer{sets: make(map[string][]jose.JSONWebKey)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		realm, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/realms/"), "/protocol/openid-connect/certs")
		s.mu.Lock()
		keys, found := s.sets[realm]
		s.mu.Unlock()
		if !ok || !found {
			// Keycloak 26's body for a realm that does not exist.
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"Realm does not exist"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: keys})
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

func (s *jwksServer) setKeys(realm string, keys ...jose.JSONWebKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sets[realm] = keys
}

// startRemoteAPI starts a Handler whose keys come from jwks over HTTP, with
// the issuer at the JWKS server like a real Keycloak.
func startRemoteAPI(t testing.TB, jwks *jwksServer, clk *clock.Fake) string {
	t.Helper()
	h, err := mockapi.New(mockapi.Config{
		Issuer: mockapi.IssuerTemplate(issuerTemplate),
		Keys:   mockapi.NewRemoteKeySource(jwks.url+"/realms/{workspace}/protocol/openid-connect/certs", nil, clk),
		Clock:  clk,
	})
	if err != nil {
		t.Fatalf("mockapi.New: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/workspaces/demo/graphql"
}

func TestRemoteKeyRotation(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(start)
	jwks := startJWKSServer(t)
	jwks.setKeys("demo", demoRealm.jwk())
	endpoint := startRemoteAPI(t, jwks, clk)
	rotated := testRealm{name: "demo", kid: "demo-rsa-4", key: testkeys.RSA(4)}

	status := func(token string) int {
		t.Helper()
		return post(t, endpoint, token, appsQuery, nil).status
	}
	wantFetches := func(step string, want int64) {
		t.Helper()
		if got := jwks.fetches.Load(); got != want {
			t.Errorf("%s: JWKS fetched %d times, want %d", step, got, want)
		}
	}

	// The first token loads the key set; a second token reuses it.
	if got := status(mint(t, demoRealm, clk.Now(), readRole, nil)); got != http.StatusOK {
		t.Fatalf("first token: status = %d, want 200", got)
	}
	if got := status(mint(t, demoRealm, clk.Now(), readRole, func(c map[string]any) { c["jti"] = "second" })); got != http.StatusOK {
		t.Fatalf("second token: status = %d, want 200", got)
	}
	wantFetches("two tokens of the first key", 1)

	// The realm rotates in a new key. Within the refresh interval of the
	// first fetch, the unknown kid may not trigger a fetch.
	jwks.setKeys("demo", demoRealm.jwk(), rotated.jwk())
	clk.Advance(5 * time.Second)
	if got := status(mint(t, rotated, clk.Now(), readRole, nil)); got != http.StatusUnauthorized {
		t.Errorf("new kid 5 s after the first fetch: status = %d, want 401", got)
	}
	wantFetches("new kid within the refresh interval", 1)

	// After the interval, the new kid is fetched exactly once, however many
	// tokens name it at the same time.
	clk.Advance(mockapi.RemoteKeysMinRefreshInterval)
	var wg sync.WaitGroup
	statuses := make([]int, 6)
	tokens := make([]string, len(statuses))
	for i := range tokens {
		tokens[i] = mint(t, rotated, clk.Now(), readRole, func(c map[string]any) { c["jti"] = string(rune('a' + i)) })
	}
	for i := range statuses {
		wg.Go(func() {
			resp, err := tryPost(endpoint, tokens[i], appsQuery, nil)
			if err != nil {
				t.Error(err)
			}
			statuses[i] = resp.status
		})
	}
	wg.Wait()
	for i, got := range statuses {
		if got != http.StatusOK {
			t.Errorf("token %d of the new key: status = %d, want 200", i, got)
		}
	}
	wantFetches("six concurrent tokens of the new key", 2)

	// A kid that never appears costs no fetch within the interval.
	if got := status(sign(t, jose.RS256, testkeys.RSA(3), "rogue", accessClaims(demoRealm, clk.Now(), readRole))); got != http.StatusUnauthorized {
		t.Errorf("unknown kid: status = %d, want 401", got)
	}
	wantFetches("unknown kid right after a fetch", 2)

	// Once RemoteKeysMaxAge has passed, Keys fetches again on its own.
	clk.Advance(mockapi.RemoteKeysMaxAge)
	if got := status(mint(t, demoRealm, clk.Now(), readRole, func(c map[string]any) { c["jti"] = "late" })); got != http.StatusOK {
		t.Errorf("token after max age: status = %d, want 200", got)
	}
	wantFetches("after max age", 3)
}

func TestRemoteUnknownRealm(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(start)
	jwks := startJWKSServer(t)
	endpoint := startRemoteAPI(t, jwks, clk)

	for range 3 {
		resp := post(t, endpoint, mint(t, demoRealm, start, readRole, nil), appsQuery, nil)
		if resp.status != http.StatusNotFound {
			t.Errorf("status = %d, want 404 (body %s)", resp.status, resp.body)
		}
	}
	// The 404 is remembered for the refresh interval.
	if got := jwks.fetches.Load(); got != 1 {
		t.Errorf("JWKS fetched %d times for three requests to an unknown realm, want 1", got)
	}
}

func TestRemoteJWKSUnavailable(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(start)
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	t.Cleanup(broken.Close)
	h, err := mockapi.New(mockapi.Config{
		Issuer: mockapi.IssuerTemplate(issuerTemplate),
		Keys:   mockapi.NewRemoteKeySource(broken.URL+"/realms/{workspace}/protocol/openid-connect/certs", broken.Client(), clk),
		Clock:  clk,
	})
	if err != nil {
		t.Fatalf("mockapi.New: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	resp := post(t, srv.URL+"/workspaces/demo/graphql", mint(t, demoRealm, start, readRole, nil), appsQuery, nil)
	if resp.status != http.StatusServiceUnavailable {
		t.Errorf("status = %d, want 503", resp.status)
	}
	want := `{"error":"server_error","error_description":"signing keys of workspace \"demo\" could not be loaded, try again later"}`
	if string(resp.body) != want {
		t.Errorf("body = %s, want %s", resp.body, want)
	}
}
