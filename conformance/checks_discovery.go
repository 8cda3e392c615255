package conformance

import (
	"encoding/json"
	"net"
	"net/url"
	"slices"
	"strings"
)

// The Config OP plan's single module, oidcc-discovery-endpoint-verification,
// and the metadata rules it shares with the logout plans.

// discoveryChecks returns the Config OP plan's module.
func discoveryChecks() []*Check {
	return []*Check{
		oidcCheck("oidcc-discovery-endpoint-verification", "Discovery document is complete, typed and consistent",
			"OpenID Connect Discovery 1.0 sections 3 and 4", verifyDiscovery),
	}
}

// isLoopbackHost reports whether a URL's host is a loopback address or
// localhost, where plain http is acceptable for testing.
func isLoopbackHost(u *url.URL) bool {
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// checkEndpointURLs requires an absolute https URL for each named metadata
// member. Plain http is accepted on loopback hosts, with one log line, so
// that local emulators can be graded; the OpenID suite requires https
// everywhere.
func checkEndpointURLs(c *C, urls map[string]string) {
	names := make([]string, 0, len(urls))
	for name := range urls {
		names = append(names, name)
	}
	slices.Sort(names)
	var plain []string
	for _, name := range names {
		raw := urls[name]
		u, err := url.Parse(raw)
		if err != nil || !u.IsAbs() || u.Host == "" {
			c.Errorf("%s = %q is not an absolute URL", name, raw)
			continue
		}
		switch {
		case u.Scheme == "https":
		case u.Scheme == "http" && isLoopbackHost(u):
			plain = append(plain, name)
		default:
			c.Errorf("%s = %q does not use https (OpenID Connect Discovery section 3)", name, raw)
		}
	}
	if len(plain) > 0 {
		c.Logf("plain http on a loopback host, accepted for local testing: %s", strings.Join(plain, ", "))
	}
}

// endpointMembers returns the metadata members that hold URLs: issuer and
// every *_endpoint and *_uri string member.
func endpointMembers(d *Discovery) map[string]string {
	out := map[string]string{}
	for name, v := range d.Raw {
		if s, ok := v.(string); ok && (name == "issuer" || strings.HasSuffix(name, "_endpoint") || strings.HasSuffix(name, "_uri")) {
			out[name] = s
		}
	}
	return out
}

// knownArrayMembers are metadata members that must be JSON arrays of
// strings when present (OpenID Connect Discovery section 3, RFC 8414
// section 2, RFC 7009, RFC 7662, OpenID Connect logout specifications).
var knownArrayMembers = []string{
	"scopes_supported", "response_types_supported", "response_modes_supported", "grant_types_supported",
	"acr_values_supported", "subject_types_supported", "id_token_signing_alg_values_supported",
	"id_token_encryption_alg_values_supported", "id_token_encryption_enc_values_supported",
	"userinfo_signing_alg_values_supported", "userinfo_encryption_alg_values_supported",
	"userinfo_encryption_enc_values_supported", "request_object_signing_alg_values_supported",
	"request_object_encryption_alg_values_supported", "request_object_encryption_enc_values_supported",
	"token_endpoint_auth_methods_supported", "token_endpoint_auth_signing_alg_values_supported",
	"display_values_supported", "claim_types_supported", "claims_supported", "claims_locales_supported",
	"ui_locales_supported", "code_challenge_methods_supported", "revocation_endpoint_auth_methods_supported",
	"introspection_endpoint_auth_methods_supported", "prompt_values_supported",
}

// knownBoolMembers are metadata members that must be JSON booleans.
var knownBoolMembers = []string{
	"claims_parameter_supported", "request_parameter_supported", "request_uri_parameter_supported",
	"require_request_uri_registration", "frontchannel_logout_supported", "frontchannel_logout_session_supported",
	"backchannel_logout_supported", "backchannel_logout_session_supported",
	"authorization_response_iss_parameter_supported",
}

// verifyDiscovery implements oidcc-discovery-endpoint-verification.
func verifyDiscovery(c *C) {
	t := c.target
	discURL := t.discoveryURL()
	r := c.Get(discURL)
	if r.Status != 200 {
		c.Fatalf("discovery returned HTTP %d, want 200 (OpenID Connect Discovery section 4.2)", r.Status)
	}
	if mt := r.MediaType(); mt != "application/json" {
		c.Errorf("discovery Content-Type = %q, want application/json", mt)
	}
	d, err := parseDiscovery(r.Body)
	if err != nil {
		c.Fatalf("%v", err)
	}

	// The issuer is the discovery URL minus the well-known suffix, exactly.
	const suffix = "/.well-known/openid-configuration"
	if !strings.HasSuffix(discURL, suffix) {
		c.Errorf("discovery URL %q does not end with %s (OpenID Connect Discovery section 4.1)", discURL, suffix)
	} else if want := strings.TrimSuffix(discURL, suffix); d.Issuer != want {
		c.Errorf("issuer = %q, want %q, the discovery URL without its suffix (OpenID Connect Discovery section 4.3)", d.Issuer, want)
	}
	if t.Issuer != "" && d.Issuer != t.Issuer {
		c.Errorf("issuer = %q, want the configured issuer %q", d.Issuer, t.Issuer)
	}
	if u, err := url.Parse(d.Issuer); err == nil && (u.RawQuery != "" || u.Fragment != "") {
		c.Errorf("issuer %q has a query or fragment (RFC 8414 section 2)", d.Issuer)
	}
	checkEndpointURLs(c, endpointMembers(d))

	// Member types.
	for _, name := range knownArrayMembers {
		if v, ok := d.Raw[name]; ok && !isStringArray(v) {
			c.Errorf("%s is %s, want a JSON array of strings", name, jsonKind(v))
		}
	}
	for _, name := range knownBoolMembers {
		if v, ok := d.Raw[name]; ok {
			if _, isBool := v.(bool); !isBool {
				c.Errorf("%s is %s, want a JSON boolean", name, jsonKind(v))
			}
		}
	}

	// Required members and their values.
	for name, value := range map[string]string{"authorization_endpoint": d.AuthorizationEndpoint, "token_endpoint": d.TokenEndpoint, "jwks_uri": d.JWKSURI} {
		if value == "" {
			c.Errorf("required member %s is missing (OpenID Connect Discovery section 3)", name)
		}
	}
	if d.UserinfoEndpoint == "" {
		c.Warnf("userinfo_endpoint is missing; OpenID Connect Discovery section 3 recommends it")
	}
	if !slices.ContainsFunc(d.ResponseTypesSupported, func(s string) bool {
		return slices.Contains(strings.Fields(s), "code") || strings.Contains(s, "id_token")
	}) {
		c.Errorf("response_types_supported = %v has no OpenID Connect response type", d.ResponseTypesSupported)
	}
	if !slices.Contains(d.SubjectTypesSupported, "public") && !slices.Contains(d.SubjectTypesSupported, "pairwise") {
		c.Errorf("subject_types_supported = %v contains neither public nor pairwise", d.SubjectTypesSupported)
	}
	if !slices.Contains(d.IDTokenSigningAlgValuesSupported, "RS256") {
		c.Errorf("id_token_signing_alg_values_supported = %v lacks RS256 (OpenID Connect Discovery section 3)", d.IDTokenSigningAlgValuesSupported)
	}
	if algs := d.RequestObjectSigningAlgs; len(algs) > 0 && !slices.Contains(algs, "RS256") {
		c.Warnf("request_object_signing_alg_values_supported = %v lacks RS256", algs)
	}
	if _, ok := d.Raw["claims_supported"]; !ok {
		c.Warnf("claims_supported is missing; OpenID Connect Discovery section 3 recommends it")
	}
	if v, ok := d.Raw["grant_types_supported"]; ok && isStringArray(v) && len(d.GrantTypesSupported) == 0 {
		c.Errorf("grant_types_supported is an empty array")
	}
	if _, ok := d.Raw["scopes_supported"]; !ok {
		c.Warnf("scopes_supported is missing; OpenID Connect Discovery section 3 recommends it")
	} else if !d.SupportsScope("openid") {
		c.Errorf("scopes_supported = %v lacks openid", d.ScopesSupported)
	}
	for _, s := range d.ScopesSupported {
		if !validScopeToken(s) {
			c.Errorf("scope %q has characters outside RFC 6749 section 3.3", s)
		}
	}

	// The JWKS must be well formed; checkKeySet records the details.
	if d.JWKSURI != "" {
		checkKeySet(c, c.KeySet())
	}
}

// validScopeToken reports whether s is a scope-token of RFC 6749 section
// 3.3: one or more of %x21 / %x23-5B / %x5D-7E.
func validScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < 0x21 || r > 0x7e || r == '"' || r == '\\' {
			return false
		}
	}
	return true
}

// isStringArray reports whether v is a JSON array of strings.
func isStringArray(v any) bool {
	a, ok := v.([]any)
	if !ok {
		return false
	}
	for _, e := range a {
		if _, ok := e.(string); !ok {
			return false
		}
	}
	return true
}

// jsonKind names the JSON type of a decoded value.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	default:
		return "an unknown type"
	}
}
