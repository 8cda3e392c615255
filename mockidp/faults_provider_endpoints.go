package mockidp

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/smartmate/smartmate-mock/protocol"
)

// The provider fault hooks of userinfo, introspection, revocation and logout.

// userinfoClaims returns the claims of a bearer token for userinfo. With
// FaultUserinfoAcceptsBadToken it reads any JWT payload without verifying
// it and treats it as an access token with the openid scope and no session.
func (s *Server) userinfoClaims(c *realmContext, raw string) (*tokenClaims, error) {
	if !c.realm.hasFault(FaultUserinfoAcceptsBadToken) {
		return verifySigned(c.keys, raw)
	}
	claims, err := unverifiedClaims(raw)
	if err != nil {
		return nil, err
	}
	claims.Typ = protocol.TokenTypeBearer
	claims.Sid = ""
	if !contains(strings.Fields(claims.Scope), protocol.ScopeOpenID) {
		claims.Scope = strings.TrimSpace(protocol.ScopeOpenID + " " + claims.Scope)
	}
	return claims, nil
}

// unverifiedClaims decodes the payload of a compact JWS without checking
// its signature or algorithm. Only faults use it: it is the defect that
// FaultUserinfoAcceptsBadToken and FaultLogoutHintUnverified put in.
func unverifiedClaims(raw string) (*tokenClaims, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, errTokenMalformed
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, errTokenMalformed
	}
	return decodeClaims(payload)
}

// userinfoBody returns the userinfo response for user.
func (s *Server) userinfoBody(r *Realm, user *User, g *grantContext) userinfoResponse {
	resp := userinfoResponse{Sub: user.ID, profileClaims: g.profile()}
	if s.providerFault(r, FaultUserinfoWrongSub) {
		resp.Sub = "another-" + user.ID
	}
	return resp
}

// missingTokenError is the userinfo error for a request without a token.
func (s *Server) missingTokenError(c *realmContext) error {
	if c.realm.hasFault(FaultUserinfoNoChallenge) {
		return protocol.New(protocol.ErrInvalidRequest, "Missing token")
	}
	return &bearerChallenge{realm: c.realm.Name}
}

// introspectionClient authenticates the client of an introspection
// request. With FaultIntrospectionOpen a request without valid client
// credentials is served for a made-up confidential client.
func (s *Server) introspectionClient(c *realmContext, f form) (*Client, error) {
	client, err := authenticateClient(c, f)
	if err == nil || !c.realm.hasFault(FaultIntrospectionOpen) {
		return client, err
	}
	return &Client{ClientID: "anonymous"}, nil
}

// introspectWithFaults is introspect with the introspection faults.
func (s *Server) introspectWithFaults(c *realmContext, raw string) []byte {
	switch {
	case c.realm.hasFault(FaultIntrospectionAlwaysInactive):
		return inactiveBody
	case c.realm.hasFault(FaultIntrospectionAlwaysActive):
		body := s.introspect(c, raw)
		if bytes.Equal(body, inactiveBody) {
			return []byte(`{"active":true}`)
		}
		return body
	}
	return s.introspect(c, raw)
}

// revokedResponse writes the response to a successful revocation.
func (s *Server) revokedResponse(c *realmContext) error {
	if c.realm.hasFault(FaultRevocationBody) {
		return c.JSON(http.StatusOK, map[string]any{"revoked": true})
	}
	return c.NoContent(http.StatusOK)
}

// unknownRevokedTokenStatus is the status for revoking an unknown token.
func (s *Server) unknownRevokedTokenStatus(r *Realm) int {
	if s.providerFault(r, FaultRevocationUnknownError) {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// checkPostLogoutURI is verifyPostLogoutRedirectURI with the logout faults.
func (s *Server) checkPostLogoutURI(r *Realm, client *Client, origin, uri string) (string, bool) {
	if s.providerFault(r, FaultLogoutAnyRedirect) || client == nil {
		// A nil client only gets here with FaultLogoutRedirectWithoutHint.
		return uri, true
	}
	if s.providerFault(r, FaultLogoutQueryIgnored) {
		base, _ := splitQuery(uri)
		if _, ok := verifyPostLogoutRedirectURI(client, origin, base); ok {
			return uri, true
		}
	}
	return verifyPostLogoutRedirectURI(client, origin, uri)
}

// logoutHintClaims returns the claims of an id_token_hint.
func (s *Server) logoutHintClaims(c *realmContext, hint string) (*tokenClaims, error) {
	if c.realm.hasFault(FaultLogoutHintUnverified) {
		return unverifiedClaims(hint)
	}
	return verifySigned(c.keys, hint)
}

// logoutState returns the state of a post-logout redirect, "" for none.
func (s *Server) logoutState(r *Realm, state string) string {
	switch {
	case s.providerFault(r, FaultLogoutStateDropped):
		return ""
	case s.providerFault(r, FaultLogoutStateInvented) && state == "":
		return "invented-state"
	}
	return state
}

// logoutWithoutConfirmation ends the browser's session at once, in place of
// the confirmation page, under FaultLogoutWithoutConfirmation.
func (s *Server) logoutWithoutConfirmation(c *realmContext, pending *pendingLogout) error {
	session, _ := s.ssoSession(c, s.clock.Now())
	return s.finishLogout(c, session, pending)
}

// signLogoutTokenWithFaults is signLogoutToken with the logout token faults.
func (s *Server) signLogoutTokenWithFaults(c *realmContext, claims logoutClaims) (string, error) {
	token, err := signLogoutToken(c.keys, claims)
	if err != nil || !c.realm.hasFault(FaultBackchannelTokenNonce) {
		return token, err
	}
	return signLogoutTokenWithNonce(c.keys, claims)
}

// signLogoutTokenWithNonce signs claims with an added nonce, which OpenID
// Connect Back-Channel Logout 1.0 section 2.4 forbids in a logout token.
func signLogoutTokenWithNonce(m *keyMaterial, claims logoutClaims) (string, error) {
	withNonce, err := claimMap(claims)
	if err != nil {
		return "", err
	}
	withNonce["nonce"] = "a-nonce-that-logout-tokens-must-not-have"
	key := jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: m.signing.private, KeyID: m.signing.kid}}
	signer, err := jose.NewSigner(key, (&jose.SignerOptions{}).WithType(logoutTokenType))
	if err != nil {
		return "", err
	}
	return signJSON(signer, withNonce)
}
