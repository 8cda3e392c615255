package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/smartmate/smartmate-mock/bench/internal/loadgen"
)

// Operations measured. Peers are measured only on the operations that do
// the same work as the emulator's.
const (
	opDiscovery         = "discovery"
	opJWKS              = "JWKS"
	opClientCredentials = "client credentials"
	opPassword          = "password grant"
	opRefresh           = "refresh grant"
	opAuthCode          = "auth-code round trip"
	opGraphQLNoAuth     = "GraphQL, auth off"
	opGraphQLCached     = "GraphQL, cached token"
	opGraphQLFresh      = "GraphQL, verify every request"
	opSign              = "raw RS256 signing"
)

// scenario is one operation of a target: the requests to send and a
// substring that a correct response body contains.
type scenario struct {
	op     string
	expect string
	// requests builds the requests, doing any setup such as obtaining a
	// refresh token.
	requests func(ctx context.Context, addr string) ([]loadgen.Request, error)
	// authCode runs auth-code round trips through the login form instead
	// of requests, and counts each round trip as one request.
	authCode bool
}

// target is a server under test.
type target struct {
	name      string
	readyPath string
	// command returns the command that serves on addr.
	command   func(ctx context.Context, pin pinning, addr string) *exec.Cmd
	scenarios []scenario
	note      string
	// noStartup leaves the target's cold start and memory out of the
	// report, for servers that exist only to measure one scenario.
	noStartup bool
}

func get(path string) func(context.Context, string) ([]loadgen.Request, error) {
	return func(context.Context, string) ([]loadgen.Request, error) {
		return []loadgen.Request{{Method: "GET", Path: path}}, nil
	}
}

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

func formPost(path, authorization string, values url.Values) loadgen.Request {
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	if authorization != "" {
		h["Authorization"] = authorization
	}
	return loadgen.Request{Method: "POST", Path: path, Header: h, Body: values.Encode()}
}

func post(r loadgen.Request) func(context.Context, string) ([]loadgen.Request, error) {
	return func(context.Context, string) ([]loadgen.Request, error) { return []loadgen.Request{r}, nil }
}

// Demo realm credentials, from fixtures/realms/demo-realm.json.
const (
	demoRealmPath    = "/realms/demo"
	demoTokenPath    = demoRealmPath + "/protocol/openid-connect/token"
	demoBackendID    = "demo-backend"
	demoBackendToken = "demo-backend-secret"
	demoCLI          = "demo-cli"
	demoUser         = "alice"
	demoPassword     = "alice-password"
)

// passwordGrant is a password grant of the demo realm's public CLI client.
// It requests no openid scope, so each grant signs one RS256 access token
// and one HS512 refresh token.
var passwordGrant = formPost(demoTokenPath, "", url.Values{
	"grant_type": {"password"}, "client_id": {demoCLI},
	"username": {demoUser}, "password": {demoPassword},
})

func emulatorTarget(bin string, extraArgs ...string) target {
	return target{
		name:      "smartmate-mock",
		readyPath: demoRealmPath + "/.well-known/openid-configuration",
		command: func(ctx context.Context, pin pinning, addr string) *exec.Cmd {
			host, port, _ := strings.Cut(addr, ":")
			args := append([]string{"--http-host", host, "--http-port", port, "--log-level", "warn"}, extraArgs...)
			return pin.command(ctx, pin.serverCPU, bin, args...)
		},
		scenarios: []scenario{
			{op: opDiscovery, expect: `"jwks_uri"`, requests: get(demoRealmPath + "/.well-known/openid-configuration")},
			{op: opJWKS, expect: `"keys"`, requests: get(demoRealmPath + "/protocol/openid-connect/certs")},
			{op: opClientCredentials, expect: `"access_token"`, requests: post(formPost(demoTokenPath, basic(demoBackendID, demoBackendToken), url.Values{"grant_type": {"client_credentials"}}))},
			{op: opPassword, expect: `"refresh_token"`, requests: post(passwordGrant)},
			{op: opRefresh, expect: `"refresh_token"`, requests: refreshRequests},
			{op: opAuthCode, authCode: true},
		},
	}
}

// refreshRequests obtains one refresh token with a password grant and
// refreshes with it on every request. The demo realm does not revoke
// refresh tokens, so the token stays valid.
func refreshRequests(ctx context.Context, addr string) ([]loadgen.Request, error) {
	body, err := send(ctx, addr, passwordGrant)
	if err != nil {
		return nil, err
	}
	var tok struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.RefreshToken == "" {
		return nil, fmt.Errorf("password grant returned no refresh token: %s", body)
	}
	return []loadgen.Request{formPost(demoTokenPath, "", url.Values{
		"grant_type": {"refresh_token"}, "client_id": {demoCLI}, "refresh_token": {tok.RefreshToken},
	})}, nil
}

func mockoidcTarget(bin string) target {
	return target{
		name:      "mockoidc",
		readyPath: "/oidc/.well-known/openid-configuration",
		command: func(ctx context.Context, pin pinning, addr string) *exec.Cmd {
			return pin.command(ctx, pin.serverCPU, bin, "-addr", addr)
		},
		scenarios: []scenario{
			{op: opDiscovery, expect: `"jwks_uri"`, requests: get("/oidc/.well-known/openid-configuration")},
			{op: opJWKS, expect: `"keys"`, requests: get("/oidc/.well-known/jwks.json")},
		},
		note: "no client-credentials grant",
	}
}

func oauth2MockServerTarget(nodeDir string) target {
	return target{
		name:      "oauth2-mock-server",
		readyPath: "/.well-known/openid-configuration",
		command:   nodePeerCommand(nodeDir, "oauth2-mock-server"),
		scenarios: []scenario{
			{op: opDiscovery, expect: `"jwks_uri"`, requests: get("/.well-known/openid-configuration")},
			{op: opJWKS, expect: `"keys"`, requests: get("/jwks")},
			{op: opClientCredentials, expect: `"access_token"`, requests: post(formPost("/token", basic("bench-client", "bench-secret"), url.Values{"grant_type": {"client_credentials"}, "scope": {"api"}}))},
		},
	}
}

func oidcProviderTarget(nodeDir string) target {
	return target{
		name:      "oidc-provider",
		readyPath: "/.well-known/openid-configuration",
		command:   nodePeerCommand(nodeDir, "oidc-provider"),
		scenarios: []scenario{
			{op: opDiscovery, expect: `"jwks_uri"`, requests: get("/.well-known/openid-configuration")},
			{op: opJWKS, expect: `"keys"`, requests: get("/jwks")},
			{op: opClientCredentials, expect: `"access_token"`, requests: post(formPost("/token", basic("bench-client", "bench-secret"), url.Values{"grant_type": {"client_credentials"}, "scope": {"api"}}))},
		},
	}
}

func nodePeerCommand(nodeDir, peer string) func(context.Context, pinning, string) *exec.Cmd {
	return func(ctx context.Context, pin pinning, addr string) *exec.Cmd {
		_, port, _ := strings.Cut(addr, ":")
		cmd := pin.command(ctx, pin.serverCPU, "node", filepath.Join(nodeDir, "peer.mjs"), peer, port)
		cmd.Dir = nodeDir
		return cmd
	}
}

// send sends one request with net/http and returns the body of a 200
// response.
func send(ctx context.Context, addr string, r loadgen.Request) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.Method, "http://"+addr+r.Path, strings.NewReader(r.Body))
	if err != nil {
		return nil, err
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: status %d, body %s", r.Method, r.Path, resp.StatusCode, body)
	}
	return body, nil
}
