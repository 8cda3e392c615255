package mockidp

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/smartmate/smartmate-mock/protocol"
)

// Keycloak 26's login page texts, from its English message bundle.
const (
	msgLoginTitle      = "Sign in to your account"
	msgInvalidUser     = "Invalid username or password."
	msgAccountDisabled = "Account is disabled, contact your administrator."
	msgReauthenticate  = "Please re-authenticate to continue."
	msgCookieNotFound  = "Cookie not found. Please make sure cookies are enabled in your browser."
	msgLoginTimeout    = "Your login attempt timed out.  Login will start from the beginning."
	msgAccountNotSetUp = "Account is not fully set up"
	loginAuthenticator = "auth-username-password-form"
)

// loginExecution is the execution query parameter of the form's action. In
// Keycloak it is the id of the username-password step of the browser flow;
// the emulator has one step, so one fixed id.
var loginExecution = uuid.NewSHA1(uuid.NameSpaceURL, []byte(loginAuthenticator)).String()

// startLogin keeps req as a pending login and shows the login form. It sets
// AUTH_SESSION_ID, which ties the form to this browser, and KC_RESTART,
// which lets the login start again after the form has expired.
func (s *Server) startLogin(c *realmContext, req *authRequest, alert, alertKind string) error {
	now := s.clock.Now()
	req.created = now
	req.tabID = randomID()[:11]
	if ck, err := c.Cookie(cookieAuthSession); err == nil && ck.Value != "" {
		req.rootID = ck.Value
	} else {
		req.rootID = uuid.NewString()
	}
	restart, err := signJSON(c.keys.hmac, restartClaims{
		Iss: c.issuer, Iat: now.Unix(), Exp: now.Add(c.realm.SSOSessionMax).Unix(), Typ: typRestart, Params: req.params,
	})
	if err != nil {
		return err
	}
	s.setCookie(c, cookieAuthSession, req.rootID, time.Time{}, true)
	s.setCookie(c, cookieRestart, restart, time.Time{}, true)
	if alert == "" && req.reauthenticate {
		alert, alertKind = msgReauthenticate, "info"
	}
	return s.renderLogin(c, req, req.loginHint, "", alert, alertKind)
}

// typRestart is the "typ" claim of the KC_RESTART cookie token.
const typRestart = "Restart"

// restartClaims is the payload of the KC_RESTART cookie: the parameters of
// the authorization request, so that an expired login can start again. It
// outlives the login form, for as long as an SSO session could.
type restartClaims struct {
	Iss    string              `json:"iss"`
	Iat    int64               `json:"iat"`
	Exp    int64               `json:"exp"`
	Typ    string              `json:"typ"`
	Params map[string][]string `json:"params"`
}

// renderLogin renders the login form for req with a fresh session code, so
// that a form submitted twice is detected.
func (s *Server) renderLogin(c *realmContext, req *authRequest, username, inputError, alert, alertKind string) error {
	next := *req
	next.sessionCode = randomID()[:43]
	c.realm.browser.logins.put(next.tabID, &next, next.created.Add(c.realm.LoginLifespan), s.clock.Now())
	q := url.Values{}
	q.Set("session_code", next.sessionCode)
	q.Set("execution", loginExecution)
	q.Set("client_id", next.clientID)
	q.Set("tab_id", next.tabID)
	p := &page{
		Heading:     msgLoginTitle,
		Action:      c.issuer + "/login-actions/authenticate?" + encodeOrdered(q, "session_code", "execution", "client_id", "tab_id"),
		Username:    username,
		InputError:  inputError,
		Message:     alert,
		MessageKind: alertKind,
	}
	return s.renderPage(c, http.StatusOK, "login", p)
}

// encodeOrdered encodes the named keys of q in the given order.
func encodeOrdered(q url.Values, keys ...string) string {
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(q.Get(k)))
	}
	return b.String()
}

// handleLoginAction receives the login form (Keycloak's
// /login-actions/authenticate). Wrong credentials re-render the form with
// status 200, as Keycloak 26 does; right ones complete the login.
func (s *Server) handleLoginAction(c *realmContext) error {
	now := s.clock.Now()
	q := c.QueryParams()
	c.Set(ctxClientID, q.Get("client_id"))
	ck, err := c.Cookie(cookieAuthSession)
	if err != nil || ck.Value == "" {
		return &errorPage{status: http.StatusBadRequest, message: msgCookieNotFound}
	}

	req, ok := c.realm.browser.logins.get(q.Get("tab_id"), now)
	if !ok || req.rootID != ck.Value {
		return s.restartLogin(c, now)
	}
	if c.Request().Method != http.MethodPost || q.Get("session_code") != req.sessionCode {
		// A reloaded or resubmitted form shows the current form again.
		return s.renderLogin(c, req, req.loginHint, "", "", "")
	}

	f, err := readForm(c.Request(), s.cfg.maxBodyBytes)
	if err != nil {
		return &errorPage{status: http.StatusBadRequest, message: "Invalid Request", cause: protocol.AsError(err)}
	}
	username := strings.TrimSpace(f.get("username"))
	user, ok := c.realm.LoginUser(username)
	if !ok || username == "" || user.ServiceAccountOf != "" || user.password == nil || !user.password.verify(f.get("password")) {
		s.log.Warn("login rejected", "realm", c.realm.Name, "client_id", req.clientID, "reason", "invalid credentials")
		return s.renderLogin(c, req, username, msgInvalidUser, "", "")
	}
	// Keycloak 26 checks the password first, so only someone who has the
	// password learns that an account is disabled.
	if !user.Enabled {
		s.log.Warn("login rejected", "realm", c.realm.Name, "client_id", req.clientID, "reason", "user disabled")
		return s.renderLogin(c, req, username, "", msgAccountDisabled, "error")
	}
	if user.hasRequiredActions() {
		// TODO: show the required-action forms (update password, verify
		// email) that Keycloak 26 shows here; the login stops instead.
		return s.renderLogin(c, req, username, "", msgAccountNotSetUp, "error")
	}
	return s.completeLogin(c, req, user)
}

// restartLogin starts the login again from the KC_RESTART cookie when the
// pending login is gone, with Keycloak's timeout message.
func (s *Server) restartLogin(c *realmContext, now time.Time) error {
	ck, err := c.Cookie(cookieRestart)
	if err != nil || ck.Value == "" {
		return &errorPage{status: http.StatusBadRequest, message: msgLoginTimeout}
	}
	var claims restartClaims
	if err := verifyHMACInto(c.keys, ck.Value, &claims); err != nil || claims.Typ != typRestart || claims.Iss != c.issuer || now.Unix() > claims.Exp {
		return &errorPage{status: http.StatusBadRequest, message: msgLoginTimeout}
	}
	req, err := s.parseAuthRequest(c, url.Values(claims.Params))
	if err != nil {
		return err
	}
	return s.startLogin(c, req, msgLoginTimeout, "error")
}
