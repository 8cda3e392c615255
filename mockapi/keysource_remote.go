package mockapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/smartmate/smartmate-mock/clock"
)

// KeycloakJWKSTemplate is the JWKS URL template of a Keycloak 26 server at
// http://localhost:8080, for NewRemoteKeySource. Keycloak serves each realm's
// keys at {issuer}/protocol/openid-connect/certs.
const KeycloakJWKSTemplate = "http://localhost:8080/realms/{workspace}/protocol/openid-connect/certs"

// Limits of RemoteKeySource.
const (
	// RemoteKeysMaxAge is how long a fetched key set is served before Keys
	// fetches it again.
	RemoteKeysMaxAge = 5 * time.Minute
	// RemoteKeysMinRefreshInterval is the minimum time between two fetches
	// of one workspace's keys, so a stream of tokens with unknown key ids
	// costs the identity provider at most one request per workspace per
	// interval.
	RemoteKeysMinRefreshInterval = 10 * time.Second
	// maxJWKSBytes bounds the body read from the JWKS endpoint.
	maxJWKSBytes = 1 << 20
	// maxRemoteWorkspaces bounds the number of workspaces whose keys are
	// cached, so requests naming many workspaces cannot grow memory.
	maxRemoteWorkspaces = 1000
)

// RemoteKeySource is a KeySource and KeyRefresher that fetches each
// workspace's JSON Web Key Set over HTTP and caches it for RemoteKeysMaxAge.
// RefreshKeys fetches again at most once per RemoteKeysMinRefreshInterval per
// workspace, and failed fetches are also remembered for that interval.
type RemoteKeySource struct {
	template string
	client   *http.Client
	clock    clock.Clock

	mu      sync.Mutex
	entries map[string]*remoteKeys // guarded by mu
}

// remoteKeys is one workspace's cache entry. Its own mutex serializes fetches
// of that workspace, so concurrent requests share one fetch.
type remoteKeys struct {
	mu        sync.Mutex
	keys      *jose.JSONWebKeySet // guarded by mu
	err       error               // guarded by mu; the error of the last fetch
	fetchedAt time.Time           // guarded by mu; zero before the first fetch
}

// NewRemoteKeySource returns a RemoteKeySource that fetches the keys of
// workspace w from jwksURLTemplate with "{workspace}" replaced by w, such as
// KeycloakJWKSTemplate. A nil client means http.DefaultClient and a nil clk
// means clock.System.
func NewRemoteKeySource(jwksURLTemplate string, client *http.Client, clk clock.Clock) *RemoteKeySource {
	if client == nil {
		client = http.DefaultClient
	}
	if clk == nil {
		clk = clock.System{}
	}
	return &RemoteKeySource{
		template: jwksURLTemplate,
		client:   client,
		clock:    clk,
		entries:  make(map[string]*remoteKeys),
	}
}

// Keys returns the cached key set of workspace, fetching it when there is
// none or it is older than RemoteKeysMaxAge.
func (s *RemoteKeySource) Keys(ctx context.Context, workspace string) (*jose.JSONWebKeySet, error) {
	return s.load(ctx, workspace, RemoteKeysMaxAge)
}

// RefreshKeys fetches the key set of workspace again unless the last fetch is
// less than RemoteKeysMinRefreshInterval old.
func (s *RemoteKeySource) RefreshKeys(ctx context.Context, workspace string) (*jose.JSONWebKeySet, error) {
	return s.load(ctx, workspace, RemoteKeysMinRefreshInterval)
}

// load returns the entry's keys if the last fetch is younger than maxAge and
// fetches them otherwise. A failed fetch is kept for
// RemoteKeysMinRefreshInterval whatever maxAge is.
func (s *RemoteKeySource) load(ctx context.Context, workspace string, maxAge time.Duration) (*jose.JSONWebKeySet, error) {
	e := s.entry(workspace)
	e.mu.Lock()
	defer e.mu.Unlock()

	if !e.fetchedAt.IsZero() {
		age := s.clock.Now().Sub(e.fetchedAt)
		if e.err != nil && age < RemoteKeysMinRefreshInterval {
			return nil, e.err
		}
		if e.err == nil && age < maxAge {
			return e.keys, nil
		}
	}

	keys, err := s.fetch(ctx, workspace)
	e.fetchedAt = s.clock.Now()
	if err != nil {
		// Keep serving the last good keys through a failed refresh, so a
		// short outage of the identity provider does not reject valid tokens.
		if e.keys != nil && !errors.Is(err, ErrUnknownWorkspace) {
			return e.keys, nil
		}
		e.keys, e.err = nil, err
		return nil, err
	}
	e.keys, e.err = keys, nil
	return keys, nil
}

func (s *RemoteKeySource) entry(workspace string) *remoteKeys {
	s.mu.Lock()
	defer s.mu.Unlock()

	e, ok := s.entries[workspace]
	if ok {
		return e
	}
	if len(s.entries) >= maxRemoteWorkspaces {
		// Evict one workspace chosen by map order. Its next request fetches
		// its keys again, which the identity provider can take.
		for name := range s.entries {
			delete(s.entries, name)
			break
		}
	}
	e = &remoteKeys{}
	s.entries[workspace] = e
	return e
}

func (s *RemoteKeySource) fetch(ctx context.Context, workspace string) (*jose.JSONWebKeySet, error) {
	u := expandWorkspace(s.template, workspace)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("mockapi: JWKS request for workspace %q: %w", workspace, err)
	}
	req.Header.Set("Accept", "application/json")

	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("mockapi: fetch JWKS of workspace %q: %w", workspace, err)
	}
	defer resp.Body.Close()

	switch {
	case resp.StatusCode == http.StatusNotFound:
		// Keycloak 26 responds with 404 at the certs endpoint of a realm that
		// does not exist.
		return nil, fmt.Errorf("%w: %q (JWKS endpoint %s returned 404)", ErrUnknownWorkspace, workspace, u)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("mockapi: fetch JWKS of workspace %q: %s returned status %d", workspace, u, resp.StatusCode)
	}

	var set jose.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxJWKSBytes)).Decode(&set); err != nil {
		return nil, fmt.Errorf("mockapi: decode JWKS of workspace %q from %s: %w", workspace, u, err)
	}
	return &set, nil
}
