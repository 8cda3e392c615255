package mockidp

import (
	"fmt"
	"net/http"

	"github.com/smartmate/smartmate-mock/protocol"
)

// grantClientCredentials issues a token to the client's service-account
// user, service-account-{clientId} (RFC 6749 section 4.4).
func (s *Server) grantClientCredentials(c *realmContext, client *Client, f form) (*tokenResponse, error) {
	switch {
	case client.BearerOnly:
		return nil, protocol.New(protocol.ErrUnauthorizedClient, "Bearer-only client not allowed to retrieve service account").WithStatus(http.StatusUnauthorized)
	case client.Public:
		return nil, protocol.New(protocol.ErrUnauthorizedClient, "Public client not allowed to retrieve service account").WithStatus(http.StatusUnauthorized)
	case !client.ServiceAccounts || client.serviceAccount == nil:
		return nil, protocol.New(protocol.ErrUnauthorizedClient, "Client not enabled to retrieve service account").WithStatus(http.StatusUnauthorized)
	}
	user := client.serviceAccount
	if !user.Enabled {
		return nil, protocol.New(protocol.ErrInvalidRequest, fmt.Sprintf("User '%s' disabled", user.Username)).WithStatus(http.StatusUnauthorized)
	}
	scope, err := grantScopes(client, f.get("scope"))
	if err != nil {
		return nil, err
	}
	g := &grantContext{
		realm: c.realm, client: client, user: user, issuer: c.issuer,
		now: s.clock.Now(), scope: scope, acr: "1",
		remoteAddr: remoteIP(c.Request()), serviceAcct: true,
	}
	// Keycloak 26 keeps a client-credentials session only when the client
	// requests refresh tokens. Otherwise the session is transient, so the
	// token has no sid and the response no session_state.
	// NOTE: whether Keycloak 26 omits sid here is believed, not confirmed.
	refresh := client.ClientCredentialsRefresh || c.realm.hasFault(FaultClientCredentialsRefresh)
	if refresh {
		g.session = c.realm.sessions.create(user.ID, g.now, c.realm.SSOSessionIdle, c.realm.SSOSessionMax)
		g.session.touch(client.ClientID, g.now, c.realm.SSOSessionIdle, c.realm.SSOSessionMax)
	}
	return s.issueTokens(c, g, refresh)
}
