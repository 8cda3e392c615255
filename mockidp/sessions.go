package mockidp

import (
	"sync"
	"time"

	"github.com/google/uuid"
)

// userSession is a Keycloak user session: one sign-in of one user, shared
// by the clients that obtained tokens through it.
type userSession struct {
	id      string
	userID  string
	started time.Time
	offline bool

	mu         sync.Mutex
	authTime   time.Time       // guarded by mu; moves on re-authentication
	lastAccess time.Time       // guarded by mu
	clients    map[string]bool // clientIds with tokens; guarded by mu
	ended      bool            // guarded by mu
}

// authenticatedAt returns when the user last entered credentials, the
// auth_time claim.
func (s *userSession) authenticatedAt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authTime
}

// reauthenticated records that the user entered credentials again at now,
// as for prompt=login or an exceeded max_age.
func (s *userSession) reauthenticated(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authTime = now
	s.lastAccess = now
}

// hasClient reports whether clientID obtained tokens through the session
// and was not signed out of it since.
func (s *userSession) hasClient(clientID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clients[clientID]
}

// detachClient signs clientID out of the session, as revoking its refresh
// token does, and returns the number of clients left.
func (s *userSession) detachClient(clientID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.clients, clientID)
	return len(s.clients)
}

// clientIDs returns the clients that obtained tokens through the session.
func (s *userSession) clientIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedKeys(s.clients)
}

// touch records activity for clientID and reports whether the session was
// still active at now.
func (s *userSession) touch(clientID string, now time.Time, idle, max time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.activeLocked(now, idle, max) {
		return false
	}
	s.lastAccess = now
	s.clients[clientID] = true
	return true
}

func (s *userSession) active(now time.Time, idle, max time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.activeLocked(now, idle, max)
}

func (s *userSession) activeLocked(now time.Time, idle, max time.Duration) bool {
	if s.ended {
		return false
	}
	if s.offline {
		return true
	}
	return !now.After(s.lastAccess.Add(idle)) && !now.After(s.started.Add(max))
}

// expiry returns when the session ends unless it is used again: the idle
// deadline or the maximum lifespan, whichever comes first.
func (s *userSession) expiry(idle, max time.Duration) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	idleEnd := s.lastAccess.Add(idle)
	maxEnd := s.started.Add(max)
	if idleEnd.Before(maxEnd) {
		return idleEnd
	}
	return maxEnd
}

// sessionStore holds a realm's user sessions. Expired sessions are dropped
// as new ones arrive, so memory stays bounded by the sessions that are
// active within the realm's lifespans.
type sessionStore struct {
	mu        sync.Mutex
	byID      map[string]*userSession // guarded by mu
	lastSweep time.Time               // guarded by mu
}

func newSessionStore() *sessionStore {
	return &sessionStore{byID: map[string]*userSession{}}
}

// create starts a session for userID at now.
func (st *sessionStore) create(userID string, now time.Time, idle, max time.Duration) *userSession {
	s := &userSession{
		id: uuid.NewString(), userID: userID, started: now, authTime: now,
		lastAccess: now, clients: map[string]bool{},
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.byID[s.id] = s
	if now.Sub(st.lastSweep) > time.Minute || len(st.byID)%4096 == 0 {
		st.sweepLocked(now, idle, max)
	}
	return s
}

func (st *sessionStore) get(id string) (*userSession, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	s, ok := st.byID[id]
	return s, ok
}

// end removes the session; its refresh tokens stop working.
func (st *sessionStore) end(id string) (*userSession, bool) {
	st.mu.Lock()
	s, ok := st.byID[id]
	delete(st.byID, id)
	st.mu.Unlock()
	if ok {
		s.mu.Lock()
		s.ended = true
		s.mu.Unlock()
	}
	return s, ok
}

// count returns the number of sessions held, expired ones not yet swept
// included.
func (st *sessionStore) count() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.byID)
}

func (st *sessionStore) sweepLocked(now time.Time, idle, max time.Duration) {
	st.lastSweep = now
	for id, s := range st.byID {
		if !s.active(now, idle, max) {
			delete(st.byID, id)
		}
	}
}
