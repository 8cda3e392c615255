package mockidp

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/smartmate/smartmate-mock/protocol"
)

// autoLoginAttribute is a client attribute that only this emulator reads:
// when it names a user, the authorization endpoint signs that user in
// without showing the login form. Keycloak has no such attribute; it exists
// so that tests of browser applications need no form automation.
const autoLoginAttribute = "smartmate.mock.auto-login-user"

// responseType is a parsed response_type: "code", "none", or a combination
// of code, id_token and token (OAuth 2.0 Multiple Response Type Encoding
// Practices).
type responseType struct {
	code, idToken, token, none bool
}

// implicitOrHybrid reports whether tokens are returned from the
// authorization endpoint, which needs the client's implicit flow.
func (rt responseType) implicitOrHybrid() bool { return rt.idToken || rt.token }

func (rt responseType) String() string {
	if rt.none {
		return protocol.ResponseTypeNone
	}
	var parts []string
	if rt.code {
		parts = append(parts, protocol.ResponseTypeCode)
	}
	if rt.idToken {
		parts = append(parts, protocol.ResponseTypeIDToken)
	}
	if rt.token {
		parts = append(parts, protocol.ResponseTypeToken)
	}
	return strings.Join(parts, " ")
}

func parseResponseType(v string) (responseType, bool) {
	var rt responseType
	fields := strings.Fields(v)
	if len(fields) == 0 {
		return rt, false
	}
	for _, f := range fields {
		switch f {
		case protocol.ResponseTypeCode:
			rt.code = true
		case protocol.ResponseTypeIDToken:
			rt.idToken = true
		case protocol.ResponseTypeToken:
			rt.token = true
		case protocol.ResponseTypeNone:
			rt.none = true
		default:
			return rt, false
		}
	}
	if rt.none && len(fields) > 1 {
		return rt, false
	}
	return rt, true
}

// authRequest is a validated authorization request, kept while the login
// form is open and then for the authorization response.
type authRequest struct {
	tabID       string // identifies the request among a browser's open logins
	rootID      string // the AUTH_SESSION_ID cookie value of the browser
	sessionCode string // changes each time the form is rendered
	created     time.Time

	clientID        string
	redirectURI     string // the redirect_uri parameter as sent, "" if absent
	redirectTarget  string // the validated URI that responses are sent to
	responseType    responseType
	responseMode    string
	scope           string
	state           string
	nonce           string
	codeChallenge   string
	challengeMethod string
	prompt          []string
	maxAge          int // -1 when absent
	loginHint       string
	idTokenHint     string
	reauthenticate  bool       // prompt=login, or max_age exceeded
	params          url.Values // the raw parameters, kept for KC_RESTART
}

func (r *authRequest) hasPrompt(p string) bool { return contains(r.prompt, p) }

// authErrorRedirect is an authorization error sent back to the client's
// redirect URI, as Keycloak 26 sends every error it can trust the redirect
// URI for.
type authErrorRedirect struct {
	target string
	mode   string
	state  string
	iss    string
	err    *protocol.Error
}

func (e *authErrorRedirect) Error() string { return e.err.Error() }
func (e *authErrorRedirect) Unwrap() error { return e.err }

// handleAuthorize is the authorization endpoint (OpenID Connect Core 1.0
// section 3.1.2), GET with query parameters or POST with a form. Unknown
// parameters are ignored.
func (s *Server) handleAuthorize(c *realmContext) error {
	params, err := s.authorizeParams(c)
	if err != nil {
		return err
	}
	req, err := s.parseAuthRequest(c, params)
	if err != nil {
		return err
	}
	return s.authorize(c, req)
}

func (s *Server) authorizeParams(c *realmContext) (url.Values, error) {
	if c.Request().Method != http.MethodPost {
		return c.QueryParams(), nil
	}
	f, err := readForm(c.Request(), s.cfg.maxBodyBytes)
	if err != nil {
		return nil, &errorPage{status: http.StatusBadRequest, message: "Invalid Request", cause: protocol.AsError(err)}
	}
	return url.Values(f), nil
}

