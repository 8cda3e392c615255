package smartmatetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/smartmate/smartmate-mock/mockapi"
	"github.com/smartmate/smartmate-mock/mockidp"
)

// Server is an emulator and an apps API, each on its own loopback port,
// for one test. The emulator's helpers (Issuer, ClientCredentialsToken,
// UserTokens, SignToken, Clock) are promoted from mockidp.TestServer.
type Server struct {
	*mockidp.TestServer
	API *mockapi.TestServer
}

// NewServer starts the emulator with opts and an API that trusts its
// realms, and closes both when the test ends. apiConfig, when given,
// changes the API's settings; Issuer, Keys and Clock are always the
// emulator's.
func NewServer(tb testing.TB, opts []mockidp.Option, apiConfig ...func(*mockapi.Config)) *Server {
	tb.Helper()
	idp := mockidp.NewTestServer(tb, opts...)
	emulator := idp.Emulator()
	cfg := mockapi.Config{}
	for _, change := range apiConfig {
		change(&cfg)
	}
	cfg.Issuer = emulator.Issuer
	cfg.Keys = mockapi.KeyFunc(func(ctx context.Context, workspace string) (*jose.JSONWebKeySet, error) {
		if _, ok := emulator.Realm(workspace); !ok {
			return nil, fmt.Errorf("%w: %q", mockapi.ErrUnknownWorkspace, workspace)
		}
		return emulator.PublicKeys(ctx, workspace)
	})
	if c := idp.Clock(); c != nil {
		cfg.Clock = c
	}
	return &Server{TestServer: idp, API: mockapi.NewTestServer(tb, cfg)}
}
