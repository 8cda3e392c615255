package mockidp

import (
	"net/http"

	"github.com/smartmate/smartmate-mock/protocol"
)

// grantPassword is the resource owner password credentials grant
// (RFC 6749 section 4.3), which Keycloak 26 calls direct access grants.
func (s *Server) grantPassword(c *realmContext, client *Client, f form) (*tokenResponse, error) {
	if !client.DirectAccessGrants {
		return nil, protocol.New(protocol.ErrUnauthorizedClient, "Client not allowed for direct access grants")
	}
	if client.ConsentRequired {
		return nil, protocol.New(protocol.ErrInvalidClient, "Client requires user consent").WithStatus(http.StatusBadRequest)
	}
	username := f.get("username")
	if username == "" {
		return nil, protocol.New(protocol.ErrInvalidRequest, "Missing parameter: username").WithStatus(http.StatusUnauthorized)
	}
	user, err := checkUserCredentials(c.realm, username, f.get("password"))
	if err != nil {
		return nil, err
	}
	scope, err := grantScopes(client, f.get("scope"))
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	session := c.realm.sessions.create(user.ID, now, c.realm.SSOSessionIdle, c.realm.SSOSessionMax)
	session.offline = scope.has("offline_access")
	session.touch(client.ClientID, now, c.realm.SSOSessionIdle, c.realm.SSOSessionMax)
	g := &grantContext{
		realm: c.realm, client: client, user: user, session: session,
		issuer: c.issuer, now: now, scope: scope, acr: "1",
	}
	return s.issueTokens(c, g, client.UseRefreshTokens)
}

var errInvalidUserCredentials = protocol.New(protocol.ErrInvalidGrant, "Invalid user credentials").WithStatus(http.StatusUnauthorized)

// checkUserCredentials finds an enabled, fully set-up user whose password
// matches. Unknown users and wrong passwords fail alike, so the response
// reveals nothing about which usernames exist.
func checkUserCredentials(r *Realm, username, password string) (*User, error) {
	user, ok := r.LoginUser(username)
	if !ok || user.ServiceAccountOf != "" || user.password == nil || !user.password.verify(password) {
		return nil, errInvalidUserCredentials
	}
	if !user.Enabled {
		return nil, protocol.New(protocol.ErrInvalidGrant, "Account disabled")
	}
	if user.hasRequiredActions() {
		return nil, protocol.New(protocol.ErrInvalidGrant, "Account is not fully set up")
	}
	return user, nil
}
