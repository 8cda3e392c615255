package conformance

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// RFC 8414 (metadata), RFC 9068 (JWT access tokens) and RFC 8252 (native
// apps) checks.

func rfc8414Checks() []*Check {
	return []*Check{
		rfcCheck("rfc8414-metadata-endpoint", "OAuth metadata is served at a well-known URL with the same issuer",
			"RFC 8414 section 3", SeverityShould, func(c *C) {
				iss := c.Discovery().Issuer
				u, err := url.Parse(iss)
				if err != nil {
					c.Fatalf("invalid issuer %q: %v", iss, err)
				}
				// RFC 8414 inserts the well-known segment between host and
				// path; Keycloak 25 to 26.3 only serve it after the issuer.
				candidates := []string{
					u.Scheme + "://" + u.Host + "/.well-known/oauth-authorization-server" + u.Path,
					strings.TrimSuffix(iss, "/") + "/.well-known/oauth-authorization-server",
				}
				for _, cand := range candidates {
					r := c.Get(cand)
					if r.Status != 200 {
						continue
					}
					d, err := parseDiscovery(r.Body)
					if err != nil {
						c.Errorf("%s: %v", cand, err)
						continue
					}
					if d.Issuer != iss {
						c.Errorf("%s has issuer %q, want %q (RFC 8414 section 3.3)", cand, d.Issuer, iss)
					}
					return
				}
				c.Errorf("no OAuth 2.0 authorization server metadata at %s", strings.Join(candidates, " or "))
			}),
		rfcCheck("rfc8414-no-empty-arrays", "Metadata omits members with zero elements", "RFC 8414 section 3.2", SeverityMust, func(c *C) {
			for name, v := range c.discoveryWithEvidence().Raw {
				if a, ok := v.([]any); ok && len(a) == 0 {
					c.Errorf("%s is an empty array", name)
				}
			}
		}),
		rfcCheck("rfc8414-no-none-auth-signing-alg", "Client authentication signing algorithms exclude none",
			"RFC 8414 section 2", SeverityMust, func(c *C) {
				raw := c.discoveryWithEvidence().Raw
				for _, name := range []string{"token_endpoint_auth_signing_alg_values_supported", "revocation_endpoint_auth_signing_alg_values_supported", "introspection_endpoint_auth_signing_alg_values_supported"} {
					if a, ok := raw[name].([]any); ok && slices.Contains(a, any("none")) {
						c.Errorf("%s lists none", name)
					}
				}
			}),
	}
}

// accessTokenClaims decodes and verifies a JWT access token, or skips when
// the token is opaque. It returns the header's typ and the claims.
func accessTokenClaims(c *C, token string) (string, map[string]any) {
	typ, _, claims := accessTokenJWT(c, token)
	return typ, claims
}

// accessTokenJWT is accessTokenClaims that also returns the header.
func accessTokenJWT(c *C, token string) (string, jose.Header, map[string]any) {
	if !looksLikeJWT(token) {
		c.Skipf("the access token is opaque, not a JWT")
	}
	ks := c.KeySet()
	h, claims, err := c.VerifyJWT(token, &ks.Set)
	if err != nil {
		c.Fatalf("access token does not verify: %v", err)
	}
	typ, _ := h.ExtraHeaders["typ"].(string)
	c.Logf("access token header alg=%s typ=%q kid=%q; claims %s", h.Algorithm, typ, h.KeyID, claimSummary(claims))
	return typ, h, claims
}

func rfc9068Checks() []*Check {
	return []*Check{
		rfcCheck("rfc9068-access-token-typ", "JWT access tokens carry typ at+jwt",
			"RFC 9068 section 2.1", SeverityShould, func(c *C) {
				f := c.CodeFlow(c.NewAuthRequest("openid"))
				typ, _ := accessTokenClaims(c, f.Tokens.AccessToken)
				if !strings.EqualFold(typ, "at+jwt") && !strings.EqualFold(typ, "application/at+jwt") {
					c.Errorf("access token typ = %q, want at+jwt; Keycloak 26 sends JWT", typ)
				}
			}),
		rfcCheck("rfc9068-access-token-claims", "JWT access tokens carry iss, exp, aud, sub, client_id, iat and jti",
			"RFC 9068 section 2.2", SeverityShould, func(c *C) {
				f := c.CodeFlow(c.NewAuthRequest("openid"))
				_, claims := accessTokenClaims(c, f.Tokens.AccessToken)
				if iss, _ := claims["iss"].(string); iss != c.Discovery().Issuer {
					c.Errorf("iss = %q, want %q", iss, c.Discovery().Issuer)
				}
				var missing []string
				for _, name := range []string{"exp", "aud", "sub", "client_id", "iat", "jti"} {
					if _, ok := claims[name]; !ok {
						missing = append(missing, name)
					}
				}
				if len(missing) > 0 {
					c.Errorf("missing claims: %s", strings.Join(missing, ", "))
				}
				if s, ok := claims["scope"]; ok {
					if _, isString := s.(string); !isString {
						c.Errorf("scope is %s, want a space-separated string", jsonKind(s))
					}
				}
			}),
		rfcCheck("rfc9068-id-token-not-access-token", "An ID token presented as a bearer token is rejected",
			"RFC 9068 section 5", SeverityShould, func(c *C) {
				f := c.CodeFlow(c.NewAuthRequest("openid"))
				if r := c.Userinfo(f.Tokens.IDToken, userinfoGet); r.Status == 200 {
					c.Errorf("userinfo accepted the ID token as an access token")
				}
			}),
	}
}

func rfc8252Checks() []*Check {
	return []*Check{
		rfcCheck("rfc8252-loopback-any-port", "A loopback redirect URI registered without a port accepts any port",
			"RFC 8252 section 7.3", SeverityMust, func(c *C) {
				u, err := url.Parse(c.target.PublicClient.RedirectURI)
				if err != nil || u.Scheme != "http" || net.ParseIP(u.Hostname()) == nil || !net.ParseIP(u.Hostname()).IsLoopback() {
					c.Skipf("the redirect URI %q is not an IP loopback URI", c.target.PublicClient.RedirectURI)
				}
				if u.Port() != "" {
					c.Skipf("the redirect URI %q has a port, so the registration without one is unknown", u)
				}
				// A port from the dynamic range; nothing needs to listen on it.
				port := 49152 + rand.IntN(16000)
				u.Host = net.JoinHostPort(u.Hostname(), fmt.Sprint(port))
				a := c.NewAuthRequest("openid")
				a.Params.Set("redirect_uri", u.String())
				code := c.LoginCode(a)
				c.RequireTokens(c.RedeemCode(a, code))
			}),
	}
}
