package mockapi

import (
	"crypto/sha256"
	"sync"
	"time"
)

// tokenCache stores the principals of validated tokens until the tokens
// expire, so a client that sends the same token many times pays for one
// signature verification. Keys are SHA-256 digests of the workspace and the
// token, so the cache never holds a token itself.
//
// A cached token stays accepted until its "exp" even if its signing key
// leaves the workspace's key set, which is the same trade-off a resource
// server makes when it caches Keycloak 26's JWKS.
type tokenCache struct {
	maxEntries int

	mu        sync.Mutex
	entries   map[[sha256.Size]byte]*principal // guarded by mu
	lastSweep time.Time                        // guarded by mu
}

// sweepInterval is the minimum time between two sweeps for expired entries,
// so a full cache of valid tokens does not cost a full scan on every put.
const sweepInterval = time.Second

func newTokenCache(maxEntries int) *tokenCache {
	return &tokenCache{maxEntries: maxEntries, entries: make(map[[sha256.Size]byte]*principal)}
}

func tokenCacheKey(workspace, raw string) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(workspace))
	h.Write([]byte{0})
	h.Write([]byte(raw))
	var key [sha256.Size]byte
	h.Sum(key[:0])
	return key
}

// get returns the cached principal of the token. The caller checks expiry.
func (c *tokenCache) get(workspace, raw string) (*principal, bool) {
	key := tokenCacheKey(workspace, raw)
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.entries[key]
	return p, ok
}

// put stores p. When the cache is full it drops every expired entry (at most
// once per sweepInterval) and, if the cache is still full, one entry chosen
// by map order.
func (c *tokenCache) put(workspace, raw string, p *principal, now time.Time) {
	key := tokenCacheKey(workspace, raw)
	c.mu.Lock()
	defer c.mu.Unlock()

	if len(c.entries) >= c.maxEntries && now.Sub(c.lastSweep) >= sweepInterval {
		c.lastSweep = now
		for k, e := range c.entries {
			if !now.Before(e.expiry) {
				delete(c.entries, k)
			}
		}
	}
	if len(c.entries) >= c.maxEntries {
		for k := range c.entries {
			delete(c.entries, k)
			break
		}
	}
	c.entries[key] = p
}

// len returns the number of cached tokens.
func (c *tokenCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
