package conformance

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
)

// Keycloak 26 profile: paths, token shapes and exact error texts that
// clients of Keycloak rely on. Every expectation names the Keycloak
// behaviour it pins.

// keycloakCheck returns a MUST-level check of the keycloak profile.
func keycloakCheck(id, title, spec string, run func(c *C)) *Check {
	return &Check{ID: id, Title: title, Spec: spec, Severity: SeverityMust, Profile: ProfileKeycloak, Run: run}
}

// requireRealm returns the realm name or skips for non-Keycloak issuers.
func requireRealm(c *C) string {
	realm := c.target.Realm()
	if realm == "" {
		c.Skipf("the issuer %q has no /realms/{realm} path", c.target.Issuer)
	}
	return realm
}

// expectError checks a JSON error body against Keycloak's exact status,
// code and description.
func expectError(c *C, r *Response, status int, code, description string) {
	if r.Status != status {
		c.Errorf("HTTP status = %d, want %d", r.Status, status)
	}
	m, err := r.Object()
	if err != nil {
		c.Fatalf("%v", err)
	}
	if got, _ := m["error"].(string); got != code {
		c.Errorf("error = %q, want %q", got, code)
	}
	if got, _ := m["error_description"].(string); got != description {
		c.Errorf("error_description = %q, want %q", got, description)
	}
}

// passwordGrant posts a password grant for user as the second client, which
// has direct access grants in the demo realm.
func passwordGrant(c *C, user User, scope string) *Response {
	cl := c.target.SecondClient
	if cl.ID == "" {
		c.Skipf("no second client configured for the password grant")
	}
	form := url.Values{"grant_type": {"password"}, "username": {user.Username}, "password": {user.Password}}
	if scope != "" {
		form.Set("scope", scope)
	}
	return c.TokenRequest(form, cl, AuthFor(cl))
}

// requirePasswordTokens gets tokens with the password grant or skips when
// the second client may not use it.
func requirePasswordTokens(c *C, user User, scope string) *TokenResponse {
	r := passwordGrant(c, user, scope)
	if r.Status == 400 || r.Status == 401 {
		if m, _ := r.Object(); m != nil && m["error"] == "unauthorized_client" {
			c.Skipf("client %q may not use the password grant", c.target.SecondClient.ID)
		}
	}
	return c.RequireTokens(r)
}

