package conformance

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// session is the state that the checks of one run share: the transport and
// the discovery document and key set, fetched once.
type session struct {
	target    Target
	transport http.RoundTripper
	sleep     func(context.Context, time.Duration) error
	// loginDriver, when set, performs the logins instead of the HTTP client.
	loginDriver LoginDriver

	mu sync.Mutex
	// The fields below are guarded by mu.
	disc *Discovery
	// discEvidence is the discovery request line and response excerpt.
	discEvidence []string
	keySet       *oidc.RemoteKeySet
}

// discovery returns the cached discovery document, fetching it on first use.
// A failed fetch is retried on the next call.
func (s *session) discovery(ctx context.Context) (*Discovery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.disc != nil {
		return s.disc, nil
	}
	hc := &http.Client{Transport: s.transport}
	d, evidence, err := fetchDiscovery(ctx, hc, s.target.discoveryURL())
	if err != nil {
		return nil, err
	}
	s.disc, s.discEvidence = d, evidence
	return d, nil
}

// discoveryEvidence returns the evidence of the discovery fetch.
func (s *session) discoveryEvidence() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.discEvidence)
}

// remoteKeySet returns go-oidc's key set for jwksURI, which caches keys and
// refetches them when a token names an unknown key id.
func (s *session) remoteKeySet(jwksURI string) *oidc.RemoteKeySet {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keySet == nil {
		ctx := oidc.ClientContext(context.Background(), &http.Client{Transport: s.transport})
		s.keySet = oidc.NewRemoteKeySet(ctx, jwksURI)
	}
	return s.keySet
}

// sleepContext waits for d or until ctx ends.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
