package mockidp

import (
	"net/http"
	"net/url"
	"time"

	"github.com/smartmate/smartmate-mock/protocol"
)

// Keycloak 26's logout texts.
const (
	msgLoggedOut          = "You are logged out"
	msgLogoutFailed       = "Logout failed"
	msgLoggingOut         = "Logging out"
	msgInvalidIDHint      = "Invalid parameter: id_token_hint"
	msgMissingIDHint      = "Missing parameters: id_token_hint"
	msgInvalidLogoutURI   = "Invalid redirect uri"
	pendingLogoutLifespan = 30 * time.Minute
)

// pendingLogout is a logout waiting for the user's confirmation.
type pendingLogout struct {
	redirectURI string // a validated post_logout_redirect_uri, or ""
	state       string
}

// handleLogout is the end-session endpoint (OpenID Connect RP-Initiated
// Logout 1.0) as Keycloak 18 and later implement it. A POST with a
// refresh_token field is the non-browser logout of a client instead.
// Keycloak 26 dropped the legacy redirect_uri parameter, so it is ignored
// like any unknown parameter.
func (s *Server) handleLogout(c *realmContext) error {
	params := c.QueryParams()
	if c.Request().Method == http.MethodPost {
		f, err := readForm(c.Request(), s.cfg.maxBodyBytes)
		if err != nil {
			return err
		}
		if _, ok := f["refresh_token"]; ok {
			return s.logoutWithRefreshToken(c, f)
		}
		params = url.Values(f)
	}
	return s.browserLogout(c, params)
}

// browserLogout validates the logout request in Keycloak 26's order, then
// logs out at once or shows the confirmation page first.
func (s *Server) browserLogout(c *realmContext, p url.Values) error {
	hint, target, clientID := p.Get("id_token_hint"), p.Get("post_logout_redirect_uri"), p.Get("client_id")
	if target != "" && hint == "" && clientID == "" && !c.realm.hasFault(FaultLogoutRedirectWithoutHint) {
		return &errorPage{status: http.StatusBadRequest, message: msgMissingIDHint}
	}
	var idToken *tokenClaims
	if hint != "" {
		claims, err := s.logoutHintClaims(c, hint)
		// Keycloak 26 checks the hint's signature and type, not its expiry.
		if err != nil || claims.Typ != protocol.TokenTypeID || claims.Iss != c.issuer {
			return &errorPage{status: http.StatusBadRequest, message: msgInvalidIDHint}
		}
		if clientID != "" && clientID != claims.Azp {
			return &errorPage{status: http.StatusBadRequest, message: msgInvalidIDHint}
		}
		idToken = claims
		clientID = claims.Azp
	}

	c.Set(ctxClientID, clientID)
	client, _ := c.realm.Client(clientID)
	if target != "" {
		if client == nil && !c.realm.hasFault(FaultLogoutRedirectWithoutHint) {
			return &errorPage{status: http.StatusBadRequest, message: msgInvalidLogoutURI}
		}
		if _, ok := s.checkPostLogoutURI(c.realm, client, requestOrigin(c.Request()), target); !ok {
			return &errorPage{status: http.StatusBadRequest, message: msgInvalidLogoutURI}
		}
	}

	pending := &pendingLogout{redirectURI: target, state: p.Get("state")}
	now := s.clock.Now()
	session, _ := s.ssoSession(c, now)
	switch {
	case idToken != nil && (session == nil || session.id == idToken.Sid):
		if session == nil {
			// NOTE: without the browser's cookie the hint's own session is
			// ended; that Keycloak 26 does the same is unconfirmed.
			session, _ = c.realm.sessions.get(idToken.Sid)
		}
	case idToken == nil && client != nil && target != "" && session == nil:
		// Nothing to log out and a trusted place to go: no question.
	default:
		return s.confirmLogout(c, pending)
	}
	return s.finishLogout(c, session, pending)
}

// confirmLogout shows Keycloak's "Do you want to log out?" page, whose form
// posts a one-time session_code to /logout/logout-confirm.
func (s *Server) confirmLogout(c *realmContext, pending *pendingLogout) error {
	if c.realm.hasFault(FaultLogoutWithoutConfirmation) {
		return s.logoutWithoutConfirmation(c, pending)
	}
	code := randomID()
	now := s.clock.Now()
	c.realm.browser.logouts.put(code, pending, now.Add(pendingLogoutLifespan), now)
	return s.renderPage(c, http.StatusOK, "logout_confirm", &page{
		Heading:     msgLoggingOut,
		Action:      c.issuer + "/protocol/openid-connect/logout/logout-confirm",
		SessionCode: code,
	})
}

