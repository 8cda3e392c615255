package conformance

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
)

// Checks of the OpenID Foundation's Basic OP plan whose request differs from
// the happy path in one parameter and must still succeed. The ids are the
// suite's module names.

// oidcCheck returns a MUST-level check of the oidc profile.
func oidcCheck(id, title, spec string, run func(c *C)) *Check {
	return &Check{ID: id, Title: title, Spec: spec, Severity: SeverityMust, Profile: ProfileOIDC, Run: run}
}

// flowCheck returns a check that runs the code flow with scope after mutate
// changes the request, then calls after, when set, on the completed flow.
func flowCheck(id, title, spec, scope string, mutate func(*C, *AuthRequest), after func(*C, *Flow)) *Check {
	return oidcCheck(id, title, spec, func(c *C) {
		a := c.NewAuthRequest(scope)
		if mutate != nil {
			mutate(c, a)
		}
		f := c.CodeFlow(a)
		if after != nil {
			after(c, f)
		}
	})
}

// scopeClaims are the claims that each standard scope requests (OpenID
// Connect Core section 5.4); a response with any one of them counts.
var scopeClaims = map[string][]string{
	"profile": {"name", "family_name", "given_name", "middle_name", "nickname", "preferred_username", "profile", "picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at"},
	"email":   {"email", "email_verified"},
	"address": {"address"},
	"phone":   {"phone_number", "phone_number_verified"},
}

// scopeCheck returns the oidcc-scope-* module for scopes.
func scopeCheck(id string, scopes ...string) *Check {
	return oidcCheck(id, "Scope "+strings.Join(scopes, ", ")+" returns its claims from userinfo",
		"OpenID Connect Core 1.0 section 5.4", func(c *C) {
			d := c.Discovery()
			for _, s := range scopes {
				if !d.SupportsScope(s) {
					c.Skipf("scopes_supported does not list %q", s)
				}
			}
			f := c.CodeFlow(c.NewAuthRequest("openid " + strings.Join(scopes, " ")))
			info := checkUserinfo(c, c.Userinfo(f.Tokens.AccessToken, userinfoGet), f.IDClaims)
			if info == nil {
				return
			}
			for _, s := range scopes {
				if !hasAnyClaim(info, scopeClaims[s]) {
					c.Warnf("userinfo has none of the claims of scope %s (%s); the user may have no such data", s, strings.Join(scopeClaims[s], ", "))
				}
			}
		})
}

// hasAnyClaim reports whether m has one of names.
func hasAnyClaim(m map[string]any, names []string) bool {
	for _, n := range names {
		if _, ok := m[n]; ok {
			return true
		}
	}
	return false
}

// setParam returns a mutation that sets one authorization parameter.
func setParam(name, value string) func(*C, *AuthRequest) {
	return func(_ *C, a *AuthRequest) { a.Params.Set(name, value) }
}