// parseAuthRequest validates an authorization request in Keycloak 26's
// order. Errors about the client or the redirect URI are HTML pages, since
// the redirect URI cannot be trusted; later errors are redirected to it.
func (s *Server) parseAuthRequest(c *realmContext, p url.Values) (*authRequest, error) {
	if !c.realm.Enabled {
		return nil, &errorPage{status: http.StatusBadRequest, message: "Realm not enabled."}
	}
	client, err := authorizeClient(c, p.Get("client_id"))
	if err != nil {
		return nil, err
	}
	if p, err = s.applyRequestObject(c, client, p); err != nil {
		return nil, err
	}
	openid := contains(strings.Fields(p.Get("scope")), protocol.ScopeOpenID)
	origin := requestOrigin(c.Request())
	target, ok := s.checkRedirectURI(c.realm, client, origin, p.Get("redirect_uri"), openid)
	if !ok {
		return nil, &errorPage{status: http.StatusBadRequest, message: "Invalid parameter: redirect_uri"}
	}

	req := &authRequest{
		clientID:        client.ClientID,
		redirectURI:     p.Get("redirect_uri"),
		redirectTarget:  target,
		scope:           p.Get("scope"),
		state:           p.Get("state"),
		nonce:           p.Get("nonce"),
		codeChallenge:   p.Get("code_challenge"),
		challengeMethod: p.Get("code_challenge_method"),
		prompt:          strings.Fields(p.Get("prompt")),
		maxAge:          -1,
		loginHint:       p.Get("login_hint"),
		idTokenHint:     p.Get("id_token_hint"),
		params:          p,
	}
	fail := func(pe *protocol.Error) error {
		return &authErrorRedirect{target: target, mode: req.responseMode, state: req.state, iss: c.issuer, err: pe}
	}

	if pe := s.authorizeRequestFault(c, p); pe != nil {
		return nil, fail(pe)
	}
	req.responseMode = protocol.ResponseModeQuery
	if err := checkResponseType(client, req, p.Get("response_type"), p.Get("response_mode")); err != nil {
		return nil, fail(err)
	}
	if _, err := grantScopes(client, req.scope); err != nil {
		return nil, fail(protocol.AsError(err))
	}
	if pe := checkClaimsParameter(p.Get("claims")); pe != nil {
		return nil, fail(pe)
	}
	// Keycloak 26 requires a nonce whenever tokens come from this endpoint,
	// except for a plain OAuth "token" request without openid.
	if req.responseType.implicitOrHybrid() && req.nonce == "" && (openid || req.responseType.idToken || req.responseType.code) {
		return nil, fail(protocol.New(protocol.ErrInvalidRequest, "Missing parameter: nonce"))
	}
	method, pe := checkPKCERequest(client, req.codeChallenge, req.challengeMethod)
	if pe != nil && !s.providerFault(c.realm, FaultPKCERequestUnchecked) {
		return nil, fail(pe)
	}
	req.challengeMethod = method
	if v := p.Get("max_age"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fail(protocol.New(protocol.ErrInvalidRequest, "Invalid parameter: max_age"))
		}
		req.maxAge = n
	}
	return req, nil
}

// authorizeClient finds the client of an authorization request, which must
// be enabled and able to start a browser login.
func authorizeClient(c *realmContext, clientID string) (*Client, error) {
	if clientID == "" {
		return nil, &errorPage{status: http.StatusBadRequest, message: "Missing parameters: client_id"}
	}
	c.Set(ctxClientID, clientID)
	client, ok := c.realm.Client(clientID)
	if !ok {
		return nil, &errorPage{status: http.StatusBadRequest, message: "Client not found."}
	}
	if !client.Enabled {
		return nil, &errorPage{status: http.StatusBadRequest, message: "Client disabled."}
	}
	if client.BearerOnly {
		// NOTE: the text of Keycloak 26's page for bearer-only clients is
		// taken from its message bundle as remembered, not confirmed.
		return nil, &errorPage{status: http.StatusForbidden, message: "Bearer-only applications are not allowed to initiate browser login."}
	}
	return client, nil
}

