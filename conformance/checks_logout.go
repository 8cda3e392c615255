package conformance

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// The OpenID Foundation's RP-Initiated Logout OP plan (OpenID Connect
// RP-Initiated Logout 1.0) and Back-Channel Logout OP plan.

// logoutExpect is the provider behaviour that a logout module expects.
type logoutExpect int

const (
	// expectRedirect: redirect to the post-logout URI after an optional
	// confirmation, then the session is gone.
	expectRedirect logoutExpect = iota
	// expectLoggedOutPage: no redirect. After an optional confirmation a
	// page reports the logout, and the session is gone.
	expectLoggedOutPage
	// expectNoRedirect: an error page or a confirmation page, never a
	// redirect to any post-logout URI.
	expectNoRedirect
)

// logoutCheck returns one RP-initiated logout module. params builds the
// logout request from the completed login flow.
func logoutCheck(id, title string, expect logoutExpect, params func(c *C, f *Flow) url.Values) *Check {
	return oidcCheck(id, title, "OpenID Connect RP-Initiated Logout 1.0 section 2", func(c *C) {
		endpoint := c.requireEndpoint("end_session_endpoint", c.Discovery().EndSessionEndpoint)
		f := c.CodeFlow(c.NewAuthRequest("openid"))
		p := params(c, f)
		u, err := url.Parse(endpoint)
		if err != nil {
			c.Fatalf("invalid end_session_endpoint %q: %v", endpoint, err)
		}
		q := u.Query()
		for k, vs := range p {
			q[k] = vs
		}
		u.RawQuery = q.Encode()
		b := f.Browser
		l := b.Open(u.String())
		postLogout := p.Get("post_logout_redirect_uri")

		if expect != expectNoRedirect {
			l = confirmLogout(c, b, l)
		}
		switch expect {
		case expectRedirect:
			if !l.RedirectedTo(postLogout) {
				c.Fatalf("expected a redirect to %s, got %s", postLogout, l.describe())
			}
			if got, want := l.Params.Get("state"), p.Get("state"); got != want {
				c.Errorf("post-logout redirect state = %q, want %q", got, want)
			}
			for k := range l.Params {
				if k != "state" {
					c.Warnf("post-logout redirect carries the extra parameter %q", k)
				}
			}
			requireLoggedOut(c, b)
		case expectLoggedOutPage:
			if l.Redirect != nil {
				c.Fatalf("expected a logged-out page, got %s", l.describe())
			}
			if l.Response.Status >= 400 {
				c.Errorf("logout page has HTTP status %d, want a success page", l.Response.Status)
			}
			requireLoggedOut(c, b)
		case expectNoRedirect:
			if l.Redirect != nil && (postLogout == "" || l.RedirectedTo(postLogout) || l.RedirectedTo(c.target.postLogoutRedirectURI())) {
				c.Fatalf("the provider redirected: %s", l.describe())
			}
			if l.Redirect != nil {
				c.Fatalf("unexpected redirect: %s", l.describe())
			}
			if l.IsErrorPage() {
				c.Logf("the provider showed an error page")
			} else {
				c.Logf("the provider asked for confirmation instead of redirecting")
			}
		}
	})
}

// confirmLogout submits a logout confirmation form when the page shows one:
// Keycloak's button is confirmLogout, oidc-provider's is logout=yes.
func confirmLogout(c *C, b *Browser, l *Landing) *Landing {
	if l.Page == nil {
		return l
	}
	for _, button := range []string{"confirmLogout", "logout"} {
		if form := l.Page.FormWithButton(button); form != nil {
			c.Logf("  confirm logout with button %q", button)
			return b.Submit(l, form, nil, button)
		}
	}
	return l
}

// requireLoggedOut checks that the browser session ended: prompt=none must
// now fail with an interaction error.
func requireLoggedOut(c *C, b *Browser) {
	a := c.NewAuthRequest("openid")
	a.Params.Set("prompt", "none")
	l := b.Open(a.URL(c))
	if l.RedirectedTo(a.Params.Get("redirect_uri")) && l.Params.Get("code") != "" {
		c.Errorf("prompt=none still returned a code after logout")
		return
	}
	if !checkErrorRedirect(c, l, a, interactionErrors...) {
		c.Errorf("prompt=none after logout: expected an error redirect, got %s", l.describe())
	}
}

// standardLogoutParams are the parameters of a valid logout request.
func standardLogoutParams(c *C, f *Flow) url.Values {
	return url.Values{
		"id_token_hint":            {f.Tokens.IDToken},
		"post_logout_redirect_uri": {c.target.postLogoutRedirectURI()},
		"state":                    {randomToken(16)},
	}
}

// without returns a copy of v without the named parameters.
func without(v url.Values, names ...string) url.Values {
	out := cloneValues(v)
	for _, n := range names {
		out.Del(n)
	}
	return out
}

// unsignedCopy re-encodes a JWT with alg none and no signature.
func unsignedCopy(raw string) string {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return raw
	}
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	return header + "." + parts[1] + "."
}

