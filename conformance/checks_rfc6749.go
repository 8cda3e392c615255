package conformance

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// RFC 6749 (OAuth 2.0) checks beyond the OpenID plans.

// rfcCheck returns a check of the oidc profile with the given severity.
func rfcCheck(id, title, spec string, sev Severity, run func(c *C)) *Check {
	return &Check{ID: id, Title: title, Spec: spec, Severity: sev, Profile: ProfileOIDC, Run: run}
}

// requireConfidential returns the confidential client or skips.
func requireConfidential(c *C) Client {
	cl := c.target.ConfidentialClient
	if cl.ID == "" || cl.Secret == "" {
		c.Skipf("no confidential client with a secret configured")
	}
	return cl
}

// ClientCredentials gets a token for the confidential client, or skips when
// there is none or the provider does not advertise the grant.
func (c *C) ClientCredentials() *TokenResponse {
	cl := requireConfidential(c)
	requireGrant(c, "client_credentials")
	return c.RequireTokens(c.TokenRequest(url.Values{"grant_type": {"client_credentials"}}, cl, AuthBasic))
}

// rfcChecks returns every RFC-level check.
func rfcChecks() []*Check {
	var out []*Check
	for _, group := range [][]*Check{rfc6749Checks(), rfc6750Checks(), rfc7636Checks(), rfc7662Checks(), rfc7009Checks(), rfc8414Checks(), rfc9068Checks(), rfc8252Checks(), jwksChecks()} {
		out = append(out, group...)
	}
	return out
}

