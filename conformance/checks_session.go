package conformance

import (
	"net/url"
	"slices"
	"strings"
	"time"
)

// Basic OP plan modules that depend on the login session: prompt, max_age,
// id_token_hint, and the second use of codes.

// finishFlow completes a flow from a landing in browser b: it requires the
// code, redeems it and verifies the ID token.
func (c *C) finishFlow(b *Browser, a *AuthRequest, l *Landing) *Flow {
	code := c.RequireCode(l, a)
	tr := c.RequireTokens(c.RedeemCode(a, code))
	f := &Flow{Request: a, Browser: b, Landing: l, Code: code, Tokens: tr}
	if tr.IDToken == "" {
		c.Fatalf("token response has no id_token although scope contains openid")
	}
	f.IDClaims = c.VerifyIDToken(tr.IDToken, a.Params.Get("nonce"), a.Client.ID, tr.AccessToken)
	return f
}

// requireReauthentication opens a in b, where the user is logged in, and
// requires the login form again before the flow completes. It then checks
// that auth_time moved forward.
func requireReauthentication(c *C, b *Browser, a *AuthRequest, first *Flow) {
	l := b.Open(a.URL(c))
	if l.Page == nil || l.Page.LoginForm() == nil {
		c.Fatalf("expected the login form again, got %s", l.describe())
	}
	if l.Page.Contains("Please re-authenticate to continue.") {
		c.Logf("the page asks to re-authenticate")
	}
	user := c.target.User
	second := c.finishFlow(b, a, b.Continue(l, &user))
	t1, t2 := first.IDClaims.AuthTime(), second.IDClaims.AuthTime()
	switch {
	case t2.IsZero():
		c.Errorf("the second ID token has no auth_time although re-authentication was required (OpenID Connect Core section 3.1.2.1)")
	case !t1.IsZero() && !t2.After(t1):
		c.Errorf("second auth_time %d is not later than the first %d", t2.Unix(), t1.Unix())
	}
	if second.IDClaims.Subject() != first.IDClaims.Subject() {
		c.Errorf("sub changed from %q to %q", first.IDClaims.Subject(), second.IDClaims.Subject())
	}
}

// promptLogin is oidcc-prompt-login.
func promptLogin() *Check {
	return oidcCheck("oidcc-prompt-login", "prompt=login asks for the credentials again",
		"OpenID Connect Core 1.0 section 3.1.2.1", func(c *C) {
			first := c.CodeFlow(c.NewAuthRequest("openid"))
			c.Sleep(time.Second + 100*time.Millisecond)
			a := c.NewAuthRequest("openid")
			a.Params.Set("prompt", "login")
			requireReauthentication(c, first.Browser, a, first)
		})
}

// interactionErrors are the errors of OpenID Connect Core section 3.1.2.6
// that answer prompt=none when a user interface would be needed.
var interactionErrors = []string{"login_required", "interaction_required", "consent_required", "account_selection_required"}

// promptNoneNotLoggedIn is oidcc-prompt-none-not-logged-in.
func promptNoneNotLoggedIn() *Check {
	return oidcCheck("oidcc-prompt-none-not-logged-in", "prompt=none without a session redirects with login_required",
		"OpenID Connect Core 1.0 section 3.1.2.6", func(c *C) {
			a := c.NewAuthRequest("openid")
			a.Params.Set("prompt", "none")
			// A 128-character state catches providers that truncate it.
			a.Params.Set("state", strings.Repeat("s", 64)+randomToken(48))
			l := c.Authorize(c.NewBrowser(), a, nil)
			if !checkErrorRedirect(c, l, a, interactionErrors...) {
				c.Fatalf("expected an error redirect to %s, got %s", a.Params.Get("redirect_uri"), l.describe())
			}
		})
}

// silentFlow runs a in browser b, where the user is logged in, and requires
// a code without any page.
func silentFlow(c *C, b *Browser, a *AuthRequest, first *Flow) *Flow {
	l := b.Open(a.URL(c))
	if l.Redirect == nil {
		c.Fatalf("expected a redirect without any page, got %s", l.describe())
	}
	second := c.finishFlow(b, a, l)
	if second.IDClaims.Subject() != first.IDClaims.Subject() {
		c.Errorf("sub changed from %q to %q", first.IDClaims.Subject(), second.IDClaims.Subject())
	}
	return second
}