// checkResponseType parses response_type and response_mode and checks that
// the client's flows allow them, with Keycloak 26's errors.
func checkResponseType(client *Client, req *authRequest, rawType, rawMode string) *protocol.Error {
	if rawType == "" {
		return protocol.New(protocol.ErrInvalidRequest, "Missing parameter: response_type")
	}
	rt, ok := parseResponseType(rawType)
	if !ok {
		return &protocol.Error{Code: protocol.ErrUnsupportedResponseType}
	}
	req.responseType = rt
	if rt.implicitOrHybrid() {
		req.responseMode = protocol.ResponseModeFragment
	}
	switch rawMode {
	case "":
	case protocol.ResponseModeQuery, protocol.ResponseModeFragment, protocol.ResponseModeFormPost:
		if rawMode == protocol.ResponseModeQuery && rt.implicitOrHybrid() {
			// NOTE: Keycloak 26 rejects query mode for tokens in the
			// response; this description is believed to be its text.
			return protocol.New(protocol.ErrInvalidRequest, "Response_mode 'query' not allowed for implicit or hybrid flow")
		}
		req.responseMode = rawMode
	default:
		return protocol.New(protocol.ErrInvalidRequest, "Invalid parameter: response_mode")
	}
	if (rt.code || rt.none) && !client.StandardFlow {
		return protocol.New(protocol.ErrUnauthorizedClient, "Client is not allowed to initiate browser login with given response_type. Standard flow is disabled for the client.")
	}
	if rt.implicitOrHybrid() && !client.ImplicitFlow {
		return protocol.New(protocol.ErrUnauthorizedClient, "Client is not allowed to initiate browser login with given response_type. Implicit flow is disabled for the client.")
	}
	return nil
}

// authorize answers a valid request: with the SSO session when one exists
// and no re-authentication is due, else with the login form, or with
// login_required for prompt=none.
func (s *Server) authorize(c *realmContext, req *authRequest) error {
	now := s.clock.Now()
	client, _ := c.realm.Client(req.clientID)
	s.dropIgnoredAuthParams(c.realm, req)
	session, user := s.ssoSession(c, now)
	if session != nil && req.idTokenHint != "" && !s.hintMatchesUser(c, req.idTokenHint, user) {
		// NOTE: Keycloak 26 is believed to treat a hint for another user
		// like a missing session; the exact behaviour is unconfirmed.
		session, user = nil, nil
	}
	if session != nil {
		req.reauthenticate = req.hasPrompt("login") ||
			(req.maxAge >= 0 && now.Sub(session.authenticatedAt()) > time.Duration(req.maxAge)*time.Second)
	} else {
		req.reauthenticate = req.hasPrompt("login")
	}
	if session != nil && !req.reauthenticate {
		return s.authorizationResponse(c, req, session, user, "0")
	}
	if name := client.Attributes[autoLoginAttribute]; name != "" {
		if u, ok := c.realm.User(name); ok && u.Enabled && u.ServiceAccountOf == "" {
			return s.completeLogin(c, req, u)
		}
		s.log.Warn("auto-login user not found or disabled; showing the login form",
			"realm", c.realm.Name, "client_id", client.ClientID, "user", name)
	}
	if req.hasPrompt("none") {
		return &authErrorRedirect{target: req.redirectTarget, mode: req.responseMode, state: req.state,
			iss: c.issuer, err: &protocol.Error{Code: protocol.ErrLoginRequired}}
	}
	if session != nil && req.loginHint == "" {
		req.loginHint = user.Username
	}
	return s.startLogin(c, req, "", "")
}

// hintMatchesUser reports whether an id_token_hint signed by this realm
// names user. An invalid hint matches no user.
func (s *Server) hintMatchesUser(c *realmContext, hint string, user *User) bool {
	claims, err := verifySigned(c.keys, hint)
	return err == nil && claims.Iss == c.issuer && claims.Sub == user.ID
}

// requestOrigin returns scheme://host of the request, which resolves
// relative redirect URIs of clients without a root URL.
func requestOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
