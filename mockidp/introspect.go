package mockidp

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/smartmate/smartmate-mock/protocol"
)

// inactiveBody is the introspection response for every token that is not
// active, whatever the reason (RFC 7662 section 2.2).
var inactiveBody = []byte(`{"active":false}`)

// handleIntrospect is the introspection endpoint (RFC 7662). The caller
// authenticates as a confidential client. The response for an active token has all
// of its claims plus client_id, username, token_type and active.
func (s *Server) handleIntrospect(c *realmContext) error {
	f, err := readForm(c.Request(), s.cfg.maxBodyBytes)
	if err != nil {
		return err
	}
	client, err := s.introspectionClient(c, f)
	if err != nil {
		return err
	}
	if client.Public {
		// NOTE: Keycloak 26 is believed to reject public clients with this
		// status and text; older releases let them introspect.
		return protocol.New(protocol.ErrInvalidRequest, "Client not allowed.").WithStatus(http.StatusForbidden)
	}
	raw := f.get("token")
	if raw == "" {
		return protocol.New(protocol.ErrInvalidRequest, "Token not provided.")
	}
	switch hint := f.get("token_type_hint"); hint {
	case "", protocol.HintAccessToken, protocol.HintRefreshToken:
	default:
		return protocol.Errorf(protocol.ErrInvalidRequest, "Unsupported token type [%s].", hint)
	}
	body := s.introspectWithFaults(c, raw)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "application/json", body)
}

// introspect returns the introspection body for raw. Both access tokens
// and refresh tokens are recognised by their signature, whatever the hint,
// as Keycloak 26 reads the token itself.
func (s *Server) introspect(c *realmContext, raw string) []byte {
	payload, err := verifySignedPayload(c.keys, raw)
	if err != nil {
		payload, err = verifyHMACPayload(c.keys, raw)
	}
	if err != nil {
		return inactiveBody
	}
	claims, err := decodeClaims(payload)
	if err != nil {
		return inactiveBody
	}
	user, ok := s.activeTokenUser(c, claims)
	if !ok {
		return inactiveBody
	}

	var members map[string]json.RawMessage
	if err := json.Unmarshal(payload, &members); err != nil {
		return inactiveBody
	}
	extra := []struct {
		name  string
		value any
	}{
		{"client_id", claims.Azp},
		{"username", user.Username},
		{"token_type", claims.Typ},
		{"active", true},
	}

	out := bytes.TrimSuffix(bytes.TrimSpace(payload), []byte("}"))
	for _, m := range extra {
		if _, dup := members[m.name]; dup {
			continue
		}
		v, _ := json.Marshal(m.value)
		if len(members) > 0 || !bytes.HasSuffix(out, []byte("{")) {
			out = append(out, ',')
		}
		out = append(out, '"')
		out = append(out, m.name...)
		out = append(out, '"', ':')
		out = append(out, v...)
	}
	return append(out, '}')
}

// activeTokenUser checks that a token of this realm is still active: not
// expired, not revoked, of an enabled user, and of a session that is active
// and still has the token's client.
func (s *Server) activeTokenUser(c *realmContext, claims *tokenClaims) (*User, bool) {
	now := s.clock.Now()
	switch claims.Typ {
	case protocol.TokenTypeBearer, protocol.TokenTypeID, protocol.TokenTypeRefresh, protocol.TokenTypeOffline:
	default:
		return nil, false
	}
	if claims.Iss != c.issuer || claims.expired(now) || c.realm.browser.isRevoked(claims.JTI, now) {
		return nil, false
	}
	user, ok := c.realm.UserByID(claims.Sub)
	if !ok || !user.Enabled || claims.Iat < max(c.realm.NotBefore, user.NotBefore) {
		return nil, false
	}
	if claims.Sid != "" {
		session, ok := c.realm.sessions.get(claims.Sid)
		if !ok || !session.active(now, c.realm.SSOSessionIdle, c.realm.SSOSessionMax) || !session.hasClient(claims.Azp) {
			return nil, false
		}
	}
	return user, true
}