// handleLogoutConfirm receives the confirmation form. A GET, or a POST
// without the confirmLogout button, shows the question again.
func (s *Server) handleLogoutConfirm(c *realmContext) error {
	now := s.clock.Now()
	var f form
	if c.Request().Method == http.MethodPost {
		var err error
		if f, err = readForm(c.Request(), s.cfg.maxBodyBytes); err != nil {
			return err
		}
	} else {
		f = form(c.QueryParams())
	}
	code := f.get("session_code")
	pending, ok := c.realm.browser.logouts.get(code, now)
	if !ok {
		return &errorPage{status: http.StatusBadRequest, message: msgLogoutFailed}
	}
	if c.Request().Method != http.MethodPost || f.get("confirmLogout") == "" {
		return s.renderPage(c, http.StatusOK, "logout_confirm", &page{
			Heading: msgLoggingOut, Action: c.issuer + "/protocol/openid-connect/logout/logout-confirm", SessionCode: code,
		})
	}
	c.realm.browser.logouts.remove(code)
	session, _ := s.ssoSession(c, now)
	return s.finishLogout(c, session, pending)
}

// finishLogout ends session, when there is one, clears the SSO cookies and
// sends the browser to the post-logout redirect URI with state, or shows
// "You are logged out". Both ways pass through a page that loads the
// front-channel logout URLs of the session's clients, when it has any.
func (s *Server) finishLogout(c *realmContext, session *userSession, pending *pendingLogout) error {
	var frames []string
	if session != nil && !c.realm.hasFault(FaultLogoutKeepsSession) {
		frames = frontchannelLogoutURLs(c, session)
		s.endSession(c, session)
	}
	if !c.realm.hasFault(FaultLogoutKeepsSession) {
		s.clearSSOCookies(c)
	}
	if pending.redirectURI == "" {
		return s.renderPage(c, http.StatusOK, "info", &page{Heading: msgLoggedOut, Text: msgLoggedOut, LogoutFrames: frames})
	}
	var params []param
	if state := s.logoutState(c.realm, pending.state); state != "" {
		params = append(params, param{"state", state})
	}
	if len(frames) > 0 {
		next := pending.redirectURI
		if len(params) > 0 {
			next = responseLocation(next, protocol.ResponseModeQuery, params)
		}
		return s.renderFrontchannelLogout(c, frames, next)
	}
	if len(params) == 0 {
		return c.Redirect(http.StatusFound, pending.redirectURI)
	}
	return s.writeAuthResponse(c, pending.redirectURI, protocol.ResponseModeQuery, params)
}

// logoutWithRefreshToken is the non-browser logout: an authenticated client
// ends the session of its refresh token and gets 204. Keycloak 26 accepts
// an expired refresh token here.
func (s *Server) logoutWithRefreshToken(c *realmContext, f form) error {
	client, err := authenticateClient(c, f)
	if err != nil {
		return err
	}
	raw := f.get("refresh_token")
	if raw == "" {
		return errRefreshMissing
	}
	_, _, session, err := s.checkRefreshToken(c, client, raw, false)
	if err != nil {
		return err
	}
	if !c.realm.hasFault(FaultRefreshLogoutKeepsSession) {
		s.endSession(c, session)
	}
	return c.NoContent(http.StatusNoContent)
}

// verifyPostLogoutRedirectURI checks a post_logout_redirect_uri against the
// client's post-logout redirect URIs, which are its redirect URIs when the
// attribute is absent or "+", with the redirect URI rules.
func verifyPostLogoutRedirectURI(client *Client, origin, uri string) (string, bool) {
	if client.PostLogoutRedirectURIs == nil {
		return verifyRedirectURI(client, origin, uri, true)
	}
	alt := *client
	alt.RedirectURIs = client.PostLogoutRedirectURIs
	return verifyRedirectURI(&alt, origin, uri, true)
}

// endSession ends a user session, so that its refresh tokens and access
// tokens stop working, and notifies the back-channel logout URLs of the
// clients that used it.
func (s *Server) endSession(c *realmContext, session *userSession) {
	clients := session.clientIDs()
	if _, ok := c.realm.sessions.end(session.id); !ok {
		return
	}
	for _, id := range clients {
		if client, ok := c.realm.Client(id); ok && client.BackchannelLogoutURL != "" && !c.realm.hasFault(FaultBackchannelNotSent) {
			s.sendBackchannelLogout(c, client, session)
		}
	}
}
