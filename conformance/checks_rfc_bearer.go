package conformance

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// RFC 6750 (bearer token usage) and RFC 7636 (PKCE) checks.

// tamper flips one character in the middle of a token's signature so that
// it no longer verifies. The last character would not do: in base64url it
// may carry only padding bits, which decoders ignore.
func tamper(token string) string {
	if len(token) < 16 {
		return "invalid." + token
	}
	i := len(token) - 10
	repl := byte('A')
	if token[i] == 'A' {
		repl = 'B'
	}
	return token[:i] + string(repl) + token[i+1:]
}

func rfc6750Checks() []*Check {
	return []*Check{
		rfcCheck("rfc6750-missing-token", "A protected resource without a token answers 401 with a bare Bearer challenge",
			"RFC 6750 section 3", SeverityMust, func(c *C) {
				r := c.Get(c.requireEndpoint("userinfo_endpoint", c.Discovery().UserinfoEndpoint))
				if r.Status != 401 {
					c.Errorf("HTTP status = %d, want 401", r.Status)
				}
				scheme, params := bearerChallenge(r.Header)
				if !strings.EqualFold(scheme, "Bearer") {
					c.Fatalf("WWW-Authenticate = %q, want a Bearer challenge", r.Header.Get("WWW-Authenticate"))
				}
				if e, ok := params["error"]; ok {
					c.Warnf("the challenge carries error=%q although the request had no credentials (RFC 6750 section 3.1 says SHOULD NOT)", e)
				}
			}),
		rfcCheck("rfc6750-invalid-token", "A tampered token answers 401 with error=\"invalid_token\"",
			"RFC 6750 section 3.1", SeverityMust, func(c *C) {
				f := c.CodeFlow(c.NewAuthRequest("openid"))
				r := c.Userinfo(tamper(f.Tokens.AccessToken), userinfoGet)
				if r.Status != 401 {
					c.Errorf("HTTP status = %d, want 401", r.Status)
				}
				scheme, params := bearerChallenge(r.Header)
				if !strings.EqualFold(scheme, "Bearer") || params["error"] != "invalid_token" {
					c.Errorf("WWW-Authenticate = %q, want Bearer with error=\"invalid_token\"", r.Header.Get("WWW-Authenticate"))
				}
			}),
		rfcCheck("rfc6750-two-methods-rejected", "A token sent in the header and the body at once gets invalid_request",
			"RFC 6750 sections 2 and 3.1", SeverityShould, func(c *C) {
				f := c.CodeFlow(c.NewAuthRequest("openid"))
				endpoint := c.requireEndpoint("userinfo_endpoint", c.Discovery().UserinfoEndpoint)
				body := url.Values{"access_token": {f.Tokens.AccessToken}}.Encode()
				req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(body))
				if err != nil {
					c.Fatalf("%v", err)
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Authorization", "Bearer "+f.Tokens.AccessToken)
				r := c.Do(req, nil)
				if r.Status != 400 {
					c.Errorf("HTTP status = %d, want 400", r.Status)
				}
				if _, params := bearerChallenge(r.Header); params["error"] != "invalid_request" {
					m, _ := r.Object()
					if m == nil || m["error"] != "invalid_request" {
						c.Errorf("no invalid_request error in the challenge or body")
					}
				}
			}),
	}
}

// pkceFlowCode runs the authorization step with a custom challenge and
// returns the request and the code.
func pkceFlowCode(c *C, challenge, method string) (*AuthRequest, string) {
	a := c.NewAuthRequest("openid")
	a.Params.Set("code_challenge", challenge)
	a.Params.Set("code_challenge_method", method)
	code := c.LoginCode(a)
	return a, code
}