func keycloakChecks() []*Check {
	checks := []*Check{
		keycloakCheck("keycloak-endpoint-paths", "Endpoints sit under /realms/{realm}/protocol/openid-connect",
			"Keycloak 26 OIDCLoginProtocolService paths", func(c *C) {
				requireRealm(c)
				d := c.discoveryWithEvidence()
				base := c.target.Issuer + "/protocol/openid-connect"
				for name, pair := range map[string][2]string{
					"authorization_endpoint": {d.AuthorizationEndpoint, base + "/auth"},
					"token_endpoint":         {d.TokenEndpoint, base + "/token"},
					"userinfo_endpoint":      {d.UserinfoEndpoint, base + "/userinfo"},
					"jwks_uri":               {d.JWKSURI, base + "/certs"},
					"end_session_endpoint":   {d.EndSessionEndpoint, base + "/logout"},
					"introspection_endpoint": {d.IntrospectionEndpoint, base + "/token/introspect"},
					"revocation_endpoint":    {d.RevocationEndpoint, base + "/revoke"},
				} {
					if pair[0] != pair[1] {
						c.Errorf("%s = %q, want %q", name, pair[0], pair[1])
					}
				}
			}),
		keycloakCheck("keycloak-discovery-values", "Discovery lists Keycloak's grant types, PKCE methods and flags",
			"Keycloak 26 OIDCWellKnownProvider", func(c *C) {
				requireRealm(c)
				d := c.Discovery()
				for _, g := range []string{"authorization_code", "refresh_token", "password", "client_credentials", "implicit"} {
					if !slices.Contains(d.GrantTypesSupported, g) {
						c.Errorf("grant_types_supported lacks %q", g)
					}
				}
				if !slices.Equal(d.CodeChallengeMethodsSupported, []string{"plain", "S256"}) {
					c.Errorf("code_challenge_methods_supported = %v, want [plain S256]", d.CodeChallengeMethodsSupported)
				}
				for _, flag := range []string{"backchannel_logout_supported", "frontchannel_logout_supported", "authorization_response_iss_parameter_supported", "request_parameter_supported", "claims_parameter_supported"} {
					if d.Raw[flag] != true {
						c.Errorf("%s = %v, want true", flag, d.Raw[flag])
					}
				}
				if len(d.ScopesSupported) == 0 || d.ScopesSupported[0] != "openid" {
					c.Errorf("scopes_supported = %v, want openid first", d.ScopesSupported)
				}
				if cc := c.Get(c.target.discoveryURL()).Header.Get("Cache-Control"); !strings.Contains(cc, "no-cache") {
					c.Errorf("discovery Cache-Control = %q, want no-cache", cc)
				}
			}),
		keycloakCheck("keycloak-oauth-authorization-server-metadata", "The oauth-authorization-server document equals the OpenID one",
			"Keycloak 25+ OAuth2WellKnownProvider", func(c *C) {
				requireRealm(c)
				r1 := c.Get(c.target.Issuer + "/.well-known/openid-configuration")
				r2 := c.Get(c.target.Issuer + "/.well-known/oauth-authorization-server")
				if r2.Status != 200 {
					c.Fatalf("HTTP status = %d, want 200", r2.Status)
				}
				var a, b map[string]any
				if json.Unmarshal(r1.Body, &a) != nil || json.Unmarshal(r2.Body, &b) != nil {
					c.Fatalf("a metadata document is not JSON")
				}
				for k := range a {
					if _, ok := b[k]; !ok {
						c.Errorf("oauth-authorization-server lacks %q", k)
					}
				}
			}),
		keycloakCheck("keycloak-unknown-realm", "An unknown realm answers 404", "Keycloak 26 RealmsResource", func(c *C) {
			realm := requireRealm(c)
			base := strings.TrimSuffix(c.target.Issuer, "/realms/"+realm)
			r := c.Get(base + "/realms/no-such-realm-" + strings.ToLower(randomToken(4)) + "/.well-known/openid-configuration")
			if r.Status != 404 {
				c.Errorf("HTTP status = %d, want 404", r.Status)
			}
		}),
		keycloakCheck("keycloak-jwks-shape", "JWKS has an RS256 signing key with x5c, x5t and x5t#S256 and a 43-character kid",
			"Keycloak 24+ JWKBuilder", func(c *C) {
				requireRealm(c)
				ks := c.KeySet()
				found := false
				for _, m := range ks.Raw {
					if m["use"] != "sig" || m["alg"] != "RS256" {
						continue
					}
					found = true
					for _, member := range []string{"kid", "n", "e", "x5c", "x5t", "x5t#S256"} {
						if _, ok := m[member]; !ok {
							c.Errorf("RS256 key lacks %q", member)
						}
					}
					if kid, _ := m["kid"].(string); len(kid) != 43 {
						c.Errorf("kid %q has %d characters, want 43 (base64url SHA-256 of the key)", kid, len(kid))
					}
				}
				if !found {
					c.Errorf("no key with use sig and alg RS256")
				}
			}),
		keycloakCheck("keycloak-client-credentials-response", "client_credentials response has Keycloak's members and no refresh token",
			"Keycloak 26 AccessTokenResponse", func(c *C) {
				requireRealm(c)
				tr := c.ClientCredentials()
				if n, ok := numberClaim(tr.Raw, "refresh_expires_in"); !ok || n != 0 {
					c.Errorf("refresh_expires_in = %v, want 0", tr.Raw["refresh_expires_in"])
				}
				if n, ok := numberClaim(tr.Raw, "not-before-policy"); !ok || n != 0 {
					c.Errorf("not-before-policy = %v, want 0", tr.Raw["not-before-policy"])
				}
				if tr.TokenType != "Bearer" {
					c.Errorf("token_type = %q, want Bearer", tr.TokenType)
				}
				if tr.RefreshToken != "" || tr.IDToken != "" {
					c.Errorf("the response carries a refresh token or an ID token")
				}
				if tr.ExpiresIn == nil || *tr.ExpiresIn != 300 {
					c.Warnf("expires_in = %v, Keycloak's default access token lifespan is 300", tr.Raw["expires_in"])
				}
			}),
		keycloakCheck("keycloak-user-tokens", "User tokens: typ claims, aud, sid, nonce only in the ID token, no session_state claim",
			"Keycloak 25+ token layout (upgrade notes 25.0)", func(c *C) {
				requireRealm(c)
				f := c.CodeFlow(c.NewAuthRequest("openid"))
				_, at := accessTokenClaims(c, f.Tokens.AccessToken)
				id := f.IDClaims.Claims
				cl := f.Request.Client
				if at["typ"] != "Bearer" || id["typ"] != "ID" {
					c.Errorf("typ claims = %v (access) and %v (ID), want Bearer and ID", at["typ"], id["typ"])
				}
				if at["azp"] != cl.ID || id["azp"] != cl.ID {
					c.Errorf("azp = %v and %v, want %q", at["azp"], id["azp"], cl.ID)
				}
				if aud, ok := id["aud"].(string); !ok || aud != cl.ID {
					c.Errorf("ID token aud = %v, want the string %q", id["aud"], cl.ID)
				}
				if _, ok := at["nonce"]; ok {
					c.Errorf("the access token carries nonce; Keycloak 25+ puts it only in the ID token")
				}
				for name, claims := range map[string]map[string]any{"access token": at, "ID token": id} {
					if _, ok := claims["session_state"]; ok {
						c.Errorf("the %s carries session_state; Keycloak 25 removed the claim", name)
					}
					if sid, _ := claims["sid"].(string); sid == "" {
						c.Errorf("the %s has no sid", name)
					}
				}
				if at["sid"] != id["sid"] {
					c.Errorf("sid differs between access token %v and ID token %v", at["sid"], id["sid"])
				}
				if _, ok := id["at_hash"]; !ok {
					c.Errorf("the ID token has no at_hash")
				}
				if _, ok := f.Tokens.Raw["session_state"].(string); !ok {
					c.Errorf("the token response has no session_state")
				}
				if f.Tokens.RefreshToken != "" {
					checkKeycloakRefreshToken(c, f.Tokens.RefreshToken, cl.ID)
				}
			}),
		keycloakCheck("keycloak-authorization-response", "The authorization response carries state, session_state, iss and code",
			"Keycloak 24+ OIDCLoginProtocol.authenticated", func(c *C) {
				requireRealm(c)
				f := c.CodeFlow(c.NewAuthRequest("openid"))
				for _, p := range []string{"state", "session_state", "iss", "code"} {
					if f.Landing.Params.Get(p) == "" {
						c.Errorf("the redirect lacks %q", p)
					}
				}
				if got := f.Landing.Params.Get("session_state"); got != "" && got != f.Tokens.Raw["session_state"] {
					c.Errorf("session_state %q differs from the token response's %v", got, f.Tokens.Raw["session_state"])
				}
			}),
	}
	checks = append(checks, keycloakTokenChecks()...)
	checks = append(checks, keycloakErrorChecks()...)
	checks = append(checks, keycloakPageChecks()...)
	return checks
}
