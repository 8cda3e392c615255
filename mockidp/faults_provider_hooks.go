package mockidp

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"github.com/labstack/echo/v4"

	"github.com/smartmate/smartmate-mock/protocol"
)

// This file holds the code that the provider faults run at their hooks, so
// that each hook in the endpoint code stays one condition or one call. With
// no fault set, every function here returns its input unchanged.

// requestRealm returns the realm of an echo request, or nil.
func (s *Server) requestRealm(c echo.Context) *Realm {
	name, _ := c.Get(ctxRealm).(string)
	return s.realms[name]
}

// requestFault reports whether the realm of an echo request runs with f.
func (s *Server) requestFault(c echo.Context, f ProviderFault) bool {
	return s.providerFault(s.requestRealm(c), f)
}

// authorizationCode returns a new authorization code: 43 random characters,
// or 8 with FaultShortCode.
func (s *Server) authorizationCode(r *Realm) string {
	if s.providerFault(r, FaultShortCode) {
		return randomID()[:8]
	}
	return randomID()
}

// responseState returns the state to put into an authorization response.
func (s *Server) responseState(r *Realm, state string) string {
	switch {
	case s.providerFault(r, FaultStateDropped):
		return ""
	case s.providerFault(r, FaultStateTruncated) && len(state) > 64:
		return state[:64]
	}
	return state
}

// responseIssuer returns the iss parameter of an authorization response.
func (s *Server) responseIssuer(c *realmContext) string {
	if s.providerFault(c.realm, FaultISSParamWrong) {
		return c.issuer + "-other"
	}
	return c.issuer
}

// checkRedirectURI is verifyRedirectURI with the redirect URI faults.
func (s *Server) checkRedirectURI(r *Realm, client *Client, origin, presented string, openid bool) (string, bool) {
	if s.providerFault(r, FaultLoopbackPortExact) && presented != "" {
		if _, hasPort := loopbackWithoutPort(presented); hasPort && matchExact(resolveRegisteredURIs(client, origin), presented) == "" {
			return "", false
		}
	}
	target, ok := verifyRedirectURI(client, origin, presented, openid)
	if !ok && presented != "" && s.providerFault(r, FaultRedirectAnyURI) {
		return presented, true
	}
	return target, ok
}

// coreAuthorizeParams are the parameters that FaultUnknownParamRejected
// still accepts.
var coreAuthorizeParams = []string{
	"client_id", "redirect_uri", "response_type", "response_mode", "scope", "state", "nonce",
	"code_challenge", "code_challenge_method", "prompt", "max_age", "id_token_hint",
}

// authorizeRequestFault returns the error that a fault adds to a valid
// authorization request, or nil.
func (s *Server) authorizeRequestFault(c *realmContext, p url.Values) *protocol.Error {
	r := c.realm
	if s.providerFault(r, FaultAuthorizePOSTRejected) && c.Request().Method == http.MethodPost {
		return protocol.New(protocol.ErrInvalidRequest, "POST is not supported")
	}
	if s.providerFault(r, FaultUnknownParamRejected) {
		for name := range p {
			if !slices.Contains(coreAuthorizeParams, name) {
				return protocol.Errorf(protocol.ErrInvalidRequest, "Invalid parameter: %s", name)
			}
		}
	}
	if s.providerFault(r, FaultNonceRequired) && p.Get("nonce") == "" {
		return protocol.New(protocol.ErrInvalidRequest, "Missing parameter: nonce")
	}
	if s.providerFault(r, FaultScopeOrderSensitive) {
		if scopes := strings.Fields(p.Get("scope")); len(scopes) > 0 && scopes[0] != protocol.ScopeOpenID {
			return protocol.New(protocol.ErrInvalidScope, "Invalid scopes: openid must come first")
		}
	}
	return nil
}

// dropIgnoredAuthParams removes the parameters that a fault makes the
// authorization endpoint ignore.
func (s *Server) dropIgnoredAuthParams(r *Realm, req *authRequest) {
	if s.providerFault(r, FaultPromptLoginIgnored) {
		req.prompt = slices.DeleteFunc(slices.Clone(req.prompt), func(p string) bool { return p == "login" })
	}
	if s.providerFault(r, FaultMaxAgeIgnored) {
		req.maxAge = -1
	}
	if s.providerFault(r, FaultPromptNoneShowsLogin) {
		req.prompt = slices.DeleteFunc(slices.Clone(req.prompt), func(p string) bool { return p == "none" })
	}
}