func rfc7636Checks() []*Check {
	return []*Check{
		rfcCheck("rfc7636-metadata-s256", "Metadata lists S256 in code_challenge_methods_supported",
			"RFC 7636 section 4.2 and RFC 8414 section 2", SeverityMust, func(c *C) {
				methods := c.discoveryWithEvidence().CodeChallengeMethodsSupported
				if len(methods) == 0 {
					c.Skipf("code_challenge_methods_supported is absent, which RFC 8414 reads as no PKCE support")
				}
				if !slices.Contains(methods, "S256") {
					c.Errorf("code_challenge_methods_supported = %v lacks S256, which servers must support", methods)
				}
			}),
		rfcCheck("rfc7636-wrong-verifier", "A wrong code_verifier gets invalid_grant", "RFC 7636 section 4.6", SeverityMust, func(c *C) {
			a := c.NewAuthRequest("openid")
			code := c.LoginCode(a)
			a.Verifier = randomToken(32)
			r := c.RedeemCode(a, code)
			if r.Status == 200 {
				c.Fatalf("the provider accepted a wrong code_verifier")
			}
			checkTokenError(c, r, 400, "invalid_grant")
		}),
		rfcCheck("rfc7636-missing-verifier", "A missing code_verifier is rejected", "RFC 7636 section 4.5", SeverityMust, func(c *C) {
			a := c.NewAuthRequest("openid")
			code := c.LoginCode(a)
			a.Verifier = ""
			r := c.RedeemCode(a, code)
			if r.Status == 200 {
				c.Fatalf("the provider issued tokens without the code_verifier")
			}
			checkTokenError(c, r, 400, "invalid_grant", "invalid_request")
		}),
		rfcCheck("rfc7636-short-verifier", "A 42-character verifier is rejected even when it matches",
			"RFC 7636 section 4.1", SeverityMust, func(c *C) {
				verifier := strings.Repeat("v", 42)
				a, code := pkceFlowCode(c, s256(verifier), "S256")
				a.Verifier = verifier
				r := c.RedeemCode(a, code)
				if r.Status == 200 {
					c.Fatalf("the provider accepted a %d-character code_verifier", len(verifier))
				}
				checkTokenError(c, r, 400, "invalid_grant", "invalid_request")
			}),
		rfcCheck("rfc7636-unsupported-method", "An unknown code_challenge_method is rejected",
			"RFC 7636 section 4.4.1", SeverityMust, func(c *C) {
				a := c.NewAuthRequest("openid")
				a.Params.Set("code_challenge_method", "S512")
				user := c.target.User
				l := c.Authorize(c.NewBrowser(), a, &user)
				if l.Params.Get("code") != "" {
					c.Fatalf("the provider issued a code for code_challenge_method=S512")
				}
				if checkErrorRedirect(c, l, a, "invalid_request") {
					return
				}
				if !l.IsErrorPage() {
					c.Fatalf("expected an invalid_request redirect or an error page, got %s", l.describe())
				}
			}),
	}
}

// Introspect posts token to the introspection endpoint as cl.
func (c *C) Introspect(token string, cl Client, auth Auth) *Response {
	endpoint := c.requireEndpoint("introspection_endpoint", c.Discovery().IntrospectionEndpoint)
	return c.PostForm(endpoint, url.Values{"token": {token}}, cl, auth)
}

// introspection decodes an introspection response and checks its status
// and the type of active.
func introspection(c *C, r *Response) map[string]any {
	if r.Status != 200 {
		c.Fatalf("introspection returned HTTP %d, want 200", r.Status)
	}
	m, err := r.Object()
	if err != nil {
		c.Fatalf("%v", err)
	}
	if _, ok := m["active"].(bool); !ok {
		c.Fatalf("active is %s, want a JSON boolean (RFC 7662 section 2.2)", jsonKind(m["active"]))
	}
	return m
}

func rfc7662Checks() []*Check {
	return []*Check{
		rfcCheck("rfc7662-active-token", "Introspection reports a fresh token as active with its claims",
			"RFC 7662 section 2.2", SeverityMust, func(c *C) {
				tr := c.ClientCredentials()
				cl := c.target.ConfidentialClient
				m := introspection(c, c.Introspect(tr.AccessToken, cl, AuthBasic))
				if m["active"] != true {
					c.Fatalf("active = %v for a token issued a moment ago", m["active"])
				}
				if id, ok := m["client_id"].(string); ok && id != cl.ID {
					c.Errorf("client_id = %q, want %q", id, cl.ID)
				}
				if _, ok := numberClaim(m, "exp"); !ok {
					c.Warnf("the response has no numeric exp")
				}
			}),
		rfcCheck("rfc7662-unknown-token", "Introspection of an unknown token returns only active false",
			"RFC 7662 section 2.2", SeverityMust, func(c *C) {
				cl := requireConfidential(c)
				m := introspection(c, c.Introspect("unknown-"+randomToken(24), cl, AuthBasic))
				if m["active"] != false {
					c.Fatalf("active = %v for an unknown token", m["active"])
				}
				if len(m) > 1 {
					c.Warnf("the inactive response has %d members; RFC 7662 section 2.2 says it SHOULD NOT have others", len(m)-1)
				}
			}),
		rfcCheck("rfc7662-requires-client-authentication", "Introspection without client credentials is refused",
			"RFC 7662 section 2.1", SeverityMust, func(c *C) {
				tr := c.ClientCredentials()
				r := c.Introspect(tr.AccessToken, Client{}, AuthNone)
				if r.Status == 200 {
					m, _ := r.Object()
					if m != nil && m["active"] == true {
						c.Fatalf("introspection returned active true to an unauthenticated caller")
					}
					c.Errorf("introspection returned HTTP 200 to an unauthenticated caller")
					return
				}
				if r.Status != 401 && r.Status != 400 && r.Status != 403 {
					c.Errorf("HTTP status = %d, want 401", r.Status)
				}
			}),
		rfcCheck("rfc7662-wrong-secret", "Introspection with a wrong client secret answers 401",
			"RFC 7662 section 2.3", SeverityMust, func(c *C) {
				cl := requireConfidential(c)
				c.requireEndpoint("introspection_endpoint", c.Discovery().IntrospectionEndpoint)
				cl.Secret = "wrong-" + randomToken(6)
				r := c.Introspect("any-token", cl, AuthBasic)
				if r.Status != 401 {
					c.Errorf("HTTP status = %d, want 401", r.Status)
				}
			}),
	}
}