// basicChecks returns the Basic OP plan's modules in the plan's order.
func basicChecks() []*Check {
	return []*Check{
		flowCheck("oidcc-server", "Code flow with state and nonce issues verifiable tokens and userinfo",
			"OpenID Connect Core 1.0 section 3.1", "openid", nil, func(c *C, f *Flow) {
				for _, claim := range []string{"name", "email", "given_name", "family_name", "preferred_username"} {
					if _, ok := f.IDClaims.Claims[claim]; ok {
						c.Warnf("ID token contains %s although only scope openid was requested (OpenID Connect Core section 5.4)", claim)
						break
					}
				}
				checkUserinfo(c, c.Userinfo(f.Tokens.AccessToken, userinfoGet), f.IDClaims)
			}),
		responseTypeMissing(),
		flowCheck("oidcc-idtoken-signature", "ID token is signed with RS256 and names its key",
			"OpenID Connect Core 1.0 sections 3.1.3.7 and 10.1", "openid", nil, func(c *C, f *Flow) {
				if f.IDClaims.Header.Algorithm != "RS256" {
					c.Errorf("ID token alg = %q, want RS256 when the client registered no other", f.IDClaims.Header.Algorithm)
				}
			}),
		oidcCheck("oidcc-idtoken-unsigned", "Unsigned ID token when the client registered alg none",
			"OpenID Connect Core 1.0 section 3.1.3.7", func(c *C) {
				if !slices.Contains(c.Discovery().IDTokenSigningAlgValuesSupported, "none") {
					c.Skipf("id_token_signing_alg_values_supported does not list none, which is allowed")
				}
				c.Skipf("requesting unsigned ID tokens needs dynamic client registration, which the kit does not perform")
			}),
		userinfoCheck("oidcc-userinfo-get", userinfoGet),
		userinfoCheck("oidcc-userinfo-post-header", userinfoPostHeader),
		userinfoCheck("oidcc-userinfo-post-body", userinfoPostBody),
		flowCheck("oidcc-ensure-request-without-nonce-succeeds-for-code-flow", "Code flow without nonce succeeds",
			"OpenID Connect Core 1.0 section 3.1.2.1", "openid",
			func(_ *C, a *AuthRequest) { a.Params.Del("nonce") }, nil),
		scopeCheck("oidcc-scope-profile", "profile"),
		scopeCheck("oidcc-scope-email", "email"),
		scopeCheck("oidcc-scope-address", "address"),
		scopeCheck("oidcc-scope-phone", "phone"),
		scopeCheck("oidcc-scope-all", "address", "email", "phone", "profile"),
		alternateHappyFlow(),
		flowCheck("oidcc-display-page", "display=page does not cause an error",
			"OpenID Connect Core 1.0 section 3.1.2.1", "openid", setParam("display", "page"), nil),
		flowCheck("oidcc-display-popup", "display=popup does not cause an error",
			"OpenID Connect Core 1.0 section 3.1.2.1", "openid", setParam("display", "popup"), nil),
		promptLogin(),
		promptNoneNotLoggedIn(),
		promptNoneLoggedIn(),
		maxAge1(),
		maxAge10000(),
		flowCheck("oidcc-ensure-request-with-unknown-parameter-succeeds", "Unknown authorization parameters are ignored",
			"RFC 6749 section 3.1", "openid", setParam("extra", "foobar"), nil),
		idTokenHint(),
		oidcCheck("oidcc-login-hint", "login_hint does not cause an error", "OpenID Connect Core 1.0 section 3.1.2.1", func(c *C) {
			host := "example.com"
			if u, err := url.Parse(c.Discovery().Issuer); err == nil && u.Hostname() != "" {
				host = u.Hostname()
			}
			a := c.NewAuthRequest("openid")
			a.Params.Set("login_hint", "buffy@"+host)
			c.CodeFlow(a)
		}),
		flowCheck("oidcc-ui-locales", "ui_locales does not cause an error",
			"OpenID Connect Core 1.0 section 3.1.2.1", "openid", setParam("ui_locales", "se"), nil),
		flowCheck("oidcc-claims-locales", "claims_locales does not cause an error",
			"OpenID Connect Core 1.0 section 5.2", "openid", setParam("claims_locales", "se"), nil),
		acrValues(),
		codeReuse(),
		codeReuse30Seconds(),
		ensureRegisteredRedirectURI(),
		postRequest(),
		clientSecretPost(),
		requestURIUnsigned(),
		requestObjectUnsigned(),
		claimsEssential(),
		requestObjectWithRedirectURI(),
		refreshToken(),
		flowCheck("oidcc-ensure-request-with-valid-pkce-succeeds", "Code flow with PKCE S256 succeeds",
			"RFC 7636 section 4", "openid", nil, func(c *C, f *Flow) {
				if f.Request.Params.Get("code_challenge_method") != "S256" {
					c.Errorf("the kit sent no S256 challenge")
				}
			}),
	}
}

// userinfoCheck returns one of the three userinfo modules.
func userinfoCheck(id string, method userinfoMethod) *Check {
	titles := map[userinfoMethod]string{
		userinfoGet:        "Userinfo answers GET with a Bearer header",
		userinfoPostHeader: "Userinfo answers POST with a Bearer header",
		userinfoPostBody:   "Userinfo answers POST with the token in the form body",
	}
	spec := "OpenID Connect Core 1.0 section 5.3.1"
	if method == userinfoPostBody {
		spec = "OpenID Connect Core 1.0 section 5.3.1 and RFC 6750 section 2.2"
	}
	return oidcCheck(id, titles[method], spec, func(c *C) {
		f := c.CodeFlow(c.NewAuthRequest("openid"))
		r := c.Userinfo(f.Tokens.AccessToken, method)
		if method == userinfoPostBody && (r.Status < 200 || r.Status > 299) {
			c.Warnf("userinfo rejected the form-body token with HTTP %d; the method is optional (RFC 6750 section 2.2)", r.Status)
			return
		}
		checkUserinfo(c, r, f.IDClaims)
	})
}