// pkceMethod returns the PKCE method that redemption compares with:
// FaultPKCES256Broken compares S256 verifiers as plain ones.
func (s *Server) pkceMethod(r *Realm, method string) string {
	if s.providerFault(r, FaultPKCES256Broken) && method == protocol.PKCEMethodS256 {
		return protocol.PKCEMethodPlain
	}
	return method
}

// claimFaults reports whether a token of kind gets claim faults in r.
func (s *Server) claimFaults(r *Realm, kind tokenKind) bool {
	return (kind == kindID && s.providerFault(r, FaultAuthTimeMissing)) ||
		(kind == kindAccess && s.providerFault(r, FaultAccessTokenJTIMissing))
}

// mutateProviderClaims applies the claim faults of r to the claims of a
// token of kind.
func (s *Server) mutateProviderClaims(r *Realm, kind tokenKind, m map[string]any) {
	if kind == kindID && s.providerFault(r, FaultAuthTimeMissing) {
		delete(m, "auth_time")
	}
	if kind == kindAccess && s.providerFault(r, FaultAccessTokenJTIMissing) {
		delete(m, "jti")
		delete(m, "client_id")
	}
}

// reusedCodeError is the error for a code redeemed a second time.
func (s *Server) reusedCodeError(r *Realm) *protocol.Error {
	if s.providerFault(r, FaultCodeReuseWrongError) {
		return protocol.New(protocol.ErrInvalidRequest, "Code already used")
	}
	return errCodeInvalid
}

// unsupportedGrantError is the error for an unknown grant_type.
func (s *Server) unsupportedGrantError(r *Realm) *protocol.Error {
	if s.providerFault(r, FaultGrantTypeErrorCode) {
		return protocol.New(protocol.ErrInvalidRequest, "Unsupported grant_type")
	}
	return protocol.New(protocol.ErrUnsupportedGrantType, "Unsupported grant_type")
}

// breakTokenHeaders removes the caching headers of a token response with
// FaultTokenCacheable.
func breakTokenHeaders(c *realmContext) {
	if c.realm.hasFault(FaultTokenCacheable) {
		c.Response().Header().Del("Cache-Control")
		c.Response().Header().Del("Pragma")
	}
}

// errorWithFaults returns pe as the error faults of the request's realm
// change it. It copies pe, because many errors are shared values.
func (s *Server) errorWithFaults(c echo.Context, pe *protocol.Error) *protocol.Error {
	changed := *pe
	if s.requestFault(c, FaultErrorDescriptionsChanged) && changed.Description != "" {
		changed.Description = "The request failed"
	}
	if s.requestFault(c, FaultErrorStatus200) {
		changed.Status = http.StatusOK
	}
	return &changed
}

// tokenGETFault answers a GET on the token endpoint with 200 and an empty
// object under FaultTokenGETAccepted. It reports whether it answered.
func (s *Server) tokenGETFault(c *realmContext) (bool, error) {
	if !c.realm.hasFault(FaultTokenGETAccepted) || c.Request().Method != http.MethodGet ||
		!strings.HasSuffix(c.Request().URL.Path, "/protocol/openid-connect/token") {
		return false, nil
	}
	return true, c.JSON(http.StatusOK, map[string]any{})
}

// refreshTokenWithFaults returns the refresh token to send.
func (s *Server) refreshTokenWithFaults(r *Realm, token string) string {
	if s.providerFault(r, FaultRefreshTokenNonASCII) {
		return token + "é"
	}
	return token
}

// userinfoClaims returns the claims of a bearer token for userinfo. With
// FaultUserinfoAcceptsBadToken it reads any JWT payload without verifying
// it and treats it as an access token with the openid scope.
func (s *Server) userinfoClaims(c *realmContext, raw string) (*tokenClaims, error) {
	if !c.realm.hasFault(FaultUserinfoAcceptsBadToken) {
		return verifySigned(c.keys, raw)
	}
	claims, err := unverifiedClaims(raw)
	if err != nil {
		return nil, err
	}
	claims.Typ = protocol.TokenTypeBearer
	claims.Sid = ""
	if !contains(strings.Fields(claims.Scope), protocol.ScopeOpenID) {
		claims.Scope = strings.TrimSpace(protocol.ScopeOpenID + " " + claims.Scope)
	}
	return claims, nil
}

// unverifiedClaims decodes the payload of a compact JWS without checking
// its signature or algorithm. Only faults use it: it is the defect that
// FaultUserinfoAcceptsBadToken and FaultLogoutHintUnverified put in.
func unverifiedClaims(raw string) (*tokenClaims, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, errTokenMalformed
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, errTokenMalformed
	}
	return decodeClaims(payload)
}