// Revoke posts token to the revocation endpoint as cl.
func (c *C) Revoke(token, hint string, cl Client) *Response {
	endpoint := c.requireEndpoint("revocation_endpoint", c.Discovery().RevocationEndpoint)
	form := url.Values{"token": {token}}
	if hint != "" {
		form.Set("token_type_hint", hint)
	}
	return c.PostForm(endpoint, form, cl, AuthFor(cl))
}

// refreshWith posts a refresh_token grant for f's client.
func refreshWith(c *C, f *Flow, token string) *Response {
	cl := f.Request.Client
	return c.TokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}}, cl, AuthFor(cl))
}

func rfc7009Checks() []*Check {
	return []*Check{
		rfcCheck("rfc7009-unknown-token", "Revoking an unknown token answers 200", "RFC 7009 section 2.2", SeverityMust, func(c *C) {
			cl := requireConfidential(c)
			r := c.Revoke("unknown-"+randomToken(24), "", cl)
			if r.Status != 200 {
				c.Errorf("HTTP status = %d, want 200", r.Status)
			}
		}),
		rfcCheck("rfc7009-revoke-refresh-token", "A revoked refresh token no longer refreshes", "RFC 7009 section 2.1", SeverityMust, func(c *C) {
			c.requireEndpoint("revocation_endpoint", c.Discovery().RevocationEndpoint)
			f := c.CodeFlow(c.NewAuthRequest("openid"))
			if f.Tokens.RefreshToken == "" {
				c.Skipf("no refresh token issued")
			}
			if r := c.Revoke(f.Tokens.RefreshToken, "refresh_token", f.Request.Client); r.Status != 200 {
				c.Fatalf("revocation returned HTTP %d, want 200", r.Status)
			}
			r := refreshWith(c, f, f.Tokens.RefreshToken)
			if r.Status == 200 {
				c.Fatalf("the revoked refresh token still works")
			}
			checkTokenError(c, r, 400, "invalid_grant")
		}),
		rfcCheck("rfc7009-wrong-hint", "A refresh token revoked with the access_token hint is still revoked",
			"RFC 7009 section 2.1", SeverityMust, func(c *C) {
				c.requireEndpoint("revocation_endpoint", c.Discovery().RevocationEndpoint)
				f := c.CodeFlow(c.NewAuthRequest("openid"))
				if f.Tokens.RefreshToken == "" {
					c.Skipf("no refresh token issued")
				}
				if r := c.Revoke(f.Tokens.RefreshToken, "access_token", f.Request.Client); r.Status != 200 {
					c.Fatalf("revocation returned HTTP %d, want 200", r.Status)
				}
				if r := refreshWith(c, f, f.Tokens.RefreshToken); r.Status == 200 {
					c.Fatalf("the refresh token still works; the server must search other token types when the hint is wrong")
				}
			}),
		rfcCheck("rfc7009-revoke-access-token", "A revoked access token is rejected by userinfo", "RFC 7009 section 2", SeverityShould, func(c *C) {
			c.requireEndpoint("revocation_endpoint", c.Discovery().RevocationEndpoint)
			f := c.CodeFlow(c.NewAuthRequest("openid"))
			if r := c.Revoke(f.Tokens.AccessToken, "access_token", f.Request.Client); r.Status != 200 {
				c.Fatalf("revocation returned HTTP %d, want 200", r.Status)
			}
			if r := c.Userinfo(f.Tokens.AccessToken, userinfoGet); r.Status == 200 {
				c.Errorf("userinfo still accepts the revoked access token")
			}
		}),
		rfcCheck("rfc7009-other-clients-token", "A client cannot revoke another client's refresh token",
			"RFC 7009 section 2.1", SeverityMust, func(c *C) {
				c.requireEndpoint("revocation_endpoint", c.Discovery().RevocationEndpoint)
				other := requireConfidential(c)
				f := c.CodeFlow(c.NewAuthRequest("openid"))
				if f.Tokens.RefreshToken == "" {
					c.Skipf("no refresh token issued")
				}
				r := c.Revoke(f.Tokens.RefreshToken, "refresh_token", other)
				if r.Status == 200 {
					c.Warnf("revocation by client %q answered 200 instead of an error", other.ID)
				}
				if rr := refreshWith(c, f, f.Tokens.RefreshToken); rr.Status != 200 {
					c.Fatalf("client %q revoked a refresh token of %q: refresh now gives HTTP %d", other.ID, f.Request.Client.ID, rr.Status)
				}
			}),
	}
}
