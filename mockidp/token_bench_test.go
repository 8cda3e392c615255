package mockidp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/smartmate/smartmate-mock/clock"
)

// The benchmarks in this file measure the token path without a network:
// they call the handler through ServeHTTP or the token builders directly.
// bench/ measures the same paths over loopback HTTP.

const benchIssuer = "http://127.0.0.1:8080/realms/demo"

// benchServer returns the emulator with the demo realm, its key material
// and a client-credentials grant context for demo-backend.
func benchServer(b *testing.B) (*Server, *keyMaterial, *grantContext) {
	b.Helper()
	srv, err := New(WithFrontendURL("http://127.0.0.1:8080"), WithClock(clock.NewFake(testStart)))
	if err != nil {
		b.Fatalf("New() error = %v", err)
	}
	realm, _ := srv.Realm("demo")
	m, err := realm.keys.material(context.Background())
	if err != nil {
		b.Fatalf("keys: %v", err)
	}
	client, ok := realm.Client("demo-backend")
	if !ok {
		b.Fatal("demo realm has no demo-backend client")
	}
	scope, err := grantScopes(client, "")
	if err != nil {
		b.Fatal(err)
	}
	g := &grantContext{
		realm: realm, client: client, user: client.serviceAccount, issuer: benchIssuer,
		now: testStart, scope: scope, acr: "1", remoteAddr: "127.0.0.1", serviceAcct: true,
	}
	return srv, m, g
}

// BenchmarkAccessClaims builds and encodes a client-credentials access
// token's claims: the work per token besides signing.
func BenchmarkAccessClaims(b *testing.B) {
	_, _, g := benchServer(b)
	exp := g.accessExpiry()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(g.accessClaims(exp)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignRaw signs a fixed payload: the ceiling of BenchmarkSignAccessToken.
func BenchmarkSignRaw(b *testing.B) {
	_, m, g := benchServer(b)
	payload, err := json.Marshal(g.accessClaims(g.accessExpiry()))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		jws, err := m.signer.Sign(payload)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := jws.CompactSerialize(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignAccessToken builds, encodes and signs an access token.
func BenchmarkSignAccessToken(b *testing.B) {
	_, m, g := benchServer(b)
	exp := g.accessExpiry()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := signJSON(m.signer, g.accessClaims(exp)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignRefreshToken builds and signs an HS512 refresh token.
func BenchmarkSignRefreshToken(b *testing.B) {
	_, m, g := benchServer(b)
	exp := g.accessExpiry()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := signJSON(m.hmac, g.refreshClaims(exp)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifySigned(b *testing.B) {
	_, m, g := benchServer(b)
	token, err := signJSON(m.signer, g.accessClaims(g.accessExpiry()))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := verifySigned(m, token); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyRefresh(b *testing.B) {
	_, m, g := benchServer(b)
	token, err := signJSON(m.hmac, g.refreshClaims(g.accessExpiry()))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := verifyRefresh(m, token); err != nil {
			b.Fatal(err)
		}
	}
}

// serveBench sends the same request to the handler on every iteration and
// fails on any status but 200.
func serveBench(b *testing.B, srv *Server, newRequest func() *http.Request) {
	b.Helper()
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, newRequest())
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d, body %s", rec.Code, rec.Body)
		}
	}
}

func tokenRequest(values url.Values, basicUser, basicPass string) func() *http.Request {
	body := values.Encode()
	return func() *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/realms/demo/protocol/openid-connect/token", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basicUser != "" {
			r.SetBasicAuth(basicUser, basicPass)
		}
		return r
	}
}

func BenchmarkTokenEndpoint(b *testing.B) {
	b.Run("client_credentials", func(b *testing.B) {
		srv, _, _ := benchServer(b)
		serveBench(b, srv, tokenRequest(url.Values{"grant_type": {"client_credentials"}}, "demo-backend", "demo-backend-secret"))
	})
	b.Run("password", func(b *testing.B) {
		srv, _, _ := benchServer(b)
		serveBench(b, srv, tokenRequest(url.Values{
			"grant_type": {"password"}, "client_id": {"demo-cli"},
			"username": {"alice"}, "password": {"alice-password"},
		}, "", ""))
	})
	b.Run("refresh_token", func(b *testing.B) {
		srv, _, _ := benchServer(b)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, tokenRequest(url.Values{
			"grant_type": {"password"}, "client_id": {"demo-cli"},
			"username": {"alice"}, "password": {"alice-password"},
		}, "", "")())
		var tok struct {
			RefreshToken string `json:"refresh_token"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil || tok.RefreshToken == "" {
			b.Fatalf("password grant: status %d, body %s", rec.Code, rec.Body)
		}
		serveBench(b, srv, tokenRequest(url.Values{
			"grant_type": {"refresh_token"}, "client_id": {"demo-cli"}, "refresh_token": {tok.RefreshToken},
		}, "", ""))
	})
}

func BenchmarkMetadata(b *testing.B) {
	for _, path := range []string{
		"/realms/demo/.well-known/openid-configuration",
		"/realms/demo/protocol/openid-connect/certs",
	} {
		b.Run(path[strings.LastIndex(path, "/")+1:], func(b *testing.B) {
			srv, _, _ := benchServer(b)
			serveBench(b, srv, func() *http.Request { return httptest.NewRequest(http.MethodGet, path, nil) })
		})
	}
}

// loopbackBench sends requests over a real loopback listener from parallel
// keep-alive clients, so that a CPU profile shows the HTTP server's share
// next to the handler's.
func loopbackBench(b *testing.B, srv *Server, method, path, body string, header http.Header) {
	b.Helper()
	hs := httptest.NewServer(srv)
	b.Cleanup(hs.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, err := http.NewRequest(method, hs.URL+path, strings.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			req.Header = header.Clone()
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}

func BenchmarkLoopback(b *testing.B) {
	b.Run("client_credentials", func(b *testing.B) {
		srv, _, _ := benchServer(b)
		h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("demo-backend:demo-backend-secret")))
		loopbackBench(b, srv, http.MethodPost, "/realms/demo/protocol/openid-connect/token",
			url.Values{"grant_type": {"client_credentials"}}.Encode(), h)
	})
	b.Run("discovery", func(b *testing.B) {
		srv, _, _ := benchServer(b)
		loopbackBench(b, srv, http.MethodGet, "/realms/demo/.well-known/openid-configuration", "", http.Header{})
	})
	b.Run("jwks", func(b *testing.B) {
		srv, _, _ := benchServer(b)
		loopbackBench(b, srv, http.MethodGet, "/realms/demo/protocol/openid-connect/certs", "", http.Header{})
	})
}
