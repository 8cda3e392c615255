package mockidp

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/smartmate/smartmate-mock/protocol"
)

// implicitTokenLifespan is the lifespan of access tokens returned from the
// authorization endpoint: Keycloak's realm default
// accessTokenLifespanForImplicitFlow.
// NOTE: realm files cannot change it here yet.
const implicitTokenLifespan = 900 * time.Second

// authCode is an authorization code and what it is bound to. A code is
// single use: the first exchange marks it used, and a second one ends the
// session.
type authCode struct {
	clientID        string
	redirectURI     string // the redirect_uri parameter of the request, "" if absent
	sessionID       string
	scope           string
	nonce           string
	acr             string
	codeChallenge   string
	challengeMethod string
	used            atomic.Bool
}

// param is one parameter of an authorization response, kept in order.
type param struct{ name, value string }

// completeLogin signs user in for req: it reuses the browser's SSO session
// when it belongs to the same user, ends it when it belongs to another, and
// then sends the authorization response with acr "1".
func (s *Server) completeLogin(c *realmContext, req *authRequest, user *User) error {
	now := s.clock.Now()
	realm := c.realm
	session, current := s.ssoSession(c, now)
	if session != nil && current.ID != user.ID {
		s.endSession(c, session)
		session = nil
	}
	if session != nil {
		session.reauthenticated(now)
	} else {
		session = realm.sessions.create(user.ID, now, realm.SSOSessionIdle, realm.SSOSessionMax)
	}
	if err := s.setSSOCookies(c, session); err != nil {
		return err
	}
	s.expireCookie(c, cookieAuthSession, true)
	s.expireCookie(c, cookieRestart, true)
	if req.tabID != "" {
		realm.browser.logins.remove(req.tabID)
	}
	return s.authorizationResponse(c, req, session, user, "1")
}

// authorizationResponse sends the successful authorization response for
// session: state, session_state and iss first, in Keycloak 26's order, then
// the code and the tokens that the response type requests.
func (s *Server) authorizationResponse(c *realmContext, req *authRequest, session *userSession, user *User, acr string) error {
	now := s.clock.Now()
	realm := c.realm
	client, _ := realm.Client(req.clientID)
	if !session.touch(client.ClientID, now, realm.SSOSessionIdle, realm.SSOSessionMax) {
		return protocol.New(protocol.ErrServerError, "session ended during the login")
	}

	var params []param
	if state := s.responseState(realm, req.state); state != "" {
		params = append(params, param{"state", state})
	}
	if client.Attributes["exclude.session.state.from.auth.response"] != "true" && !s.providerFault(realm, FaultSessionStateMissing) {
		params = append(params, param{"session_state", session.id})
	}
	params = append(params, param{"iss", s.responseIssuer(c)})

	var code string
	if req.responseType.code {
		code = s.authorizationCode(realm)
		entry := &authCode{
			clientID: client.ClientID, redirectURI: req.redirectURI, sessionID: session.id,
			scope: req.scope, nonce: req.nonce, acr: acr,
			codeChallenge: req.codeChallenge, challengeMethod: req.challengeMethod,
		}
		realm.browser.codes.put(code, entry, now.Add(realm.AccessCodeLifespan), now)
		params = append(params, param{"code", code})
	}
	if req.responseType.implicitOrHybrid() {
		tokens, err := s.frontChannelTokens(c, req, client, user, session, acr, code)
		if err != nil {
			return err
		}
		params = append(params, tokens...)
	}
	return s.writeAuthResponse(c, req.redirectTarget, req.responseMode, params)
}

// frontChannelTokens issues the tokens of an implicit or hybrid response.
// The ID token carries at_hash with an access token and c_hash with a code.
// NOTE: the order access_token, token_type, expires_in, id_token follows
// Keycloak 26's OIDCLoginProtocol as remembered, not confirmed.
func (s *Server) frontChannelTokens(c *realmContext, req *authRequest, client *Client, user *User, session *userSession, acr, code string) ([]param, error) {
	scope, err := grantScopes(client, req.scope)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	g := &grantContext{
		realm: c.realm, client: client, user: user, session: session,
		issuer: c.issuer, now: now, scope: scope, nonce: req.nonce, acr: acr,
	}
	exp := now.Add(implicitTokenLifespan)
	if maxEnd := session.started.Add(c.realm.SSOSessionMax); exp.After(maxEnd) {
		exp = maxEnd
	}
	var out []param
	var access string
	if req.responseType.token {
		access, err = s.signToken(c, client, kindAccess, g.accessClaims(exp))
		if err != nil {
			return nil, err
		}
		out = append(out,
			param{"access_token", access},
			param{"token_type", "Bearer"},
			param{"expires_in", strconv.FormatInt(int64(exp.Sub(now)/time.Second), 10)})
	}
	if req.responseType.idToken {
		id, err := s.signToken(c, client, kindID, g.idClaims(exp, access, code))
		if err != nil {
			return nil, err
		}
		out = append(out, param{"id_token", id})
	}
	return out, nil
}

// writeAuthResponse sends params to the client in the response mode:
// appended to the query or put in the fragment of a 302 redirect, or posted
// by an auto-submitting form (OAuth 2.0 Form Post Response Mode).
func (s *Server) writeAuthResponse(c echo.Context, target, mode string, params []param) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store, must-revalidate, max-age=0")
	if mode == protocol.ResponseModeFormPost {
		return s.renderPage(c, http.StatusOK, "form_post", &page{Title: "Submit This Form", FormAction: template.URL(target), Params: params})
	}
	return c.Redirect(http.StatusFound, responseLocation(target, mode, params))
}

// responseLocation returns target with params added to its query, or put
// in its fragment in fragment mode.
func responseLocation(target, mode string, params []param) string {
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p.value))
	}
	location := target
	if mode == protocol.ResponseModeFragment {
		location = strings.SplitN(location, "#", 2)[0] + "#" + b.String()
	} else {
		base, fragment, hasFragment := strings.Cut(location, "#")
		sep := "?"
		if strings.Contains(base, "?") {
			sep = "&"
		}
		location = base + sep + b.String()
		if hasFragment {
			location += "#" + fragment
		}
	}
	return location
}

// writeAuthErrorRedirect sends an authorization error to the client:
// error, error_description, state and iss, in Keycloak 26's order.
func (s *Server) writeAuthErrorRedirect(c echo.Context, e *authErrorRedirect) error {
	params := []param{{"error", e.err.Code}}
	if e.err.Description != "" {
		params = append(params, param{"error_description", e.err.Description})
	}
	if state := s.responseState(s.requestRealm(c), e.state); state != "" {
		params = append(params, param{"state", state})
	}
	params = append(params, param{"iss", e.iss})
	return s.writeAuthResponse(c, e.target, e.mode, params)
}

// Name and Value expose a param to templates.
func (p param) Name() string  { return p.name }
func (p param) Value() string { return p.value }
