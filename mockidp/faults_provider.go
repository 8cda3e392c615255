package mockidp

import (
	"fmt"
	"slices"
	"strings"
)

// ProviderFault names one defect that the emulator puts into its own
// behaviour for one realm, so that a test can prove a conformance check able
// to fail: the kit must flag a provider with the fault. It is a testing aid
// that Keycloak does not have, and a realm with a fault is no longer a
// faithful Keycloak emulation.
//
// Faults are set with the realm attribute "smartmate.mock.faults", a
// comma-separated list of fault names, or with WithProviderFaults. Each
// fault breaks one behaviour at the place where the emulator implements it;
// ProviderFaults lists them and docs/testing-extensions.md describes each.
type ProviderFault string

// The provider faults, grouped by the endpoint they break.
const (
	// Authorization endpoint and authorization codes.
	FaultCodeReusable          ProviderFault = "code-reusable"           // a code can be redeemed twice
	FaultCodeReuseWrongError   ProviderFault = "code-reuse-wrong-error"  // a reused code gets invalid_request
	FaultCodeUnboundClient     ProviderFault = "code-unbound-client"     // any client can redeem a code
	FaultCodeUnboundRedirect   ProviderFault = "code-unbound-redirect"   // redemption ignores redirect_uri
	FaultShortCode             ProviderFault = "short-code"              // codes have 8 characters
	FaultPKCEUnchecked         ProviderFault = "pkce-unchecked"          // code_verifier is not checked
	FaultPKCERequestUnchecked  ProviderFault = "pkce-request-unchecked"  // code_challenge and its method are not checked
	FaultPKCES256Broken        ProviderFault = "pkce-s256-broken"        // S256 verifiers are compared as plain
	FaultStateDropped          ProviderFault = "state-dropped"           // authorization responses carry no state
	FaultStateTruncated        ProviderFault = "state-truncated-64"      // state is cut to 64 characters
	FaultISSParamWrong         ProviderFault = "iss-param-wrong"         // the iss response parameter names another issuer
	FaultSessionStateMissing   ProviderFault = "session-state-missing"   // authorization responses carry no session_state
	FaultRedirectAnyURI        ProviderFault = "redirect-any-uri"        // any redirect_uri is accepted
	FaultLoopbackPortExact     ProviderFault = "loopback-port-exact"     // a loopback redirect URI must match its port
	FaultUnknownParamRejected  ProviderFault = "unknown-param-rejected"  // parameters outside the core set are rejected
	FaultRequestObjectIgnored  ProviderFault = "request-object-ignored"  // request and request_uri are ignored
	FaultNonceRequired         ProviderFault = "nonce-required"          // the code flow requires a nonce
	FaultScopeOrderSensitive   ProviderFault = "scope-order-sensitive"   // scope must start with openid
	FaultAuthorizePOSTRejected ProviderFault = "authorize-post-rejected" // POST authorization requests are rejected
	FaultPromptNoneShowsLogin  ProviderFault = "prompt-none-shows-login" // prompt=none shows the login form
	FaultPromptLoginIgnored    ProviderFault = "prompt-login-ignored"    // prompt=login reuses the session
	FaultMaxAgeIgnored         ProviderFault = "max-age-ignored"         // max_age never forces a login
	FaultAuthTimeMissing       ProviderFault = "auth-time-missing"       // ID tokens have no auth_time
	FaultSSODisabled           ProviderFault = "sso-disabled"            // the SSO cookies are never read

	// Token endpoint and client authentication.
	FaultTokenCacheable              ProviderFault = "token-cacheable"                // token responses lack Cache-Control and Pragma
	FaultTokenGETAccepted            ProviderFault = "token-get-accepted"             // GET on the token endpoint gets 200
	FaultErrorStatus200              ProviderFault = "error-status-200"               // error bodies and challenges are sent with status 200
	FaultErrorDescriptionsChanged    ProviderFault = "error-descriptions-changed"     // error_description is not Keycloak's
	FaultGrantTypeErrorCode          ProviderFault = "grant-type-error-code"          // an unknown grant_type gets invalid_request
	FaultMissingGrantTypeUnsupported ProviderFault = "missing-grant-type-unsupported" // a missing grant_type gets unsupported_grant_type
	FaultDuplicateParamAccepted      ProviderFault = "duplicate-param-accepted"       // repeated token parameters are accepted
	FaultClientSecretUnchecked       ProviderFault = "client-secret-unchecked"        // any client secret is accepted
	FaultBasicAuthIgnored            ProviderFault = "basic-auth-ignored"             // an Authorization: Basic header is ignored
	FaultPostSecretIgnored           ProviderFault = "post-secret-ignored"            // client_secret in the form is ignored
	FaultClientCredentialsRefresh    ProviderFault = "client-credentials-refresh"     // client_credentials issues a refresh token
	FaultRefreshTokenNonASCII        ProviderFault = "refresh-token-non-ascii"        // refresh tokens end in a non-ASCII letter
	FaultRefreshScopeWidened         ProviderFault = "refresh-scope-widened"          // refresh grants scopes beyond the original
	FaultRefreshUnboundClient        ProviderFault = "refresh-unbound-client"         // any client can use a refresh token
	FaultAccessTokenJTIMissing       ProviderFault = "access-token-jti-missing"       // access tokens have no jti and client_id

	// Userinfo.
	FaultUserinfoPOSTRejected    ProviderFault = "userinfo-post-rejected"     // POST on userinfo gets 405
	FaultUserinfoWrongSub        ProviderFault = "userinfo-wrong-sub"         // userinfo returns another sub
	FaultUserinfoAcceptsBadToken ProviderFault = "userinfo-accepts-bad-token" // userinfo reads tokens without verifying them
	FaultUserinfoNoChallenge     ProviderFault = "userinfo-no-challenge"      // a missing token gets 400 without a challenge
	FaultUserinfoTwoMethods      ProviderFault = "userinfo-two-methods"       // a token in the header and the body is accepted
	FaultUserinfoIgnoresOpenID   ProviderFault = "userinfo-ignores-openid"    // tokens without the openid scope get userinfo

	// Introspection and revocation.
	FaultIntrospectionOpen           ProviderFault = "introspection-open"            // introspection needs no client authentication
	FaultIntrospectionAlwaysActive   ProviderFault = "introspection-always-active"   // every token is reported active
	FaultIntrospectionAlwaysInactive ProviderFault = "introspection-always-inactive" // every token is reported inactive
	FaultRevocationNoop              ProviderFault = "revocation-noop"               // revocation returns 200 and revokes nothing
	FaultRevocationCrossClient       ProviderFault = "revocation-cross-client"       // a client can revoke another client's tokens
	FaultRevocationUnknownError      ProviderFault = "revocation-unknown-error"      // revoking an unknown token gets 400
	FaultRevocationBody              ProviderFault = "revocation-body"               // a revocation returns a JSON body

	// Logout.
	FaultLogoutAnyRedirect         ProviderFault = "logout-any-redirect"          // any post_logout_redirect_uri is accepted
	FaultLogoutQueryIgnored        ProviderFault = "logout-query-ignored"         // the query of post_logout_redirect_uri is ignored when matching
	FaultLogoutHintUnverified      ProviderFault = "logout-hint-unverified"       // id_token_hint is read without verifying it
	FaultLogoutKeepsSession        ProviderFault = "logout-keeps-session"         // browser logout neither ends the session nor clears cookies
	FaultLogoutStateDropped        ProviderFault = "logout-state-dropped"         // the logout redirect carries no state
	FaultLogoutStateInvented       ProviderFault = "logout-state-invented"        // the logout redirect carries a state that was not sent
	FaultLogoutRedirectWithoutHint ProviderFault = "logout-redirect-without-hint" // post_logout_redirect_uri works without id_token_hint
	FaultLogoutWithoutConfirmation ProviderFault = "logout-without-confirmation"  // logout never shows the confirmation page
	FaultRefreshLogoutKeepsSession ProviderFault = "refresh-logout-keeps-session" // logout with a refresh token keeps the session
	FaultBackchannelNotSent        ProviderFault = "backchannel-not-sent"         // no back-channel logout is sent
	FaultBackchannelTokenNonce     ProviderFault = "backchannel-token-nonce"      // logout tokens carry a nonce

	// Discovery, JWKS, realms and pages.
	FaultDiscoveryIssuerMismatch ProviderFault = "discovery-issuer-mismatch" // the discovery issuer has a trailing slash
	FaultDiscoveryNoS256         ProviderFault = "discovery-no-s256"         // code_challenge_methods_supported lacks S256
	FaultDiscoveryEmptyArray     ProviderFault = "discovery-empty-array"     // acr_values_supported is an empty array
	FaultDiscoveryNoneAuthAlg    ProviderFault = "discovery-none-auth-alg"   // token_endpoint_auth_signing_alg_values_supported lists none
	FaultDiscoveryNoEndSession   ProviderFault = "discovery-no-end-session"  // no end_session_endpoint
	FaultDiscoveryNoBackchannel  ProviderFault = "discovery-no-backchannel"  // backchannel_logout_supported is false
	FaultDiscoveryEndpointHost   ProviderFault = "discovery-endpoint-host"   // revocation_endpoint names another host of the server
	FaultOAuthMetadataDiffers    ProviderFault = "oauth-metadata-differs"    // the RFC 8414 document has another issuer and lacks claims_supported
	FaultJWKSPrivateKey          ProviderFault = "jwks-private-key"          // the JWKS publishes a private exponent
	FaultJWKSDuplicateKID        ProviderFault = "jwks-duplicate-kid"        // the JWKS lists the signing key twice
	FaultJWKSNoX5C               ProviderFault = "jwks-no-x5c"               // JWKS keys have no certificate chain
	FaultUnknownRealmServed      ProviderFault = "unknown-realm-served"      // unknown realm names are served as this realm
	FaultPageTextsChanged        ProviderFault = "page-texts-changed"        // page messages are not Keycloak's
	FaultLoginFormRenamed        ProviderFault = "login-form-renamed"        // the login form's id is not kc-form-login
)

