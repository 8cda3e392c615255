package mockidp

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/smartmate/smartmate-mock/protocol"
)

// userinfoResponse is the userinfo body: sub and the profile and email
// claims of the token's scopes.
type userinfoResponse struct {
	Sub string `json:"sub"`
	profileClaims
}

// handleUserinfo is the userinfo endpoint (OpenID Connect Core 1.0
// section 5.3). Keycloak 26 reports its errors in WWW-Authenticate with an
// empty body, and responds 403 insufficient_scope for a token without the
// openid scope.
func (s *Server) handleUserinfo(c *realmContext) error {
	if c.Request().Method == http.MethodPost && c.realm.hasFault(FaultUserinfoPOSTRejected) {
		return errNoMethod
	}
	raw, err := s.userinfoToken(c)
	if err != nil {
		return err
	}
	challenge := func(description string) error {
		return &bearerChallenge{realm: c.realm.Name, err: protocol.New(protocol.ErrInvalidToken, description)}
	}
	claims, err := s.userinfoClaims(c, raw)
	if err != nil {
		return challenge("Token verification failed")
	}
	c.Set(ctxClientID, claims.Azp)
	now := s.clock.Now()
	if claims.Typ != protocol.TokenTypeBearer || claims.Iss != c.issuer || claims.expired(now) || c.realm.browser.isRevoked(claims.JTI, now) {
		return challenge("Token verification failed")
	}
	client, ok := c.realm.Client(claims.Azp)
	if !ok {
		return challenge("Client not found")
	}
	if !client.Enabled {
		return challenge("Client disabled")
	}
	c.Set(ctxCORSClient, client)
	user, ok := c.realm.UserByID(claims.Sub)
	if !ok {
		return challenge("User not found")
	}
	if !user.Enabled {
		return challenge("User disabled")
	}
	if claims.Sid != "" {
		session, ok := c.realm.sessions.get(claims.Sid)
		if !ok || !session.active(now, c.realm.SSOSessionIdle, c.realm.SSOSessionMax) || !session.hasClient(client.ClientID) {
			return challenge("User session not found or doesn't have client attached on it")
		}
	}
	if !contains(strings.Fields(claims.Scope), protocol.ScopeOpenID) && !c.realm.hasFault(FaultUserinfoIgnoresOpenID) {
		return &bearerChallenge{realm: c.realm.Name, err: protocol.New(protocol.ErrInsufficientScope, "Missing openid scope")}
	}
	scope, err := grantScopes(client, claims.Scope)
	if err != nil {
		return challenge("Token verification failed")
	}
	g := &grantContext{user: user, scope: scope}
	body, err := json.Marshal(s.userinfoBody(c.realm, user, g))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "application/json", body)
}

// userinfoToken finds the access token in the Authorization header or, for
// POST, in the access_token form parameter; using both is an error.
func (s *Server) userinfoToken(c *realmContext) (string, error) {
	var fromHeader, fromForm string
	if h := c.Request().Header.Get("Authorization"); h != "" {
		scheme, value, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Bearer") {
			fromHeader = strings.TrimSpace(value)
		}
	}
	if c.Request().Method == http.MethodPost {
		f, err := readForm(c.Request(), s.cfg.maxBodyBytes)
		if err != nil {
			return "", err
		}
		if len(f["access_token"]) > 1 {
			return "", protocol.New(protocol.ErrInvalidRequest, "Duplicate parameter")
		}
		fromForm = f.get("access_token")
	}
	switch {
	case fromHeader != "" && fromForm != "" && !c.realm.hasFault(FaultUserinfoTwoMethods):
		return "", protocol.New(protocol.ErrInvalidRequest, "More than one method used for including an access token")
	case fromHeader != "":
		return fromHeader, nil
	case fromForm != "":
		return fromForm, nil
	default:
		return "", s.missingTokenError(c)
	}
}