// checkErrorRedirect checks an error response of the authorization endpoint
// (RFC 6749 section 4.1.2.1): one of want, the request's state, no code, and
// a description in the allowed character set. It returns false when the
// landing is no redirect to the request's redirect URI.
func checkErrorRedirect(c *C, l *Landing, a *AuthRequest, want ...string) bool {
	if !l.RedirectedTo(a.Params.Get("redirect_uri")) {
		return false
	}
	e := l.Params.Get("error")
	switch {
	case e == "":
		c.Errorf("redirect carries no error: %s", maskURL(l.Redirect))
	case !slices.Contains(want, e):
		c.Errorf("error = %q, want one of %s", e, strings.Join(want, ", "))
	}
	if l.Params.Get("code") != "" {
		c.Errorf("error redirect also carries a code")
	}
	if got, wantState := l.Params.Get("state"), a.Params.Get("state"); got != wantState {
		c.Errorf("error redirect state = %q, want %q", excerpt(got, 40), excerpt(wantState, 40))
	}
	if d := l.Params.Get("error_description"); d != "" {
		checkErrorCharset(c, "error_description", d)
	}
	if iss := l.Params.Get("iss"); iss != "" && iss != c.Discovery().Issuer {
		c.Errorf("error redirect iss = %q, want %q (RFC 9207)", iss, c.Discovery().Issuer)
	}
	return true
}

// checkErrorCharset enforces the character set of RFC 6749 section 5.2 for
// error_description and error_uri: printable ASCII except '"' and '\'.
func checkErrorCharset(c *C, name, s string) {
	for _, r := range s {
		if r == '\r' || r == '\n' || r == '\t' {
			c.Warnf("%s contains a control character", name)
			return
		}
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			c.Errorf("%s contains %q, outside the character set of RFC 6749 section 5.2", name, r)
			return
		}
	}
}

// responseTypeMissing is oidcc-response-type-missing.
func responseTypeMissing() *Check {
	return oidcCheck("oidcc-response-type-missing", "Missing response_type is an error, not a code",
		"RFC 6749 section 4.1.2.1 and OpenID Connect Core 1.0 section 3.1.2.6", func(c *C) {
			a := c.NewAuthRequest("openid")
			a.Params.Del("response_type")
			user := c.target.User
			l := c.Authorize(c.NewBrowser(), a, &user)
			if checkErrorRedirect(c, l, a, "invalid_request", "unsupported_response_type") {
				return
			}
			if l.Redirect != nil {
				c.Fatalf("expected an error redirect to %s or an error page, got %s", a.Params.Get("redirect_uri"), l.describe())
			}
			if !l.IsErrorPage() {
				c.Fatalf("expected an error page, got %s", l.describe())
			}
			c.Logf("the provider showed an error page instead of redirecting the error, which the OpenID suite accepts after review")
		})
}

// alternateHappyFlow is oidcc-alternate-happy-flow: scope values and query
// parameters in another order (RFC 6749 section 3.3).
func alternateHappyFlow() *Check {
	return oidcCheck("oidcc-alternate-happy-flow", "Scope order and parameter order do not matter",
		"RFC 6749 section 3.3", func(c *C) {
			if !c.Discovery().SupportsScope("email") {
				c.Skipf("scopes_supported does not list email")
			}
			a := c.NewAuthRequest("email openid")
			b := c.NewBrowser()
			// Send the parameters in reverse alphabetical order; url.Values
			// would sort them.
			keys := make([]string, 0, len(a.Params))
			for k := range a.Params {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			slices.Reverse(keys)
			var parts []string
			for _, k := range keys {
				parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(a.Params.Get(k)))
			}
			endpoint := c.Discovery().AuthorizationEndpoint
			sep := "?"
			if strings.Contains(endpoint, "?") {
				sep = "&"
			}
			user := c.target.User
			l := b.Authorize(endpoint+sep+strings.Join(parts, "&"), &user)
			code := c.RequireCode(l, a)
			tr := c.RequireTokens(c.RedeemCode(a, code))
			id := c.VerifyIDToken(tr.IDToken, a.Params.Get("nonce"), a.Client.ID, tr.AccessToken)
			info := checkUserinfo(c, c.Userinfo(tr.AccessToken, userinfoGet), id)
			if info != nil && !hasAnyClaim(info, scopeClaims["email"]) {
				c.Warnf("userinfo has no email claims")
			}
		})
}