// ProviderFaults lists every provider fault.
var ProviderFaults = []ProviderFault{
	FaultCodeReusable, FaultCodeReuseWrongError, FaultCodeUnboundClient, FaultCodeUnboundRedirect, FaultShortCode,
	FaultPKCEUnchecked, FaultPKCERequestUnchecked, FaultPKCES256Broken, FaultStateDropped,
	FaultStateTruncated, FaultISSParamWrong, FaultSessionStateMissing, FaultRedirectAnyURI,
	FaultLoopbackPortExact, FaultUnknownParamRejected, FaultRequestObjectIgnored, FaultNonceRequired, FaultScopeOrderSensitive,
	FaultAuthorizePOSTRejected, FaultPromptNoneShowsLogin, FaultPromptLoginIgnored, FaultMaxAgeIgnored,
	FaultAuthTimeMissing, FaultSSODisabled,

	FaultTokenCacheable, FaultTokenGETAccepted, FaultErrorStatus200, FaultErrorDescriptionsChanged,
	FaultGrantTypeErrorCode, FaultMissingGrantTypeUnsupported, FaultDuplicateParamAccepted,
	FaultClientSecretUnchecked, FaultBasicAuthIgnored, FaultPostSecretIgnored,
	FaultClientCredentialsRefresh, FaultRefreshTokenNonASCII, FaultRefreshScopeWidened,
	FaultRefreshUnboundClient, FaultAccessTokenJTIMissing,

	FaultUserinfoPOSTRejected, FaultUserinfoWrongSub,
	FaultUserinfoAcceptsBadToken, FaultUserinfoNoChallenge, FaultUserinfoTwoMethods,
	FaultUserinfoIgnoresOpenID,

	FaultIntrospectionOpen, FaultIntrospectionAlwaysActive, FaultIntrospectionAlwaysInactive,
	FaultRevocationNoop, FaultRevocationCrossClient, FaultRevocationUnknownError, FaultRevocationBody,

	FaultLogoutAnyRedirect, FaultLogoutQueryIgnored, FaultLogoutHintUnverified, FaultLogoutKeepsSession,
	FaultLogoutStateDropped, FaultLogoutStateInvented, FaultLogoutRedirectWithoutHint,
	FaultLogoutWithoutConfirmation, FaultRefreshLogoutKeepsSession, FaultBackchannelNotSent,
	FaultBackchannelTokenNonce,

	FaultDiscoveryIssuerMismatch, FaultDiscoveryNoS256, FaultDiscoveryEmptyArray, FaultDiscoveryNoneAuthAlg,
	FaultDiscoveryNoEndSession, FaultDiscoveryNoBackchannel, FaultDiscoveryEndpointHost,
	FaultOAuthMetadataDiffers, FaultJWKSPrivateKey, FaultJWKSDuplicateKID, FaultJWKSNoX5C,
	FaultUnknownRealmServed, FaultPageTextsChanged, FaultLoginFormRenamed,
}

