package mockidp

import (
	"encoding/json"
	"net/http"
	"sync"
)

// discoveryDocument has the members of Keycloak 26's discovery document
// that the emulator implements, in Keycloak's order. Members for features
// the emulator lacks are left out rather than advertised falsely.
type discoveryDocument struct {
	Issuer                                 string   `json:"issuer"`
	AuthorizationEndpoint                  string   `json:"authorization_endpoint,omitempty"`
	TokenEndpoint                          string   `json:"token_endpoint"`
	IntrospectionEndpoint                  string   `json:"introspection_endpoint,omitempty"`
	UserinfoEndpoint                       string   `json:"userinfo_endpoint"`
	EndSessionEndpoint                     string   `json:"end_session_endpoint,omitempty"`
	FrontchannelLogoutSessionSupported     *bool    `json:"frontchannel_logout_session_supported,omitempty"`
	FrontchannelLogoutSupported            *bool    `json:"frontchannel_logout_supported,omitempty"`
	JWKSURI                                string   `json:"jwks_uri"`
	CheckSessionIframe                     string   `json:"check_session_iframe,omitempty"`
	GrantTypesSupported                    []string `json:"grant_types_supported"`
	ACRValuesSupported                     []string `json:"acr_values_supported,omitempty"`
	ResponseTypesSupported                 []string `json:"response_types_supported"`
	SubjectTypesSupported                  []string `json:"subject_types_supported"`
	PromptValuesSupported                  []string `json:"prompt_values_supported,omitempty"`
	IDTokenSigningAlgValuesSupported       []string `json:"id_token_signing_alg_values_supported"`
	RequestObjectSigningAlgValues          []string `json:"request_object_signing_alg_values_supported,omitempty"`
	ResponseModesSupported                 []string `json:"response_modes_supported,omitempty"`
	TokenEndpointAuthMethodsSupported      []string `json:"token_endpoint_auth_methods_supported"`
	IntrospectionEndpointAuthMethods       []string `json:"introspection_endpoint_auth_methods_supported,omitempty"`
	ClaimsSupported                        []string `json:"claims_supported"`
	ClaimTypesSupported                    []string `json:"claim_types_supported"`
	ClaimsParameterSupported               bool     `json:"claims_parameter_supported"`
	ScopesSupported                        []string `json:"scopes_supported"`
	RequestParameterSupported              bool     `json:"request_parameter_supported"`
	RequestURIParameterSupported           bool     `json:"request_uri_parameter_supported"`
	RequireRequestURIRegistration          bool     `json:"require_request_uri_registration"`
	CodeChallengeMethodsSupported          []string `json:"code_challenge_methods_supported,omitempty"`
	RevocationEndpoint                     string   `json:"revocation_endpoint,omitempty"`
	RevocationEndpointAuthMethods          []string `json:"revocation_endpoint_auth_methods_supported,omitempty"`
	BackchannelLogoutSupported             *bool    `json:"backchannel_logout_supported,omitempty"`
	BackchannelLogoutSessionSupported      *bool    `json:"backchannel_logout_session_supported,omitempty"`
	AuthorizationResponseISSParamSupported *bool    `json:"authorization_response_iss_parameter_supported,omitempty"`
}

// scopesSupported lists openid and the client scopes that a new Keycloak 26
// realm includes in discovery.
// NOTE: Keycloak 26 lists them in realm order, which is believed to be
// this one; clients should not depend on the order.
var scopesSupported = []string{
	"openid", "phone", "address", "basic", "organization", "profile", "email",
	"acr", "roles", "offline_access", "web-origins", "microprofile-jwt",
}

// claimsSupported is Keycloak 26's claims_supported list.
var claimsSupported = []string{
	"iss", "sub", "aud", "exp", "iat", "auth_time", "name", "given_name",
	"family_name", "preferred_username", "email", "acr", "azp", "nonce",
}