// acrValues is oidcc-ensure-request-with-acr-values-succeeds.
func acrValues() *Check {
	return oidcCheck("oidcc-ensure-request-with-acr-values-succeeds", "acr_values does not cause an error",
		"OpenID Connect Core 1.0 sections 3.1.2.1 and 2", func(c *C) {
			values := c.Discovery().ACRValuesSupported
			if len(values) == 0 {
				values = []string{"1", "2"}
			}
			a := c.NewAuthRequest("openid")
			a.Params.Set("acr_values", strings.Join(values, " "))
			f := c.CodeFlow(a)
			acr, _ := f.IDClaims.Claims["acr"].(string)
			if !slices.Contains(values, acr) {
				c.Warnf("ID token acr = %q, not one of the requested %v (returning it is a SHOULD)", acr, values)
			}
		})
}

// postRequest is oidcc-ensure-post-request-succeeds: the authorization
// request as a form POST.
func postRequest() *Check {
	return oidcCheck("oidcc-ensure-post-request-succeeds", "Authorization request sent with POST succeeds",
		"OpenID Connect Core 1.0 section 3.1.2.1", func(c *C) {
			a := c.NewAuthRequest("openid")
			b := c.NewBrowser()
			l := b.Post(c.Discovery().AuthorizationEndpoint, a.Params)
			if l.Page != nil && l.Page.LoginForm() != nil {
				l = b.Login(l, l.Page.LoginForm(), c.target.User)
				if l.Page != nil {
					if form, button := consentForm(l.Page); form != nil {
						l = b.Submit(l, form, nil, button)
					}
				}
			}
			code := c.RequireCode(l, a)
			c.RequireTokens(c.RedeemCode(a, code))
		})
}

// clientSecretPost is oidcc-server-client-secret-post.
func clientSecretPost() *Check {
	return oidcCheck("oidcc-server-client-secret-post", "Code flow with client_secret_post authentication",
		"OpenID Connect Core 1.0 section 9", func(c *C) {
			if !slices.Contains(c.Discovery().TokenAuthMethods(), "client_secret_post") {
				c.Skipf("token_endpoint_auth_methods_supported does not list client_secret_post")
			}
			if c.target.PublicClient.Secret == "" {
				c.Skipf("the browser client %q is public; client_secret_post needs a browser client with a secret", c.target.PublicClient.ID)
			}
			a := c.NewAuthRequest("openid")
			b := c.NewBrowser()
			user := c.target.User
			code := c.RequireCode(c.Authorize(b, a, &user), a)
			form := url.Values{"grant_type": {"authorization_code"}, "code": {code},
				"redirect_uri": {a.Params.Get("redirect_uri")}, "code_verifier": {a.Verifier}}
			tr := c.RequireTokens(c.TokenRequest(form, a.Client, AuthPost))
			c.VerifyIDToken(tr.IDToken, a.Params.Get("nonce"), a.Client.ID, tr.AccessToken)
		})
}

// claimsEssential is oidcc-claims-essential.
func claimsEssential() *Check {
	return oidcCheck("oidcc-claims-essential", "claims parameter asking for an essential name in userinfo",
		"OpenID Connect Core 1.0 section 5.5", func(c *C) {
			if p := c.Discovery().ClaimsParameterSupported; p != nil && !*p {
				c.Logf("claims_parameter_supported is false; the request must still succeed")
			}
			claims, _ := json.Marshal(map[string]any{"userinfo": map[string]any{"name": map[string]any{"essential": true}}})
			a := c.NewAuthRequest("openid")
			a.Params.Set("claims", string(claims))
			f := c.CodeFlow(a)
			info := checkUserinfo(c, c.Userinfo(f.Tokens.AccessToken, userinfoGet), f.IDClaims)
			if info == nil {
				return
			}
			if _, ok := info["name"]; !ok {
				c.Warnf("userinfo has no name claim although it was requested as essential")
			}
		})
}
