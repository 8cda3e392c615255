package mockidp

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
)

// Keycloak 26's browser cookies. AUTH_SESSION_ID and KC_RESTART live while
// a login form is open; KEYCLOAK_IDENTITY and KEYCLOAK_SESSION carry the
// SSO session afterwards.
const (
	cookieAuthSession = "AUTH_SESSION_ID"
	cookieRestart     = "KC_RESTART"
	cookieIdentity    = "KEYCLOAK_IDENTITY"
	cookieSession     = "KEYCLOAK_SESSION"
)

// typIdentity is the "typ" claim of Keycloak's identity cookie token.
const typIdentity = "Serialized-ID"

// cookiePath returns /realms/{realm}/ under the relative path, the path
// Keycloak 26 scopes its realm cookies to.
func (s *Server) cookiePath(realm string) string {
	return s.cfg.relativePath + "/realms/" + realm + "/"
}

// setCookie sets a realm cookie. On https Keycloak 26 sends SameSite=None
// with Secure, so that the cookies reach it from an application on another
// site. Browsers reject SameSite=None without Secure, so on http the cookie
// is SameSite=Lax without Secure.
// NOTE: the http fallback to Lax is Keycloak 24+ behaviour as believed, not
// read in its source.
func (s *Server) setCookie(c *realmContext, name, value string, expires time.Time, httpOnly bool) {
	ck := &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     s.cookiePath(c.realm.Name),
		HttpOnly: httpOnly,
		SameSite: http.SameSiteLaxMode,
	}
	if strings.HasPrefix(c.issuer, "https://") {
		ck.Secure = true
		ck.SameSite = http.SameSiteNoneMode
	}
	if !expires.IsZero() {
		// Max-Age alone, without Expires, so that a fake clock in tests
		// cannot give the browser a date that is already past.
		ck.MaxAge = max(int(expires.Sub(s.clock.Now())/time.Second), 1)
	}
	http.SetCookie(c.Response(), ck)
}

// expireCookie removes a realm cookie from the browser.
func (s *Server) expireCookie(c *realmContext, name string, httpOnly bool) {
	ck := &http.Cookie{
		Name: name, Value: "", Path: s.cookiePath(c.realm.Name),
		MaxAge: -1, HttpOnly: httpOnly, SameSite: http.SameSiteLaxMode,
	}
	if strings.HasPrefix(c.issuer, "https://") {
		ck.Secure = true
		ck.SameSite = http.SameSiteNoneMode
	}
	http.SetCookie(c.Response(), ck)
}

// identityClaims is the payload of the KEYCLOAK_IDENTITY cookie: an HS512
// token that names the user session, as Keycloak's IdentityCookieToken does.
type identityClaims struct {
	Exp int64  `json:"exp"`
	Iat int64  `json:"iat"`
	JTI string `json:"jti"`
	Iss string `json:"iss"`
	Sub string `json:"sub"`
	Typ string `json:"typ"`
	Sid string `json:"sid"`
}

// setSSOCookies sets KEYCLOAK_IDENTITY and KEYCLOAK_SESSION for session.
// Both expire with the session's maximum lifespan.
func (s *Server) setSSOCookies(c *realmContext, session *userSession) error {
	now := s.clock.Now()
	expires := session.started.Add(c.realm.SSOSessionMax)
	token, err := signJSON(c.keys.hmac, identityClaims{
		Exp: expires.Unix(), Iat: now.Unix(), JTI: uuid.NewString(), Iss: c.issuer,
		Sub: session.userID, Typ: typIdentity, Sid: session.id,
	})
	if err != nil {
		return err
	}
	s.setCookie(c, cookieIdentity, token, expires, true)
	s.setCookie(c, cookieSession, sessionCookieValue(session.id), expires, false)
	return nil
}

// sessionCookieValue is the KEYCLOAK_SESSION value, which scripts may read:
// the base64url SHA-256 of the session id, never the id itself.
// NOTE: Keycloak 26 is believed to store this hash; older releases stored
// "realm/user id/session id".
func sessionCookieValue(sessionID string) string {
	sum := sha256.Sum256([]byte(sessionID))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// clearSSOCookies removes the SSO cookies, after a logout.
func (s *Server) clearSSOCookies(c *realmContext) {
	s.expireCookie(c, cookieIdentity, true)
	s.expireCookie(c, cookieSession, false)
}

// ssoSession returns the active user session and its enabled user named by
// the request's KEYCLOAK_IDENTITY cookie, or nil.
func (s *Server) ssoSession(c *realmContext, now time.Time) (*userSession, *User) {
	ck, err := c.Cookie(cookieIdentity)
	if err != nil || ck.Value == "" || c.realm.hasFault(FaultSSODisabled) {
		return nil, nil
	}
	claims, err := verifyRefresh(c.keys, ck.Value)
	if err != nil || claims.Typ != typIdentity || claims.Iss != c.issuer || claims.expired(now) {
		return nil, nil
	}
	session, ok := c.realm.sessions.get(claims.Sid)
	if !ok || session.userID != claims.Sub || !session.active(now, c.realm.SSOSessionIdle, c.realm.SSOSessionMax) {
		return nil, nil
	}
	user, ok := c.realm.UserByID(session.userID)
	if !ok || !user.Enabled {
		return nil, nil
	}
	return session, user
}

// verifyHMACInto checks an HS512 token of the realm, such as a cookie
// token, and decodes its payload into v.
func verifyHMACInto(m *keyMaterial, raw string, v any) error {
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.HS512})
	if err != nil {
		return errTokenMalformed
	}
	payload, err := jws.Verify(m.hmacKey)
	if err != nil {
		return errTokenSignature
	}
	return json.Unmarshal(payload, v)
}
