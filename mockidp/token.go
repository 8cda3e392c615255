package mockidp

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/smartmate/smartmate-mock/protocol"
)

// tokenResponse is the token endpoint's success body, with exactly the
// members of Keycloak 26's AccessTokenResponse in its order.
type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	ExpiresIn        int64  `json:"expires_in"`
	RefreshExpiresIn int64  `json:"refresh_expires_in"`
	RefreshToken     string `json:"refresh_token,omitempty"`
	TokenType        string `json:"token_type"`
	IDToken          string `json:"id_token,omitempty"`
	NotBeforePolicy  int64  `json:"not-before-policy"`
	SessionState     string `json:"session_state,omitempty"`
	Scope            string `json:"scope"`
}

// handleToken is the token endpoint. Its checks run in Keycloak 26's
// order: realm enabled, grant_type present and supported, client
// authentication, then duplicated parameters.
func (s *Server) handleToken(c *realmContext) error {
	f, err := readForm(c.Request(), s.cfg.maxBodyBytes)
	if err != nil {
		return err
	}
	if !c.realm.Enabled {
		return protocol.New(protocol.ErrAccessDenied, "Realm not enabled").WithStatus(http.StatusForbidden)
	}
	grant := f.get("grant_type")
	if grant == "" && !c.realm.hasFault(FaultMissingGrantTypeUnsupported) {
		return protocol.New(protocol.ErrInvalidRequest, "Missing form parameter: grant_type")
	}
	handler, ok := s.grantHandler(grant)
	if !ok {
		return s.unsupportedGrantError(c.realm)
	}
	client, err := authenticateClient(c, f)
	if err != nil {
		return err
	}
	if client.BearerOnly {
		return protocol.New(protocol.ErrInvalidClient, "Bearer-only not allowed").WithStatus(http.StatusBadRequest)
	}
	if name := f.duplicated(); name != "" && !c.realm.hasFault(FaultDuplicateParamAccepted) {
		return protocol.New(protocol.ErrInvalidRequest, "duplicated parameter")
	}
	resp, err := handler(c, client, f)
	if err != nil {
		return err
	}
	return writeTokenResponse(c, resp)
}

type grantHandler func(c *realmContext, client *Client, f form) (*tokenResponse, error)

// grantHandler returns the handler of a grant type, and false for a type
// that the emulator does not support.
func (s *Server) grantHandler(grant string) (grantHandler, bool) {
	switch grant {
	case protocol.GrantAuthorizationCode:
		return s.grantAuthorizationCode, true
	case protocol.GrantClientCredentials:
		return s.grantClientCredentials, true
	case protocol.GrantPassword:
		return s.grantPassword, true
	case protocol.GrantRefreshToken:
		return s.grantRefreshToken, true
	default:
		return nil, false
	}
}

func writeTokenResponse(c *realmContext, resp *tokenResponse) error {
	body, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	breakTokenHeaders(c)
	return c.Blob(http.StatusOK, "application/json", body)
}

// issueTokens signs the tokens of a grant and builds the response. It
// issues a refresh token when withRefresh is set and an ID token when the
// openid scope was granted.
func (s *Server) issueTokens(c *realmContext, g *grantContext, withRefresh bool) (*tokenResponse, error) {
	accessExp := g.accessExpiry()
	access, err := s.signToken(c, g.client, kindAccess, g.accessClaims(accessExp))
	if err != nil {
		return nil, err
	}
	resp := &tokenResponse{
		AccessToken:     access,
		ExpiresIn:       int64(accessExp.Sub(g.now) / time.Second),
		TokenType:       "Bearer",
		NotBeforePolicy: max(g.realm.NotBefore, g.user.NotBefore),
		Scope:           g.scope.tokenScope(),
	}
	if g.client.Attributes["token.response.type.bearer.lower-case"] == "true" {
		resp.TokenType = "bearer"
	}
	if g.session != nil {
		resp.SessionState = g.session.id
	}
	if withRefresh && g.session != nil {
		refreshExp := g.session.expiry(g.realm.SSOSessionIdle, g.realm.SSOSessionMax)
		rt, err := s.signToken(c, g.client, kindRefresh, g.refreshClaims(refreshExp))
		if err != nil {
			return nil, err
		}
		resp.RefreshToken = s.refreshTokenWithFaults(c.realm, rt)
		if !g.session.offline {
			resp.RefreshExpiresIn = int64(refreshExp.Sub(g.now) / time.Second)
		}
	}
	if g.scope.openid {
		id, err := s.signToken(c, g.client, kindID, g.idClaims(accessExp, access, ""))
		if err != nil {
			return nil, err
		}
		resp.IDToken = id
	}
	return resp, nil
}

// signJSON serialises claims and signs them as a compact JWS.
func signJSON(signer jose.Signer, claims any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("mockidp: encoding claims: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("mockidp: signing: %w", err)
	}
	return jws.CompactSerialize()
}

// remoteIP returns the client's IP address without the port.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
