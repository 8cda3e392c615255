package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"

	"github.com/smartmate/smartmate-mock/bench/internal/loadgen"
)

// graphQLQuery is the query measured: the names of the workspace's apps.
const graphQLQuery = `{"query":"{ apps { name } }"}`

// graphQLTargets returns three servers for `{ apps { name } }` on the
// demo workspace. The first has authentication off (the ceiling). The
// second's token cache keeps the bearer token after the first request. The
// third has the cache off, so that every request verifies the token's
// RS256 signature.
func (b *bench) graphQLTargets(ctx context.Context) ([]target, error) {
	bin := filepath.Join(b.tmp, "api-server")
	if err := goBuild(ctx, ".", bin, "./cmd/api-server", b.opts.goexperiment); err != nil {
		return nil, err
	}
	var targets []target
	variants := []struct {
		op   string
		args []string
	}{
		{opGraphQLNoAuth, []string{"-auth=false"}},
		{opGraphQLCached, nil},
		{opGraphQLFresh, []string{"-token-cache=-1"}},
	}
	for _, v := range variants {
		withToken := v.op != opGraphQLNoAuth
		t := target{
			name:      emulatorName,
			readyPath: demoRealmPath + "/.well-known/openid-configuration",
			noStartup: true,
			command: func(ctx context.Context, pin pinning, addr string) *exec.Cmd {
				return pin.command(ctx, pin.serverCPU, bin, append([]string{"-addr", addr}, v.args...)...)
			},
			scenarios: []scenario{{
				op:     v.op,
				expect: `"apps"`,
				requests: func(ctx context.Context, addr string) ([]loadgen.Request, error) {
					return graphQLRequests(ctx, addr, withToken)
				},
			}},
		}
		targets = append(targets, t)
	}
	b.report.addNote("GraphQL: `{ apps { name } }` on the demo workspace, served by bench/cmd/api-server, which wires the emulator and the API as cmd/smartmate-mock does and sets the API's authentication and token cache by flag.")
	return targets, nil
}

// graphQLRequests returns the query request, with a client-credentials
// access token of demo-backend, which has the API's read role, when
// withToken is set.
func graphQLRequests(ctx context.Context, addr string, withToken bool) ([]loadgen.Request, error) {
	req := loadgen.Request{
		Method: "POST",
		Path:   "/workspaces/demo/graphql",
		Header: map[string]string{"Content-Type": "application/json"},
		Body:   graphQLQuery,
	}
	if !withToken {
		return []loadgen.Request{req}, nil
	}
	body, err := send(ctx, addr, formPost(demoTokenPath, basic(demoBackendID, demoBackendToken), url.Values{"grant_type": {"client_credentials"}}))
	if err != nil {
		return nil, fmt.Errorf("getting an access token: %w", err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return nil, fmt.Errorf("token response has no access_token: %s", body)
	}
	req.Header["Authorization"] = "Bearer " + tok.AccessToken
	return []loadgen.Request{req}, nil
}