// foreignSignedCopy signs the claims of raw with a key of the kit's own, so
// the signature cannot verify against the provider's JWKS. ES256 keeps key
// generation fast.
func foreignSignedCopy(c *C, raw string) string {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		c.Fatalf("the ID token is not a compact JWS")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		c.Fatalf("decode ID token payload: %v", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		c.Fatalf("generate the kit's own key: %v", err)
	}
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "conformance-kit")
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, opts)
	if err != nil {
		c.Fatalf("create signer: %v", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		c.Fatalf("sign: %v", err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		c.Fatalf("serialize: %v", err)
	}
	return out
}

// logoutChecks returns the RP-Initiated and Back-Channel Logout OP plans.
func logoutChecks() []*Check {
	return []*Check{
		oidcCheck("oidcc-rp-initiated-logout-discovery-endpoint-verification", "Discovery advertises an end_session_endpoint",
			"OpenID Connect RP-Initiated Logout 1.0 section 2.1", func(c *C) {
				d := c.Discovery()
				if d.EndSessionEndpoint == "" {
					c.Fatalf("end_session_endpoint is missing")
				}
				checkEndpointURLs(c, endpointMembers(d))
			}),
		logoutCheck("oidcc-rp-initiated-logout", "Valid logout redirects with the state and ends the session",
			expectRedirect, standardLogoutParams),
		logoutCheck("oidcc-rp-initiated-logout-bad-post-logout-redirect-uri", "Unregistered post_logout_redirect_uri is not redirected to",
			expectNoRedirect, func(c *C, f *Flow) url.Values {
				p := standardLogoutParams(c, f)
				p.Set("post_logout_redirect_uri", "https://unregistered.invalid/"+randomToken(8))
				return p
			}),
		logoutCheck("oidcc-rp-initiated-logout-modified-id-token-hint", "id_token_hint re-encoded with alg none is not trusted",
			expectNoRedirect, func(c *C, f *Flow) url.Values {
				p := standardLogoutParams(c, f)
				p.Set("id_token_hint", unsignedCopy(f.Tokens.IDToken))
				return p
			}),
		logoutCheck("oidcc-rp-initiated-logout-no-id-token-hint", "post_logout_redirect_uri without id_token_hint is not redirected to",
			expectNoRedirect, func(c *C, f *Flow) url.Values {
				return without(standardLogoutParams(c, f), "id_token_hint")
			}),
		logoutCheck("oidcc-rp-initiated-logout-no-params", "Logout without parameters shows a logged-out page",
			expectLoggedOutPage, func(*C, *Flow) url.Values { return url.Values{} }),
		logoutCheck("oidcc-rp-initiated-logout-no-post-logout-redirect-uri", "Logout without post_logout_redirect_uri shows a logged-out page",
			expectLoggedOutPage, func(c *C, f *Flow) url.Values {
				return without(standardLogoutParams(c, f), "post_logout_redirect_uri")
			}),
		logoutCheck("oidcc-rp-initiated-logout-no-state", "Logout without state redirects without state",
			expectRedirect, func(c *C, f *Flow) url.Values {
				return without(standardLogoutParams(c, f), "state")
			}),
		logoutCheck("oidcc-rp-initiated-logout-only-state", "Logout with only state shows a logged-out page",
			expectLoggedOutPage, func(*C, *Flow) url.Values { return url.Values{"state": {randomToken(16)}} }),
		logoutCheck("oidcc-rp-initiated-logout-query-added-to-post-logout-redirect-uri", "A query added to the registered post-logout URI is not redirected to",
			expectNoRedirect, func(c *C, f *Flow) url.Values {
				p := standardLogoutParams(c, f)
				p.Set("post_logout_redirect_uri", addQuery(c.target.postLogoutRedirectURI(), "foo", "bar"))
				return p
			}),
		logoutCheck("oidcc-rp-initiated-logout-bad-id-token-hint", "id_token_hint signed by another key is not trusted",
			expectNoRedirect, func(c *C, f *Flow) url.Values {
				p := standardLogoutParams(c, f)
				p.Set("id_token_hint", foreignSignedCopy(c, f.Tokens.IDToken))
				return p
			}),
		oidcCheck("oidcc-backchannel-logout-discovery-endpoint-verification", "Discovery advertises back-channel logout with sessions",
			"OpenID Connect Back-Channel Logout 1.0 section 2.1", func(c *C) {
				d := c.discoveryWithEvidence()
				if d.EndSessionEndpoint == "" {
					c.Errorf("end_session_endpoint is missing")
				}
				if d.BackchannelLogoutSupported == nil || !*d.BackchannelLogoutSupported {
					c.Errorf("backchannel_logout_supported is not true")
				}
				if d.BackchannelLogoutSessionSupported == nil || !*d.BackchannelLogoutSessionSupported {
					c.Errorf("backchannel_logout_session_supported is not true")
				}
			}),
		backchannelLogout(),
	}
}

// addQuery adds a query parameter to a URL string.
func addQuery(raw, key, value string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}
