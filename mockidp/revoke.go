package mockidp

import (
	"net/http"
	"time"

	"github.com/smartmate/smartmate-mock/protocol"
)

// invalidTokenBody is Keycloak 26's revocation response for a token it cannot
// read. The status is 200, as RFC 7009 section 2.2 requires, but the body
// is an error.
var invalidTokenBody = []byte(`{"error":"invalid_token","error_description":"Invalid token"}`)

// handleRevoke is the revocation endpoint (RFC 7009). Revoking an access
// token records its jti until its expiry. Revoking a refresh token signs
// its client out of the session, so the client's other tokens of that
// session stop working too.
func (s *Server) handleRevoke(c *realmContext) error {
	f, err := readForm(c.Request(), s.cfg.maxBodyBytes)
	if err != nil {
		return err
	}
	client, err := authenticateClient(c, f)
	if err != nil {
		return err
	}
	raw := f.get("token")
	if raw == "" {
		return protocol.New(protocol.ErrInvalidRequest, "Token not provided")
	}

	claims, err := s.readRevokedToken(c, raw)
	if err != nil {
		return c.Blob(s.unknownRevokedTokenStatus(c.realm), "application/json", invalidTokenBody)
	}
	switch claims.Typ {
	case protocol.TokenTypeBearer, protocol.TokenTypeRefresh, protocol.TokenTypeOffline:
	default:
		return protocol.New(protocol.ErrUnsupportedTokenType, "Unsupported token type")
	}
	if claims.Azp != client.ClientID && !c.realm.hasFault(FaultRevocationCrossClient) {
		return protocol.New(protocol.ErrInvalidRequest, "Unmatching clients")
	}

	now := s.clock.Now()
	if c.realm.hasFault(FaultRevocationNoop) {
		return s.revokedResponse(c)
	}
	if claims.Typ == protocol.TokenTypeBearer {
		c.realm.browser.revoke(claims.JTI, time.Unix(claims.Exp, 0), now)
		return s.revokedResponse(c)
	}
	session, ok := c.realm.sessions.get(claims.Sid)
	if !ok {
		return c.Blob(http.StatusOK, "application/json", invalidTokenBody)
	}
	session.detachClient(claims.Azp)
	return s.revokedResponse(c)
}

// readRevokedToken verifies a token of this realm, access or refresh.
func (s *Server) readRevokedToken(c *realmContext, raw string) (*tokenClaims, error) {
	payload, err := verifySignedPayload(c.keys, raw)
	if err != nil {
		if payload, err = verifyHMACPayload(c.keys, raw); err != nil {
			return nil, err
		}
	}
	claims, err := decodeClaims(payload)
	if err != nil {
		return nil, err
	}
	if claims.Iss != c.issuer {
		return nil, errTokenSignature
	}
	return claims, nil
}