// userinfoBody returns the userinfo response for user.
func (s *Server) userinfoBody(r *Realm, user *User, g *grantContext) userinfoResponse {
	resp := userinfoResponse{Sub: user.ID, profileClaims: g.profile()}
	if s.providerFault(r, FaultUserinfoWrongSub) {
		resp.Sub = "another-" + user.ID
	}
	return resp
}

// missingTokenError is the userinfo error for a request without a token.
func (s *Server) missingTokenError(c *realmContext) error {
	if c.realm.hasFault(FaultUserinfoNoChallenge) {
		return protocol.New(protocol.ErrInvalidRequest, "Missing token")
	}
	return &bearerChallenge{realm: c.realm.Name}
}

// introspectionClient authenticates the client of an introspection
// request. With FaultIntrospectionOpen a request without valid client
// credentials is served for a made-up confidential client.
func (s *Server) introspectionClient(c *realmContext, f form) (*Client, error) {
	client, err := authenticateClient(c, f)
	if err == nil || !c.realm.hasFault(FaultIntrospectionOpen) {
		return client, err
	}
	return &Client{ClientID: "anonymous"}, nil
}

// introspectWithFaults is introspect with the introspection faults.
func (s *Server) introspectWithFaults(c *realmContext, raw string) []byte {
	switch {
	case c.realm.hasFault(FaultIntrospectionAlwaysInactive):
		return inactiveBody
	case c.realm.hasFault(FaultIntrospectionAlwaysActive):
		body := s.introspect(c, raw)
		if bytes.Equal(body, inactiveBody) {
			return []byte(`{"active":true}`)
		}
		return body
	}
	return s.introspect(c, raw)
}

// revokedResponse answers a successful revocation.
func (s *Server) revokedResponse(c *realmContext) error {
	if c.realm.hasFault(FaultRevocationBody) {
		return c.JSON(http.StatusOK, map[string]any{"revoked": true})
	}
	return c.NoContent(http.StatusOK)
}

