package conformance

import (
	"net/url"
	"slices"
	"strings"
)

// Keycloak 26's token, userinfo, introspection and revocation error
// bodies, with the exact descriptions clients match on.

// errorCase is one request whose Keycloak error response is pinned.
type errorCase struct {
	id, title   string
	status      int
	code, descr string
	// send performs the request; it may skip.
	send func(c *C) *Response
}

// requireGrant skips the check when grant_types_supported is present and
// lacks grant.
func requireGrant(c *C, grant string) {
	if gt := c.Discovery().GrantTypesSupported; len(gt) > 0 && !slices.Contains(gt, grant) {
		c.Skipf("grant_types_supported does not list %s", grant)
	}
}

// tokenForm posts form to the token endpoint as cl.
func tokenForm(c *C, cl Client, form url.Values) *Response {
	return c.TokenRequest(form, cl, AuthFor(cl))
}

func keycloakErrorCases() []errorCase {
	return []errorCase{
		{"keycloak-error-unsupported-grant-type", "Unknown grant_type", 400, "unsupported_grant_type", "Unsupported grant_type",
			func(c *C) *Response {
				return tokenForm(c, requireConfidential(c), url.Values{"grant_type": {"urn:example:unknown"}})
			}},
		{"keycloak-error-missing-grant-type", "Missing grant_type", 400, "invalid_request", "Missing form parameter: grant_type",
			func(c *C) *Response { return tokenForm(c, requireConfidential(c), url.Values{}) }},
		{"keycloak-error-wrong-client-secret", "Wrong client secret", 401, "unauthorized_client", "Invalid client or Invalid client credentials",
			func(c *C) *Response {
				cl := requireConfidential(c)
				cl.Secret = "wrong-" + randomToken(6)
				return tokenForm(c, cl, url.Values{"grant_type": {"client_credentials"}})
			}},
		{"keycloak-error-unknown-client", "Unknown client_id", 401, "invalid_client", "Invalid client or Invalid client credentials",
			func(c *C) *Response {
				return tokenForm(c, Client{ID: "no-such-client-" + randomToken(4), Secret: "x"}, url.Values{"grant_type": {"client_credentials"}})
			}},
		{"keycloak-error-missing-client-id", "No client identification at all", 400, "invalid_client", "Missing client_id parameter",
			func(c *C) *Response {
				return c.TokenRequest(url.Values{"grant_type": {"client_credentials"}}, Client{}, AuthNone)
			}},
		{"keycloak-error-public-client-credentials", "client_credentials by a public client", 401, "unauthorized_client", "Public client not allowed to retrieve service account",
			func(c *C) *Response {
				return tokenForm(c, c.target.PublicClient, url.Values{"grant_type": {"client_credentials"}})
			}},
		{"keycloak-error-direct-grant-disabled", "Password grant by a client without direct access grants", 400, "unauthorized_client", "Client not allowed for direct access grants",
			func(c *C) *Response {
				u := c.target.User
				return tokenForm(c, c.target.PublicClient, url.Values{"grant_type": {"password"}, "username": {u.Username}, "password": {u.Password}})
			}},
		{"keycloak-error-invalid-user-credentials", "Password grant with a wrong password", 401, "invalid_grant", "Invalid user credentials",
			func(c *C) *Response {
				return passwordGrant(c, User{Username: c.target.User.Username, Password: "wrong-" + randomToken(6)}, "openid")
			}},
		{"keycloak-error-invalid-scope", "Password grant with an unknown scope", 400, "invalid_scope", "Invalid scopes: openid no-such-scope",
			func(c *C) *Response { return passwordGrant(c, c.target.User, "openid no-such-scope") }},
		{"keycloak-error-missing-refresh-token", "refresh_token grant without a token", 400, "invalid_request", "No refresh token",
			func(c *C) *Response {
				return tokenForm(c, c.target.PublicClient, url.Values{"grant_type": {"refresh_token"}})
			}},
		{"keycloak-error-invalid-refresh-token", "refresh_token grant with garbage", 400, "invalid_grant", "Invalid refresh token",
			func(c *C) *Response {
				return tokenForm(c, c.target.PublicClient, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"garbage." + randomToken(8)}})
			}},
		{"keycloak-error-missing-code", "authorization_code grant without a code", 400, "invalid_request", "Missing parameter: code",
			func(c *C) *Response {
				requireGrant(c, "authorization_code")
				return tokenForm(c, c.target.PublicClient, url.Values{"grant_type": {"authorization_code"}, "redirect_uri": {c.target.PublicClient.RedirectURI}})
			}},
		{"keycloak-error-code-not-valid", "authorization_code grant with an unknown code", 400, "invalid_grant", "Code not valid",
			func(c *C) *Response {
				requireGrant(c, "authorization_code")
				return tokenForm(c, c.target.PublicClient, url.Values{"grant_type": {"authorization_code"}, "code": {randomToken(24)},
					"redirect_uri": {c.target.PublicClient.RedirectURI}, "code_verifier": {randomToken(32)}})
			}},
		{"keycloak-error-pkce-verification-failed", "Wrong PKCE verifier", 400, "invalid_grant", "PKCE verification failed",
			func(c *C) *Response {
				a := c.NewAuthRequest("openid")
				code := c.LoginCode(a)
				a.Verifier = randomToken(32)
				return c.RedeemCode(a, code)
			}},
		{"keycloak-error-pkce-verifier-missing", "Missing PKCE verifier", 400, "invalid_grant", "PKCE code verifier not specified",
			func(c *C) *Response {
				a := c.NewAuthRequest("openid")
				code := c.LoginCode(a)
				a.Verifier = ""
				return c.RedeemCode(a, code)
			}},
		{"keycloak-error-incorrect-redirect-uri", "Code redeemed with another redirect_uri", 400, "invalid_grant", "Incorrect redirect_uri",
			func(c *C) *Response {
				a := c.NewAuthRequest("openid")
				code := c.LoginCode(a)
				a.Params.Set("redirect_uri", addQuery(a.Params.Get("redirect_uri"), "other", "1"))
				return c.RedeemCode(a, code)
			}},
		{"keycloak-error-introspection-missing-token", "Introspection without a token", 400, "invalid_request", "Token not provided.",
			func(c *C) *Response {
				endpoint := c.requireEndpoint("introspection_endpoint", c.Discovery().IntrospectionEndpoint)
				return c.PostForm(endpoint, url.Values{}, requireConfidential(c), AuthBasic)
			}},
		{"keycloak-error-revocation-missing-token", "Revocation without a token", 400, "invalid_request", "Token not provided",
			func(c *C) *Response {
				endpoint := c.requireEndpoint("revocation_endpoint", c.Discovery().RevocationEndpoint)
				return c.PostForm(endpoint, url.Values{}, requireConfidential(c), AuthBasic)
			}},
	}
}

