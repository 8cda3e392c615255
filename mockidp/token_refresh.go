package mockidp

import (
	"strings"

	"github.com/smartmate/smartmate-mock/protocol"
)

// Keycloak 26's refresh-token errors, all with status 400.
var (
	errRefreshMissing  = protocol.New(protocol.ErrInvalidRequest, "No refresh token")
	errRefreshInvalid  = protocol.New(protocol.ErrInvalidGrant, "Invalid refresh token")
	errRefreshExpired  = protocol.New(protocol.ErrInvalidGrant, "Token is not active")
	errRefreshClient   = protocol.New(protocol.ErrInvalidGrant, "Invalid refresh token. Token client and authorized client don't match")
	errSessionInactive = protocol.New(protocol.ErrInvalidGrant, "Session not active")
	errStaleToken      = protocol.New(protocol.ErrInvalidGrant, "Stale token")
	errUserDisabled    = protocol.New(protocol.ErrInvalidGrant, "User disabled")
	errSessionNoClient = protocol.New(protocol.ErrInvalidGrant, "Session doesn't have required client")
)

// grantRefreshToken issues new tokens for a refresh token of the same
// session (RFC 6749 section 6).
func (s *Server) grantRefreshToken(c *realmContext, client *Client, f form) (*tokenResponse, error) {
	raw := f.get("refresh_token")
	if raw == "" {
		return nil, errRefreshMissing
	}
	now := s.clock.Now()
	rt, user, session, err := s.checkRefreshToken(c, client, raw, true)
	if err != nil {
		return nil, err
	}
	scope, err := grantScopes(client, rt.Scope)
	if err != nil {
		return nil, errRefreshInvalid.WithCause(err)
	}
	if requested := f.get("scope"); requested != "" {
		// Keycloak 26 lets a refresh narrow the scopes, never widen them
		// (RFC 6749 section 6).
		granted := strings.Fields(rt.Scope)
		for _, name := range strings.Fields(requested) {
			if !contains(granted, name) && !c.realm.hasFault(FaultRefreshScopeWidened) {
				return nil, protocol.Errorf(protocol.ErrInvalidScope, "Invalid scopes: %s", requested)
			}
		}
		if scope, err = grantScopes(client, requested); err != nil {
			return nil, err
		}
	}
	if !session.touch(client.ClientID, now, c.realm.SSOSessionIdle, c.realm.SSOSessionMax) {
		return nil, errSessionInactive
	}
	g := &grantContext{
		realm: c.realm, client: client, user: user, session: session,
		issuer: c.issuer, now: now, scope: scope, acr: "1",
	}
	return s.issueTokens(c, g, true)
}

// checkRefreshToken verifies a refresh token of this realm and client and
// returns its claims, user and session. checkExpiry is false for logout,
// which Keycloak 26 allows with an expired refresh token.
func (s *Server) checkRefreshToken(c *realmContext, client *Client, raw string, checkExpiry bool) (*tokenClaims, *User, *userSession, error) {
	now := s.clock.Now()
	rt, err := verifyRefresh(c.keys, raw)
	if err != nil {
		return nil, nil, nil, errRefreshInvalid.WithCause(err)
	}
	if rt.Typ != protocol.TokenTypeRefresh && rt.Typ != protocol.TokenTypeOffline {
		return nil, nil, nil, errRefreshInvalid.WithCause(errTokenMalformed)
	}
	if rt.Iss != c.issuer {
		return nil, nil, nil, errRefreshInvalid
	}
	if checkExpiry && rt.expired(now) {
		return nil, nil, nil, errRefreshExpired
	}
	if rt.Azp != client.ClientID && !c.realm.hasFault(FaultRefreshUnboundClient) {
		return nil, nil, nil, errRefreshClient
	}
	user, ok := c.realm.UserByID(rt.Sub)
	if !ok {
		return nil, nil, nil, errRefreshInvalid
	}
	if !user.Enabled {
		return nil, nil, nil, errUserDisabled
	}
	if rt.Iat < max(c.realm.NotBefore, user.NotBefore) {
		return nil, nil, nil, errStaleToken
	}
	session, ok := c.realm.sessions.get(rt.Sid)
	if !ok || session.userID != user.ID || !session.active(now, c.realm.SSOSessionIdle, c.realm.SSOSessionMax) {
		return nil, nil, nil, errSessionInactive
	}
	if !session.hasClient(client.ClientID) && !c.realm.hasFault(FaultRefreshUnboundClient) {
		// The client's refresh token was revoked, which signs the client
		// out of the session.
		return nil, nil, nil, errSessionNoClient
	}
	return rt, user, session, nil
}
