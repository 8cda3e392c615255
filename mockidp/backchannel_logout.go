package mockidp

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/smartmate/smartmate-mock/protocol"
)

// logoutTokenType is the JOSE "typ" header of logout tokens, which OpenID
// Connect Back-Channel Logout 1.0 section 2.4 recommends.
// NOTE: Keycloak 24 and later are believed to send this header; older
// releases sent "JWT".
const logoutTokenType = "logout+jwt"

// backchannelTimeout bounds one delivery, so that a client that never
// responds cannot hold a logout for long.
const backchannelTimeout = 10 * time.Second

// logoutClaims is a logout token's payload (OpenID Connect Back-Channel
// Logout 1.0 section 2.4). It has no nonce, which the specification
// forbids, and Keycloak's "typ" claim "Logout".
type logoutClaims struct {
	Iat    int64               `json:"iat"`
	Exp    int64               `json:"exp"`
	JTI    string              `json:"jti"`
	Iss    string              `json:"iss"`
	Aud    string              `json:"aud"`
	Sub    string              `json:"sub"`
	Typ    string              `json:"typ"`
	Sid    string              `json:"sid,omitempty"`
	Events map[string]struct{} `json:"events"`
}

// sendBackchannelLogout posts a signed logout token for session to the
// client's back-channel logout URL and logs a failed delivery. Keycloak
// delivers during the logout request, so the logout waits for it.
func (s *Server) sendBackchannelLogout(c *realmContext, client *Client, session *userSession) {
	now := s.clock.Now()
	claims := logoutClaims{
		Iat: now.Unix(), Exp: now.Add(c.realm.AccessTokenLifespan).Unix(), JTI: uuid.NewString(),
		Iss: c.issuer, Aud: client.ClientID, Sub: session.userID, Typ: protocol.TokenTypeLogout,
		Events: map[string]struct{}{protocol.EventBackChannelLogout: {}},
	}
	if client.BackchannelLogoutSessionReq {
		claims.Sid = session.id
	}
	log := s.log.With("realm", c.realm.Name, "client_id", client.ClientID, "url", client.BackchannelLogoutURL)
	token, err := s.signLogoutTokenWithFaults(c, claims)
	if err != nil {
		log.Error("back-channel logout failed", "error", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), backchannelTimeout)
	defer cancel()
	if err := postLogoutToken(ctx, s.cfg.httpClient, client.BackchannelLogoutURL, token); err != nil {
		log.Warn("back-channel logout failed", "error", err)
		return
	}
	log.Info("back-channel logout delivered")
}

func signLogoutToken(m *keyMaterial, claims logoutClaims) (string, error) {
	key := jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: m.signing.private, KeyID: m.signing.kid}}
	signer, err := jose.NewSigner(key, (&jose.SignerOptions{}).WithType(logoutTokenType))
	if err != nil {
		return "", fmt.Errorf("mockidp: logout token signer: %w", err)
	}
	return signJSON(signer, claims)
}

// postLogoutToken sends the token as the logout_token form parameter and
// expects a 2xx response (the specification requires 200).
func postLogoutToken(ctx context.Context, hc *http.Client, target, token string) error {
	body := url.Values{"logout_token": {token}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		return fmt.Errorf("mockidp: back-channel logout URL %q: %w", target, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("mockidp: back-channel logout URL returned %s", resp.Status)
	}
	return nil
}