// requireSameAuthTime checks that two ID tokens of one session carry the
// same auth_time when the first has one.
func requireSameAuthTime(c *C, first, second *Flow, required bool) {
	t1, t2 := first.IDClaims.AuthTime(), second.IDClaims.AuthTime()
	switch {
	case required && (t1.IsZero() || t2.IsZero()):
		c.Errorf("auth_time missing (first %v, second %v) although max_age was requested", !t1.IsZero(), !t2.IsZero())
	case !t1.IsZero() && !t1.Equal(t2):
		c.Errorf("auth_time changed from %d to %d without a new login", t1.Unix(), t2.Unix())
	}
}

// promptNoneLoggedIn is oidcc-prompt-none-logged-in.
func promptNoneLoggedIn() *Check {
	return oidcCheck("oidcc-prompt-none-logged-in", "prompt=none with a session succeeds silently",
		"OpenID Connect Core 1.0 section 3.1.2.1", func(c *C) {
			first := c.CodeFlow(c.NewAuthRequest("openid"))
			a := c.NewAuthRequest("openid")
			a.Params.Set("prompt", "none")
			second := silentFlow(c, first.Browser, a, first)
			requireSameAuthTime(c, first, second, false)
		})
}

// maxAge1 is oidcc-max-age-1.
func maxAge1() *Check {
	return oidcCheck("oidcc-max-age-1", "max_age=1 after two seconds forces a new login",
		"OpenID Connect Core 1.0 section 3.1.2.1", func(c *C) {
			first := c.CodeFlow(c.NewAuthRequest("openid"))
			c.Sleep(2 * time.Second)
			a := c.NewAuthRequest("openid")
			a.Params.Set("max_age", "1")
			requireReauthentication(c, first.Browser, a, first)
		})
}

// maxAge10000 is oidcc-max-age-10000.
func maxAge10000() *Check {
	return oidcCheck("oidcc-max-age-10000", "max_age=10000 reuses a recent session and returns auth_time",
		"OpenID Connect Core 1.0 sections 3.1.2.1 and 2", func(c *C) {
			a1 := c.NewAuthRequest("openid")
			a1.Params.Set("max_age", "15000")
			first := c.CodeFlow(a1)
			a := c.NewAuthRequest("openid")
			a.Params.Set("max_age", "10000")
			second := silentFlow(c, first.Browser, a, first)
			requireSameAuthTime(c, first, second, true)
		})
}

// idTokenHint is oidcc-id-token-hint.
func idTokenHint() *Check {
	return oidcCheck("oidcc-id-token-hint", "prompt=none with id_token_hint of the session succeeds",
		"OpenID Connect Core 1.0 section 3.1.2.1", func(c *C) {
			first := c.CodeFlow(c.NewAuthRequest("openid"))
			a := c.NewAuthRequest("openid")
			a.Params.Set("prompt", "none")
			a.Params.Set("id_token_hint", first.Tokens.IDToken)
			second := silentFlow(c, first.Browser, a, first)
			requireSameAuthTime(c, first, second, false)
		})
}

// redeemAgain redeems a used code and checks the error of RFC 6749
// section 5.2. It returns false when the provider accepted the code.
func redeemAgain(c *C, f *Flow) bool {
	r := c.RedeemCode(f.Request, f.Code)
	if r.Status == 200 {
		return false
	}
	checkTokenError(c, r, 400, "invalid_grant")
	return true
}

// checkTokenError checks a token endpoint error: the status, a JSON body,
// and an error code from want.
func checkTokenError(c *C, r *Response, status int, want ...string) map[string]any {
	if r.Status != status {
		c.Errorf("HTTP status = %d, want %d", r.Status, status)
	}
	if mt := r.MediaType(); mt != "application/json" {
		c.Errorf("Content-Type = %q, want application/json (RFC 6749 section 5.2)", mt)
		return nil
	}
	m, err := r.Object()
	if err != nil {
		c.Errorf("%v", err)
		return nil
	}
	e, _ := m["error"].(string)
	if !slices.Contains(want, e) {
		c.Errorf("error = %q, want %s", e, strings.Join(want, " or "))
	}
	if d, ok := m["error_description"].(string); ok {
		checkErrorCharset(c, "error_description", d)
	}
	return m
}

// codeReuse is oidcc-codereuse.
func codeReuse() *Check {
	return oidcCheck("oidcc-codereuse", "A code redeemed twice is rejected with invalid_grant",
		"RFC 6749 section 4.1.2", func(c *C) {
			f := c.CodeFlow(c.NewAuthRequest("openid"))
			if !redeemAgain(c, f) {
				c.Warnf("the provider accepted the code a second time")
			}
		})
}

