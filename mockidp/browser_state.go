package mockidp

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// browserState holds a realm's short-lived browser-flow state: pending
// logins, authorization codes, pending logout confirmations and revoked
// access tokens. Every entry has a deadline and is dropped once it passes,
// so memory is bounded by what the realm's lifespans keep alive.
type browserState struct {
	logins  expiringMap[*authRequest]
	codes   expiringMap[*authCode]
	logouts expiringMap[*pendingLogout]
	revoked expiringMap[struct{}] // access token jti → revoked until its exp
}

func newBrowserState() *browserState {
	return &browserState{}
}

// expiringMap is a map whose entries vanish at their deadline. Expired
// entries are swept at most once a minute, when entries are added.
type expiringMap[V any] struct {
	mu        sync.Mutex
	entries   map[string]expiringEntry[V] // guarded by mu
	lastSweep time.Time                   // guarded by mu
}

type expiringEntry[V any] struct {
	value    V
	deadline time.Time
}

func (m *expiringMap[V]) put(key string, value V, deadline, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.entries == nil {
		m.entries = map[string]expiringEntry[V]{}
	}
	m.entries[key] = expiringEntry[V]{value: value, deadline: deadline}
	if now.Sub(m.lastSweep) > time.Minute {
		m.lastSweep = now
		for k, e := range m.entries {
			if now.After(e.deadline) {
				delete(m.entries, k)
			}
		}
	}
}

// get returns the value stored under key unless its deadline has passed.
func (m *expiringMap[V]) get(key string, now time.Time) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok || now.After(e.deadline) {
		var zero V
		return zero, false
	}
	return e.value, true
}

// peek returns the value stored under key, expired or not, and reports
// whether its deadline has passed. Swept entries are not found.
func (m *expiringMap[V]) peek(key string, now time.Time) (value V, found, expired bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok {
		return value, false, false
	}
	return e.value, true, now.After(e.deadline)
}

func (m *expiringMap[V]) remove(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.entries, key)
}

func (m *expiringMap[V]) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// randomID returns 32 random bytes in base64url, for codes, tab ids and
// session codes that must not be guessable.
func randomID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // documented to never return an error since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b)
}

// revoke records a revoked access token by its jti until its expiry, after
// which the token fails validation anyway.
func (b *browserState) revoke(jti string, exp, now time.Time) {
	b.revoked.put(jti, struct{}{}, exp, now)
}

// isRevoked reports whether the access token with jti was revoked.
func (b *browserState) isRevoked(jti string, now time.Time) bool {
	if jti == "" {
		return false
	}
	_, ok := b.revoked.get(jti, now)
	return ok
}
