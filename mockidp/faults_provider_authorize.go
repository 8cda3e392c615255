package mockidp

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/smartmate/smartmate-mock/protocol"
)

// The faults_provider_*.go files hold the code that provider faults run at
// their hooks, so that each hook in the endpoint code stays one condition or
// one call. Without a fault, each function does what the endpoint did before
// the hook. This file has the hooks of the authorization endpoint, of codes
// and of the token endpoint, and the shared helpers.

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

// tokenGETFault responds to a GET on the token endpoint with 200 and an
// empty object under FaultTokenGETAccepted. It reports whether it responded.
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