// codeReuse30Seconds is oidcc-codereuse-30seconds.
func codeReuse30Seconds() *Check {
	return oidcCheck("oidcc-codereuse-30seconds", "A code redeemed again after 30 s is rejected and its tokens revoked",
		"RFC 6749 section 4.1.2", func(c *C) {
			f := c.CodeFlow(c.NewAuthRequest("openid"))
			c.Sleep(30 * time.Second)
			if !redeemAgain(c, f) {
				c.Fatalf("the provider accepted the code a second time")
			}
			r := c.Userinfo(f.Tokens.AccessToken, userinfoGet)
			if r.Status >= 200 && r.Status < 300 {
				c.Warnf("the access token of the first redemption still works; RFC 6749 section 4.1.2 says it SHOULD be revoked")
			}
		})
}

// ensureRegisteredRedirectURI is oidcc-ensure-registered-redirect-uri.
func ensureRegisteredRedirectURI() *Check {
	return oidcCheck("oidcc-ensure-registered-redirect-uri", "An unregistered redirect_uri gets an error page, no redirect",
		"OpenID Connect Core 1.0 section 3.1.2.1 and RFC 6749 section 3.1.2.4", func(c *C) {
			a := c.NewAuthRequest("openid")
			bad := "https://unregistered.invalid/" + randomToken(8) + "/callback"
			a.Params.Set("redirect_uri", bad)
			user := c.target.User
			l := c.Authorize(c.NewBrowser(), a, &user)
			switch {
			case l.RedirectedTo(bad):
				c.Fatalf("the provider redirected to the unregistered URI: %s", maskURL(l.Redirect))
			case l.RedirectedTo(c.target.PublicClient.RedirectURI):
				c.Fatalf("the provider redirected to the registered URI instead of showing an error: %s", maskURL(l.Redirect))
			case l.Redirect != nil:
				c.Fatalf("unexpected redirect to %s", maskURL(l.Redirect))
			case !l.IsErrorPage():
				c.Fatalf("expected an error page, got %s", l.describe())
			}
		})
}

// refreshToken is oidcc-refresh-token.
func refreshToken() *Check {
	return oidcCheck("oidcc-refresh-token", "Refresh returns fresh tokens and is bound to its client",
		"OpenID Connect Core 1.0 section 12 and RFC 6749 section 6", func(c *C) {
			scope := "openid"
			d := c.Discovery()
			if d.SupportsScope("offline_access") {
				c.Logf("offline_access is advertised but not requested: online refresh tokens suffice")
			}
			f := c.CodeFlow(c.NewAuthRequest(scope))
			rt := f.Tokens.RefreshToken
			if rt == "" {
				c.Skipf("the provider issued no refresh token, an optional feature")
			}
			if !slices.Contains(d.GrantTypes(), "refresh_token") {
				c.Warnf("a refresh token was issued but grant_types_supported lacks refresh_token")
			}
			cl := f.Request.Client
			r := c.TokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, cl, AuthFor(cl))
			tr := c.RequireTokens(r)
			if !strings.Contains(r.Header.Get("Cache-Control"), "no-store") {
				c.Errorf("refresh response Cache-Control = %q, want no-store (RFC 6749 section 5.1)", r.Header.Get("Cache-Control"))
			}
			if tr.AccessToken == f.Tokens.AccessToken {
				c.Errorf("refresh returned the same access token")
			}
			if tr.IDToken != "" {
				id := c.VerifyIDToken(tr.IDToken, "", cl.ID, tr.AccessToken)
				if id.Subject() != f.IDClaims.Subject() {
					c.Errorf("refreshed ID token sub = %q, want %q (OpenID Connect Core section 12.2)", id.Subject(), f.IDClaims.Subject())
				}
			}
			other := c.target.SecondClient
			if other.ID == "" || other.ID == cl.ID {
				c.Skipf("no second client configured for the cross-client refresh")
			}
			next := tr.RefreshToken
			if next == "" {
				next = rt
			}
			r = c.TokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {next}}, other, AuthFor(other))
			if r.Status == 200 {
				c.Fatalf("client %q redeemed a refresh token of client %q", other.ID, cl.ID)
			}
			checkTokenError(c, r, 400, "invalid_grant")
		})
}
