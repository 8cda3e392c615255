package mockapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/smartmate/smartmate-mock/mockapi"
)

// benchmarkQuery runs `{ apps { name } }` against a Handler in process, so
// the figures leave out the network stack.
func benchmarkQuery(b *testing.B, cfg mockapi.Config, token string) {
	h, err := mockapi.New(cfg)
	if err != nil {
		b.Fatalf("mockapi.New: %v", err)
	}
	const body = `{"query": "{ apps { name } }"}`

	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/workspaces/demo/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status = %d, want 200 (body %s)", rec.Code, rec.Body)
		}
	}
}

func benchConfig(configure func(*mockapi.Config)) mockapi.Config {
	keys := newRealmKeys(demoRealm)
	cfg := mockapi.Config{
		Issuer: mockapi.IssuerTemplate(issuerTemplate),
		Keys:   mockapi.KeyFunc(keys.keys),
	}
	configure(&cfg)
	return cfg
}

// BenchmarkQueryFreshToken verifies the token's RS256 signature on every
// request, as for a token the handler has never seen, by turning the token
// cache off.
func BenchmarkQueryFreshToken(b *testing.B) {
	cfg := benchConfig(func(c *mockapi.Config) { c.TokenCacheSize = -1 })
	benchmarkQuery(b, cfg, mint(b, demoRealm, time.Now(), readRole, nil))
}

// BenchmarkQueryCachedToken sends one token repeatedly, so after the first
// request the token cache skips verification.
func BenchmarkQueryCachedToken(b *testing.B) {
	cfg := benchConfig(func(*mockapi.Config) {})
	benchmarkQuery(b, cfg, mint(b, demoRealm, time.Now(), readRole, nil))
}

// BenchmarkQueryNoAuth is the ceiling: the same query with authentication
// off.
func BenchmarkQueryNoAuth(b *testing.B) {
	cfg := benchConfig(func(c *mockapi.Config) { c.InsecureDisableAuth = true })
	benchmarkQuery(b, cfg, "")
}