// unknownRevokedTokenStatus is the status for revoking an unknown token.
func (s *Server) unknownRevokedTokenStatus(r *Realm) int {
	if s.providerFault(r, FaultRevocationUnknownError) {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// checkPostLogoutURI is verifyPostLogoutRedirectURI with the logout faults.
func (s *Server) checkPostLogoutURI(r *Realm, client *Client, origin, uri string) (string, bool) {
	if s.providerFault(r, FaultLogoutAnyRedirect) || client == nil {
		// A nil client only gets here with FaultLogoutRedirectWithoutHint.
		return uri, true
	}
	if s.providerFault(r, FaultLogoutQueryIgnored) {
		base, _ := splitQuery(uri)
		if _, ok := verifyPostLogoutRedirectURI(client, origin, base); ok {
			return uri, true
		}
	}
	return verifyPostLogoutRedirectURI(client, origin, uri)
}

// logoutHintClaims returns the claims of an id_token_hint.
func (s *Server) logoutHintClaims(c *realmContext, hint string) (*tokenClaims, error) {
	if c.realm.hasFault(FaultLogoutHintUnverified) {
		return unverifiedClaims(hint)
	}
	return verifySigned(c.keys, hint)
}

// logoutState returns the state of a post-logout redirect, "" for none.
func (s *Server) logoutState(r *Realm, state string) string {
	switch {
	case s.providerFault(r, FaultLogoutStateDropped):
		return ""
	case s.providerFault(r, FaultLogoutStateInvented) && state == "":
		return "invented-state"
	}
	return state
}

// logoutWithoutConfirmation ends the browser's session at once, in place of
// the confirmation page, under FaultLogoutWithoutConfirmation.
func (s *Server) logoutWithoutConfirmation(c *realmContext, pending *pendingLogout) error {
	session, _ := s.ssoSession(c, s.clock.Now())
	return s.finishLogout(c, session, pending)
}

// signLogoutTokenWithFaults is signLogoutToken with the logout token faults.
func (s *Server) signLogoutTokenWithFaults(c *realmContext, claims logoutClaims) (string, error) {
	token, err := signLogoutToken(c.keys, claims)
	if err != nil || !c.realm.hasFault(FaultBackchannelTokenNonce) {
		return token, err
	}
	return signLogoutTokenWithNonce(c.keys, claims)
}

// discoveryWithFaults returns the discovery or RFC 8414 document body with
// the discovery faults of the realm.
func (s *Server) discoveryWithFaults(c *realmContext, body []byte) ([]byte, error) {
	r := c.realm
	oauth := strings.HasSuffix(c.Request().URL.Path, "/oauth-authorization-server")
	if len(r.faults) == 0 {
		return body, nil
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	if r.hasFault(FaultDiscoveryIssuerMismatch) {
		doc["issuer"] = c.issuer + "/"
	}
	if r.hasFault(FaultOAuthMetadataDiffers) && oauth {
		doc["issuer"] = c.issuer + "-oauth"
		delete(doc, "claims_supported")
	}
	if r.hasFault(FaultDiscoveryNoS256) {
		doc["code_challenge_methods_supported"] = []string{protocol.PKCEMethodPlain}
	}
	if r.hasFault(FaultDiscoveryEmptyArray) {
		doc["acr_values_supported"] = []string{}
	}
	if r.hasFault(FaultDiscoveryNoneAuthAlg) {
		doc["token_endpoint_auth_signing_alg_values_supported"] = []string{"none", "RS256"}
	}
	if r.hasFault(FaultDiscoveryNoEndSession) {
		delete(doc, "end_session_endpoint")
	}
	if r.hasFault(FaultDiscoveryNoBackchannel) {
		doc["backchannel_logout_supported"] = false
		doc["backchannel_logout_session_supported"] = false
	}
	// NOTE: this fault changes only issuers on 127.0.0.1, the host of the
	// test servers.
	if r.hasFault(FaultDiscoveryEndpointHost) {
		if v, ok := doc["revocation_endpoint"].(string); ok {
			doc["revocation_endpoint"] = strings.Replace(v, "://127.0.0.1:", "://localhost:", 1)
		}
	}
	return json.Marshal(doc)
}

// jwksWithFaults returns the JWKS body with the JWKS faults of the realm.
func (s *Server) jwksWithFaults(c *realmContext) ([]byte, error) {
	r := c.realm
	if !r.hasFault(FaultJWKSPrivateKey) && !r.hasFault(FaultJWKSDuplicateKID) && !r.hasFault(FaultJWKSNoX5C) {
		return c.keys.jwks, nil
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(c.keys.jwks, &set); err != nil {
		return nil, err
	}
	if len(set.Keys) > 0 && r.hasFault(FaultJWKSPrivateKey) {
		// A made-up value: the fault shows that a private member is
		// published, not a usable private key.
		set.Keys[0]["d"] = base64.RawURLEncoding.EncodeToString([]byte("private exponent"))
	}
	if len(set.Keys) > 0 && r.hasFault(FaultJWKSDuplicateKID) {
		dup := map[string]any{}
		for k, v := range set.Keys[0] {
			dup[k] = v
		}
		set.Keys = append(set.Keys, dup)
	}
	if r.hasFault(FaultJWKSNoX5C) {
		for _, k := range set.Keys {
			delete(k, "x5c")
		}
	}
	return json.Marshal(set)
}

// fallbackRealm returns the realm that serves unknown realm names: the one
// with FaultUnknownRealmServed, if any.
func (s *Server) fallbackRealm() (*Realm, bool) {
	for _, name := range s.RealmNames() {
		if r := s.realms[name]; r.hasFault(FaultUnknownRealmServed) {
			return r, true
		}
	}
	return nil, false
}

// changePageTexts replaces the Keycloak texts of a page with
// FaultPageTextsChanged.
func (s *Server) changePageTexts(c echo.Context, p *page) {
	if !s.requestFault(c, FaultPageTextsChanged) {
		return
	}
	for _, text := range []*string{&p.Heading, &p.Text, &p.Message, &p.InputError} {
		if *text != "" {
			*text = "Something went wrong"
		}
	}
}

// pageWithFaults returns the HTML of a page with FaultLoginFormRenamed.
func (s *Server) pageWithFaults(c echo.Context, html []byte) []byte {
	if !s.requestFault(c, FaultLoginFormRenamed) {
		return html
	}
	return bytes.ReplaceAll(html, []byte(`id="kc-form-login"`), []byte(`id="login-form"`))
}

// signLogoutTokenWithNonce signs claims with an added nonce, which OpenID
// Connect Back-Channel Logout 1.0 section 2.4 forbids in a logout token.
func signLogoutTokenWithNonce(m *keyMaterial, claims logoutClaims) (string, error) {
	withNonce, err := claimMap(claims)
	if err != nil {
		return "", err
	}
	withNonce["nonce"] = "a-nonce-that-logout-tokens-must-not-have"
	key := jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: m.signing.private, KeyID: m.signing.kid}}
	signer, err := jose.NewSigner(key, (&jose.SignerOptions{}).WithType(logoutTokenType))
	if err != nil {
		return "", err
	}
	return signJSON(signer, withNonce)
}

// claimMap returns the JSON members of claims as a map, so that a fault can
// change any of them.
func claimMap(claims any) (map[string]any, error) {
	raw, err := json.Marshal(claims)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	return m, nil
}