func rfc6749Checks() []*Check {
	return []*Check{
		rfcCheck("rfc6749-token-endpoint-requires-post", "Token endpoint refuses GET", "RFC 6749 section 3.2", SeverityMust, func(c *C) {
			r := c.Get(c.Discovery().TokenEndpoint + "?grant_type=client_credentials")
			if r.Status == 200 {
				c.Fatalf("token endpoint returned HTTP 200 for GET")
			}
		}),
		rfcCheck("rfc6749-unsupported-grant-type", "Unknown grant_type gets unsupported_grant_type", "RFC 6749 section 5.2", SeverityMust, func(c *C) {
			cl := requireConfidential(c)
			checkTokenError(c, c.TokenRequest(url.Values{"grant_type": {"urn:example:unknown"}}, cl, AuthBasic), 400, "unsupported_grant_type")
		}),
		rfcCheck("rfc6749-missing-grant-type", "Missing grant_type gets invalid_request", "RFC 6749 section 5.2", SeverityMust, func(c *C) {
			cl := requireConfidential(c)
			checkTokenError(c, c.TokenRequest(url.Values{}, cl, AuthBasic), 400, "invalid_request")
		}),
		rfcCheck("rfc6749-token-duplicate-parameter", "A repeated token request parameter gets invalid_request", "RFC 6749 section 3.2", SeverityShould, func(c *C) {
			cl := requireConfidential(c)
			form := url.Values{"grant_type": {"client_credentials", "client_credentials"}}
			checkTokenError(c, c.TokenRequest(form, cl, AuthBasic), 400, "invalid_request")
		}),
		rfcCheck("rfc6749-invalid-client-secret", "A wrong client secret in Basic gets 401 invalid_client with a challenge",
			"RFC 6749 sections 2.3.1 and 5.2", SeverityMust, func(c *C) {
				cl := requireConfidential(c)
				cl.Secret = "wrong-" + randomToken(6)
				r := c.TokenRequest(url.Values{"grant_type": {"client_credentials"}}, cl, AuthBasic)
				if r.Status != 401 {
					c.Fatalf("HTTP status = %d, want 401", r.Status)
				}
				m, err := r.Object()
				if err != nil {
					c.Fatalf("%v", err)
				}
				switch e, _ := m["error"].(string); e {
				case "invalid_client":
				case "unauthorized_client":
					c.Warnf("error = unauthorized_client, want invalid_client; Keycloak 26 answers this way for a wrong secret")
				default:
					c.Errorf("error = %q, want invalid_client", e)
				}
				if !strings.HasPrefix(strings.ToLower(r.Header.Get("WWW-Authenticate")), "basic") {
					c.Warnf("no WWW-Authenticate: Basic challenge although the client authenticated with Basic (RFC 6749 section 5.2)")
				}
			}),
		rfcCheck("rfc6749-client-secret-basic", "Confidential client authenticates with HTTP Basic", "RFC 6749 section 2.3.1", SeverityMust, func(c *C) {
			c.ClientCredentials()
		}),
		rfcCheck("rfc6749-client-secret-post", "Confidential client authenticates with the secret in the form", "RFC 6749 section 2.3.1", SeverityMust, func(c *C) {
			cl := requireConfidential(c)
			if !slices.Contains(c.Discovery().TokenAuthMethods(), "client_secret_post") {
				c.Skipf("token_endpoint_auth_methods_supported does not list client_secret_post")
			}
			c.RequireTokens(c.TokenRequest(url.Values{"grant_type": {"client_credentials"}}, cl, AuthPost))
		}),
		rfcCheck("rfc6749-token-response-headers", "Token responses carry Cache-Control: no-store and Pragma: no-cache",
			"RFC 6749 section 5.1", SeverityMust, func(c *C) {
				tr := c.ClientCredentials()
				h := tr.Response.Header
				if !strings.Contains(strings.ToLower(h.Get("Cache-Control")), "no-store") {
					c.Errorf("Cache-Control = %q, want no-store", h.Get("Cache-Control"))
				}
				if !strings.Contains(strings.ToLower(h.Get("Pragma")), "no-cache") {
					c.Warnf("Pragma = %q, want no-cache (RFC 6749 requires it; RFC 9700 no longer relies on it)", h.Get("Pragma"))
				}
				if mt := tr.Response.MediaType(); mt != "application/json" {
					c.Errorf("Content-Type = %q, want application/json", mt)
				}
			}),
		rfcCheck("rfc6749-client-credentials-no-refresh-token", "client_credentials issues no refresh token",
			"RFC 6749 section 4.4.3", SeverityShould, func(c *C) {
				if tr := c.ClientCredentials(); tr.RefreshToken != "" {
					c.Errorf("the client_credentials response carries a refresh token")
				}
			}),
		rfcCheck("rfc6749-token-charset", "Access and refresh tokens use printable ASCII only", "RFC 6749 appendices A.12 and A.17", SeverityMust, func(c *C) {
			f := c.CodeFlow(c.NewAuthRequest("openid"))
			for name, tok := range map[string]string{"access_token": f.Tokens.AccessToken, "refresh_token": f.Tokens.RefreshToken} {
				for _, r := range tok {
					if r < 0x20 || r > 0x7e {
						c.Errorf("%s contains %q, outside VSCHAR", name, r)
						break
					}
				}
			}
		}),
		rfcCheck("rfc6749-code-bound-to-redirect-uri", "A code redeemed with another redirect_uri is rejected",
			"RFC 6749 section 4.1.3", SeverityMust, func(c *C) {
				a := c.NewAuthRequest("openid")
				code := c.LoginCode(a)
				other := *a
				other.Params = cloneValues(a.Params)
				other.Params.Set("redirect_uri", addQuery(a.Params.Get("redirect_uri"), "other", "1"))
				r := c.RedeemCode(&other, code)
				if r.Status == 200 {
					c.Fatalf("the provider issued tokens for a different redirect_uri")
				}
				checkTokenError(c, r, 400, "invalid_grant", "invalid_request")
			}),
		rfcCheck("rfc6749-code-bound-to-client", "A code redeemed by another client is rejected",
			"RFC 6749 section 4.1.3", SeverityMust, func(c *C) {
				other := c.target.SecondClient
				if other.ID == "" {
					c.Skipf("no second client configured")
				}
				a := c.NewAuthRequest("openid")
				code := c.LoginCode(a)
				stolen := *a
				stolen.Client = other
				r := c.RedeemCode(&stolen, code)
				if r.Status == 200 {
					c.Fatalf("client %q redeemed a code issued to %q", other.ID, a.Client.ID)
				}
				if r.Status == 401 {
					checkTokenError(c, r, 401, "invalid_client", "unauthorized_client")
					return
				}
				checkTokenError(c, r, 400, "invalid_grant", "unauthorized_client")
			}),
		rfcCheck("rfc6749-refresh-scope-not-widened", "Refresh with a wider scope gets invalid_scope",
			"RFC 6749 section 6", SeverityMust, func(c *C) {
				f := c.CodeFlow(c.NewAuthRequest("openid"))
				if f.Tokens.RefreshToken == "" {
					c.Skipf("no refresh token issued")
				}
				granted := strings.Fields(f.Tokens.Scope)
				if len(granted) == 0 {
					granted = []string{"openid"}
				}
				var extra string
				for _, s := range []string{"address", "phone", "offline_access"} {
					if c.Discovery().SupportsScope(s) && !slices.Contains(granted, s) {
						extra = s
						break
					}
				}
				if extra == "" {
					c.Skipf("scopes_supported offers no scope outside the granted %q", f.Tokens.Scope)
				}
				cl := f.Request.Client
				form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {f.Tokens.RefreshToken},
					"scope": {strings.Join(append(granted, extra), " ")}}
				r := c.TokenRequest(form, cl, AuthFor(cl))
				if r.Status == 200 {
					tr, _ := decodeTokenResponse(r)
					if tr != nil && slices.Contains(strings.Fields(tr.Scope), extra) {
						c.Fatalf("refresh widened the scope to %q", tr.Scope)
					}
					c.Warnf("refresh ignored the wider scope instead of rejecting it")
					return
				}
				checkTokenError(c, r, 400, "invalid_scope")
			}),
		rfcCheck("rfc6749-unknown-response-type", "Unknown response_type gets unsupported_response_type",
			"RFC 6749 section 4.1.2.1", SeverityMust, func(c *C) {
				a := c.NewAuthRequest("openid")
				a.Params.Set("response_type", "bogus")
				user := c.target.User
				l := c.Authorize(c.NewBrowser(), a, &user)
				if checkErrorRedirect(c, l, a, "unsupported_response_type", "invalid_request") {
					return
				}
				if !l.IsErrorPage() {
					c.Fatalf("expected an error redirect or error page, got %s", l.describe())
				}
			}),
	}
}

// bearerChallenge parses a WWW-Authenticate Bearer challenge into its
// scheme and auth-params (RFC 7235 section 2.1, RFC 6750 section 3).
func bearerChallenge(h http.Header) (scheme string, params map[string]string) {
	v := h.Get("WWW-Authenticate")
	scheme, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
	params = map[string]string{}
	for rest = strings.TrimSpace(rest); rest != ""; {
		var key string
		key, rest, _ = strings.Cut(rest, "=")
		key = strings.ToLower(strings.TrimSpace(key))
		rest = strings.TrimSpace(rest)
		var val string
		if strings.HasPrefix(rest, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(rest) && rest[i] != '"'; i++ {
				if rest[i] == '\\' && i+1 < len(rest) {
					i++
				}
				b.WriteByte(rest[i])
			}
			val = b.String()
			rest = rest[min(i+1, len(rest)):]
		} else {
			val, rest, _ = strings.Cut(rest, ",")
			val = strings.TrimSpace(val)
			rest = "," + rest
		}
		params[key] = val
		rest = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), ","))
	}
	return scheme, params
}
