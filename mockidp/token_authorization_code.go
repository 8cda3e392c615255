package mockidp

import (
	"github.com/smartmate/smartmate-mock/protocol"
)

// Keycloak 26's authorization_code errors, all status 400.
var (
	errCodeMissing      = protocol.New(protocol.ErrInvalidRequest, "Missing parameter: code")
	errCodeInvalid      = protocol.New(protocol.ErrInvalidGrant, "Code not valid")
	errCodeExpired      = protocol.New(protocol.ErrInvalidGrant, "Code is expired")
	errCodeNoSession    = protocol.New(protocol.ErrInvalidGrant, "User session not found")
	errCodeRedirectURI  = protocol.New(protocol.ErrInvalidGrant, "Incorrect redirect_uri")
	errCodeClient       = protocol.New(protocol.ErrInvalidGrant, "Auth error")
	errCodeStandardFlow = protocol.New(protocol.ErrInvalidGrant, "Client not allowed to exchange code")
)

// grantAuthorizationCode exchanges an authorization code (RFC 6749 section
// 4.1.3) with Keycloak 26's checks in its order: the code, its expiry, the
// user session, the redirect URI, the client, the standard flow, the
// session's activity, then PKCE.
func (s *Server) grantAuthorizationCode(c *realmContext, client *Client, f form) (*tokenResponse, error) {
	raw := f.get("code")
	if raw == "" {
		return nil, errCodeMissing
	}
	now := s.clock.Now()
	realm := c.realm
	code, found, expired := realm.browser.codes.peek(raw, now)
	if !found {
		return nil, errCodeInvalid
	}
	if !code.used.CompareAndSwap(false, true) && !s.providerFault(realm, FaultCodeReusable) {
		// Keycloak 26 treats a second use as a stolen code and ends the
		// session that it was issued in, with the tokens of the first use.
		if session, ok := realm.sessions.get(code.sessionID); ok {
			s.endSession(c, session)
		}
		return nil, s.reusedCodeError(realm)
	}
	if expired {
		return nil, errCodeExpired
	}

	session, ok := realm.sessions.get(code.sessionID)
	if !ok {
		return nil, errCodeNoSession
	}
	user, ok := realm.UserByID(session.userID)
	if !ok {
		return nil, protocol.New(protocol.ErrInvalidGrant, "User not found")
	}
	if !user.Enabled {
		return nil, protocol.New(protocol.ErrInvalidGrant, "User disabled")
	}

	if code.redirectURI != "" && code.redirectURI != f.get("redirect_uri") && !s.providerFault(realm, FaultCodeUnboundRedirect) {
		return nil, errCodeRedirectURI
	}
	if code.clientID != client.ClientID && !s.providerFault(realm, FaultCodeUnboundClient) {
		// NOTE: newer Keycloak releases send "Auth error: Found different
		// client_id in clientSession"; which release switched is unknown.
		return nil, errCodeClient
	}
	if !client.StandardFlow && !s.providerFault(realm, FaultCodeUnboundClient) {
		return nil, errCodeStandardFlow
	}
	if !session.touch(client.ClientID, now, realm.SSOSessionIdle, realm.SSOSessionMax) {
		return nil, errSessionInactive
	}

	if err := checkPKCEVerifier(code.codeChallenge, s.pkceMethod(realm, code.challengeMethod), f.get("code_verifier")); err != nil && !s.providerFault(realm, FaultPKCEUnchecked) {
		return nil, err
	}
	scope, err := grantScopes(client, code.scope)
	if err != nil {
		return nil, err
	}
	g := &grantContext{
		realm: realm, client: client, user: user, session: session,
		issuer: c.issuer, now: now, scope: scope, nonce: code.nonce, acr: code.acr,
	}
	return s.issueTokens(c, g, client.UseRefreshTokens)
}