// keycloakErrorChecks turns the error cases into checks and adds the
// userinfo, introspection, revocation and logout shapes.
func keycloakErrorChecks() []*Check {
	var out []*Check
	for _, ec := range keycloakErrorCases() {
		out = append(out, keycloakCheck(ec.id, ec.title+": "+ec.code+" \""+ec.descr+"\"", "Keycloak 26 error responses", func(c *C) {
			requireRealm(c)
			expectError(c, ec.send(c), ec.status, ec.code, ec.descr)
		}))
	}
	return append(out,
		keycloakCheck("keycloak-userinfo-invalid-token", "Userinfo challenge for a bad token names the realm and Token verification failed",
			"Keycloak 26 UserInfoEndpoint", func(c *C) {
				realm := requireRealm(c)
				r := c.Userinfo("not-a-token", userinfoGet)
				want := `Bearer realm="` + realm + `", error="invalid_token", error_description="Token verification failed"`
				if r.Status != 401 {
					c.Errorf("HTTP status = %d, want 401", r.Status)
				}
				if got := r.Header.Get("WWW-Authenticate"); got != want {
					c.Errorf("WWW-Authenticate = %q, want %q", got, want)
				}
			}),
		keycloakCheck("keycloak-userinfo-missing-openid-scope", "Userinfo with a token without openid answers 403 Missing openid scope",
			"Keycloak 26 UserInfoEndpoint", func(c *C) {
				realm := requireRealm(c)
				tr := requirePasswordTokens(c, c.target.User, "profile")
				r := c.Userinfo(tr.AccessToken, userinfoGet)
				want := `Bearer realm="` + realm + `", error="insufficient_scope", error_description="Missing openid scope"`
				if r.Status != 403 {
					c.Errorf("HTTP status = %d, want 403", r.Status)
				}
				if got := r.Header.Get("WWW-Authenticate"); got != want {
					c.Errorf("WWW-Authenticate = %q, want %q", got, want)
				}
			}),
		keycloakCheck("keycloak-introspection-inactive", "Introspection of an unknown token returns exactly {\"active\":false}",
			"Keycloak 26 TokenIntrospectionEndpoint", func(c *C) {
				requireRealm(c)
				r := c.Introspect(randomToken(24), requireConfidential(c), AuthBasic)
				if got := strings.TrimSpace(string(r.Body)); r.Status != 200 || got != `{"active":false}` {
					c.Errorf("HTTP %d %q, want HTTP 200 {\"active\":false}", r.Status, excerpt(got, 80))
				}
			}),
		keycloakCheck("keycloak-revocation-empty-body", "Revoking a valid token answers 200 with an empty body",
			"Keycloak 26 TokenRevocationEndpoint", func(c *C) {
				requireRealm(c)
				tr := requirePasswordTokens(c, c.target.User, "openid")
				r := c.Revoke(tr.RefreshToken, "refresh_token", c.target.SecondClient)
				if r.Status != 200 || len(r.Body) != 0 {
					c.Errorf("HTTP %d with %d body bytes, want 200 with an empty body", r.Status, len(r.Body))
				}
			}),
		keycloakCheck("keycloak-logout-refresh-token", "POST logout with a refresh token answers 204 and ends the session",
			"Keycloak 26 LogoutEndpoint (non-browser logout)", func(c *C) {
				requireRealm(c)
				tr := requirePasswordTokens(c, c.target.User, "openid")
				cl := c.target.SecondClient
				endpoint := c.requireEndpoint("end_session_endpoint", c.Discovery().EndSessionEndpoint)
				r := c.PostForm(endpoint, url.Values{"refresh_token": {tr.RefreshToken}}, cl, AuthFor(cl))
				if r.Status != 204 {
					c.Fatalf("HTTP status = %d, want 204", r.Status)
				}
				rr := tokenForm(c, cl, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tr.RefreshToken}})
				expectError(c, rr, 400, "invalid_grant", "Session not active")
			}),
	)
}