// providerFaultsAttribute is the realm attribute that sets a realm's faults.
const providerFaultsAttribute = "smartmate.mock.faults"

// ParseProviderFaults parses a comma-separated list of fault names. Blank
// entries are ignored.
func ParseProviderFaults(list string) ([]ProviderFault, error) {
	var out []ProviderFault
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		f := ProviderFault(name)
		if !slices.Contains(ProviderFaults, f) {
			return nil, fmt.Errorf("unknown provider fault %q: see ProviderFaults or docs/testing-extensions.md for the names", name)
		}
		out = append(out, f)
	}
	return out, nil
}

// WithProviderFaults breaks the behaviours that faults name in realm, in
// addition to the faults of the realm's "smartmate.mock.faults" attribute.
// It is a testing aid for proving conformance checks able to fail.
func WithProviderFaults(realm string, faults ...ProviderFault) Option {
	return func(c *config) {
		c.providerFaults = append(c.providerFaults, realmFaults{realm, faults})
	}
}

type realmFaults struct {
	realm  string
	faults []ProviderFault
}

// faultSet holds the provider faults of one realm. It is filled by New and
// never changes afterwards, so reads need no lock.
type faultSet map[ProviderFault]bool

// initProviderFaults reads the faults attribute of every realm and the
// options into the realms.
func (s *Server) initProviderFaults() error {
	for _, r := range s.realms {
		faults, err := ParseProviderFaults(r.Attributes[providerFaultsAttribute])
		if err != nil {
			return fmt.Errorf("mockidp: realm %q attribute %s: %w", r.Name, providerFaultsAttribute, err)
		}
		r.addFaults(faults)
	}
	for _, rf := range s.cfg.providerFaults {
		r, ok := s.realms[rf.realm]
		if !ok {
			return fmt.Errorf("mockidp: WithProviderFaults: realm %q not found", rf.realm)
		}
		for _, f := range rf.faults {
			if !slices.Contains(ProviderFaults, f) {
				return fmt.Errorf("mockidp: WithProviderFaults: unknown provider fault %q", f)
			}
		}
		r.addFaults(rf.faults)
	}
	for _, r := range s.realms {
		if len(r.faults) > 0 {
			s.log.Warn("realm runs with provider faults, a testing aid: it no longer behaves like Keycloak",
				"realm", r.Name, "faults", r.FaultNames())
		}
	}
	return nil
}

func (r *Realm) addFaults(faults []ProviderFault) {
	if len(faults) == 0 {
		return
	}
	if r.faults == nil {
		r.faults = faultSet{}
	}
	for _, f := range faults {
		r.faults[f] = true
	}
}

// hasFault reports whether the realm runs with fault f.
func (r *Realm) hasFault(f ProviderFault) bool { return r.faults[f] }

// FaultNames returns the realm's provider faults, sorted.
func (r *Realm) FaultNames() []string {
	names := make([]string, 0, len(r.faults))
	for f := range r.faults {
		names = append(names, string(f))
	}
	slices.Sort(names)
	return names
}

// providerFault reports whether realm runs with fault f.
func (s *Server) providerFault(r *Realm, f ProviderFault) bool { return r != nil && r.faults[f] }