// newDiscovery builds the discovery document for an issuer.
func newDiscovery(issuer string) *discoveryDocument {
	oidc := issuer + "/protocol/openid-connect"
	clientAuth := []string{"client_secret_basic", "client_secret_post"}
	return &discoveryDocument{
		Issuer:                issuer,
		AuthorizationEndpoint: oidc + "/auth",
		TokenEndpoint:         oidc + "/token",
		IntrospectionEndpoint: oidc + "/token/introspect",
		UserinfoEndpoint:      oidc + "/userinfo",
		EndSessionEndpoint:    oidc + "/logout",
		// Keycloak 26 hard-codes both front-channel logout flags.
		FrontchannelLogoutSessionSupported: boolPtr(true),
		FrontchannelLogoutSupported:        boolPtr(true),
		JWKSURI:                            oidc + "/certs",
		CheckSessionIframe:                 oidc + "/login-status-iframe.html",
		// Keycloak 24 and later sort grant types alphabetically.
		GrantTypesSupported: []string{"authorization_code", "client_credentials", "implicit", "password", "refresh_token"},
		ACRValuesSupported:  []string{"0", "1"},
		ResponseTypesSupported: []string{
			"code", "none", "id_token", "token", "id_token token", "code id_token", "code token", "code id_token token",
		},
		SubjectTypesSupported: []string{"public"},
		// Keycloak 26 also lists consent; the emulator has no consent
		// screen, so it lists only the prompts it honours.
		PromptValuesSupported:            []string{"none", "login"},
		IDTokenSigningAlgValuesSupported: []string{"RS256"},
		// Keycloak 26 lists its signature algorithms plus none; the
		// emulator verifies only RS256.
		RequestObjectSigningAlgValues:          []string{"none", "RS256"},
		ResponseModesSupported:                 []string{"query", "fragment", "form_post"},
		TokenEndpointAuthMethodsSupported:      clientAuth,
		IntrospectionEndpointAuthMethods:       clientAuth,
		ClaimsSupported:                        claimsSupported,
		ClaimTypesSupported:                    []string{"normal"},
		ClaimsParameterSupported:               true,
		ScopesSupported:                        scopesSupported,
		RequestParameterSupported:              true,
		RequestURIParameterSupported:           true,
		RequireRequestURIRegistration:          true,
		CodeChallengeMethodsSupported:          []string{"plain", "S256"},
		RevocationEndpoint:                     oidc + "/revoke",
		RevocationEndpointAuthMethods:          clientAuth,
		BackchannelLogoutSupported:             boolPtr(true),
		BackchannelLogoutSessionSupported:      boolPtr(true),
		AuthorizationResponseISSParamSupported: boolPtr(true),
	}
}

func boolPtr(b bool) *bool { return &b }

// documentCache holds serialised per-issuer documents, so that the hot
// discovery path marshals nothing.
type documentCache struct {
	mu   sync.RWMutex
	docs map[string][]byte // guarded by mu
}

func (dc *documentCache) get(key string, build func() ([]byte, error)) ([]byte, error) {
	dc.mu.RLock()
	b, ok := dc.docs[key]
	dc.mu.RUnlock()
	if ok {
		return b, nil
	}
	b, err := build()
	if err != nil {
		return nil, err
	}
	dc.mu.Lock()
	defer dc.mu.Unlock()
	if dc.docs == nil {
		dc.docs = map[string][]byte{}
	}
	// Bounded for WithHostnameFromRequest, where any Host header makes a
	// new issuer.
	if len(dc.docs) >= 256 {
		clear(dc.docs)
	}
	dc.docs[key] = b
	return b, nil
}

// handleDiscovery serves both /.well-known/openid-configuration and its
// RFC 8414 twin; Keycloak 25 and later serve the same body at both.
func (s *Server) handleDiscovery(c *realmContext) error {
	body, err := s.discoveryCache.get(c.issuer, func() ([]byte, error) {
		return json.Marshal(newDiscovery(c.issuer))
	})
	if err != nil {
		return err
	}
	if body, err = s.discoveryWithFaults(c, body); err != nil {
		return err
	}
	allowAnyOrigin(c)
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, "application/json", body)
}

// handleJWKS serves the realm's public keys.
func (s *Server) handleJWKS(c *realmContext) error {
	allowAnyOrigin(c)
	c.Response().Header().Set("Cache-Control", "no-cache")
	body, err := s.jwksWithFaults(c)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "application/json", body)
}

// allowAnyOrigin adds the CORS headers with which Keycloak 26 opens
// discovery and JWKS to every origin: the request's Origin echoed, never a
// literal "*".
func allowAnyOrigin(c *realmContext) {
	origin := c.Request().Header.Get("Origin")
	if origin == "" {
		return
	}
	h := c.Response().Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Add("Vary", "Origin")
}
