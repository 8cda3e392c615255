package conformance

import (
	"net/url"
	"strings"
	"time"
)

// Keycloak 26's login, error and logout pages: form names and texts that
// browser automation (including the OpenID suite's Keycloak configuration)
// matches on.

// requirePageText checks that a landing is a page containing text.
func requirePageText(c *C, l *Landing, status int, text string) {
	if l.Redirect != nil {
		c.Fatalf("expected a page, got %s", l.describe())
	}
	if status != 0 && l.Response.Status != status {
		c.Errorf("HTTP status = %d, want %d", l.Response.Status, status)
	}
	if l.Page == nil || !l.Page.Contains(text) {
		c.Errorf("the page does not contain %q", text)
	}
}

// errorPageCheck returns a check that an authorization request, changed by
// mutate, gets Keycloak's error page with text.
func errorPageCheck(id, title, text string, mutate func(c *C, a *AuthRequest)) *Check {
	return keycloakCheck(id, title, "Keycloak 26 AuthorizationEndpoint error pages", func(c *C) {
		requireRealm(c)
		a := c.NewAuthRequest("openid")
		mutate(c, a)
		l := c.Authorize(c.NewBrowser(), a, nil)
		requirePageText(c, l, 400, text)
		if l.Page != nil && !strings.Contains(l.Page.Title+" "+l.Page.Text, "We are sorry...") {
			c.Errorf("the page does not say %q", "We are sorry...")
		}
	})
}

// errorRedirectCheck returns a check that an authorization request, changed
// by mutate, is redirected with Keycloak's error and description.
func errorRedirectCheck(id, title, code, descr string, mutate func(a *AuthRequest)) *Check {
	return keycloakCheck(id, title, "Keycloak 26 AuthorizationEndpointChecker", func(c *C) {
		requireRealm(c)
		a := c.NewAuthRequest("openid")
		mutate(a)
		l := c.Authorize(c.NewBrowser(), a, nil)
		if !l.RedirectedTo(a.Params.Get("redirect_uri")) {
			c.Fatalf("expected an error redirect, got %s", l.describe())
		}
		if got := l.Params.Get("error"); got != code {
			c.Errorf("error = %q, want %q", got, code)
		}
		if got := l.Params.Get("error_description"); got != descr {
			c.Errorf("error_description = %q, want %q", got, descr)
		}
		if l.Params.Get("state") != a.Params.Get("state") {
			c.Errorf("state = %q, want %q", l.Params.Get("state"), a.Params.Get("state"))
		}
	})
}

// logoutPageCheck returns a check that a logout request gets an error page
// with text.
func logoutPageCheck(id, title, text string, params func(c *C, f *Flow) url.Values) *Check {
	return keycloakCheck(id, title, "Keycloak 26 LogoutEndpoint error pages", func(c *C) {
		requireRealm(c)
		endpoint := c.requireEndpoint("end_session_endpoint", c.Discovery().EndSessionEndpoint)
		f := c.CodeFlow(c.NewAuthRequest("openid"))
		l := f.Browser.Open(endpoint + "?" + params(c, f).Encode())
		requirePageText(c, l, 400, text)
	})
}

func keycloakPageChecks() []*Check {
	return []*Check{
		keycloakCheck("keycloak-login-form", "The login page has kc-form-login posting to login-actions/authenticate",
			"Keycloak 26 login.ftl and LoginActionsService", func(c *C) {
				realm := requireRealm(c)
				l := c.NewBrowser().Open(c.NewAuthRequest("openid").URL(c))
				if l.Page == nil {
					c.Fatalf("expected the login page, got %s", l.describe())
				}
				var form *Form
				for _, f := range l.Page.Forms {
					if f.ID == "kc-form-login" {
						form = f
					}
				}
				if form == nil {
					c.Fatalf("no form with id kc-form-login")
				}
				if form.Method != "POST" {
					c.Errorf("form method = %q, want post", form.Method)
				}
				for _, field := range []string{"username", "password", "credentialId"} {
					if _, ok := form.Fields[field]; !ok {
						c.Errorf("the form has no field %q", field)
					}
				}
				if _, ok := form.Buttons["login"]; !ok {
					c.Errorf("the form has no submit button named login")
				}
				action, err := url.Parse(form.Action)
				if err != nil {
					c.Fatalf("invalid form action %q", form.Action)
				}
				if want := "/realms/" + realm + "/login-actions/authenticate"; !strings.HasSuffix(action.Path, want) {
					c.Errorf("form action path = %q, want it to end with %q", action.Path, want)
				}
				for _, p := range []string{"session_code", "execution", "client_id", "tab_id"} {
					if action.Query().Get(p) == "" {
						c.Errorf("form action lacks the query parameter %q", p)
					}
				}
			}),
		keycloakCheck("keycloak-login-invalid-credentials", "A wrong password shows Invalid username or password. on the login form",
			"Keycloak 26 messages_en.properties invalidUserMessage", func(c *C) {
				requireRealm(c)
				b := c.NewBrowser()
				l := b.Open(c.NewAuthRequest("openid").URL(c))
				if l.Page == nil || l.Page.LoginForm() == nil {
					c.Fatalf("expected the login page, got %s", l.describe())
				}
				l = b.Login(l, l.Page.LoginForm(), User{Username: c.target.User.Username, Password: "wrong-" + randomToken(6)})
				requirePageText(c, l, 0, "Invalid username or password.")
				if l.Page != nil && l.Page.LoginForm() == nil {
					c.Errorf("the page no longer has the login form")
				}
			}),
		keycloakCheck("keycloak-prompt-login-text", "prompt=login with a session says Please re-authenticate to continue.",
			"Keycloak 26 messages_en.properties reauthenticate", func(c *C) {
				requireRealm(c)
				f := c.CodeFlow(c.NewAuthRequest("openid"))
				c.Sleep(time.Second)
				a := c.NewAuthRequest("openid")
				a.Params.Set("prompt", "login")
				requirePageText(c, f.Browser.Open(a.URL(c)), 200, "Please re-authenticate to continue.")
			}),
		errorPageCheck("keycloak-error-page-invalid-redirect-uri", "Unregistered redirect_uri shows Invalid parameter: redirect_uri",
			"Invalid parameter: redirect_uri", func(_ *C, a *AuthRequest) {
				a.Params.Set("redirect_uri", "https://unregistered.invalid/cb")
			}),
		errorPageCheck("keycloak-error-page-unknown-client", "Unknown client_id shows Client not found.",
			"Client not found.", func(_ *C, a *AuthRequest) { a.Params.Set("client_id", "no-such-client-"+randomToken(4)) }),
		errorPageCheck("keycloak-error-page-missing-client-id", "Missing client_id shows Missing parameters: client_id",
			"Missing parameters: client_id", func(_ *C, a *AuthRequest) { a.Params.Del("client_id") }),
		errorRedirectCheck("keycloak-error-redirect-missing-response-type", "Missing response_type redirects invalid_request Missing parameter: response_type",
			"invalid_request", "Missing parameter: response_type", func(a *AuthRequest) { a.Params.Del("response_type") }),
		errorRedirectCheck("keycloak-error-redirect-missing-code-challenge", "A PKCE client without code_challenge gets Missing parameter: code_challenge",
			"invalid_request", "Missing parameter: code_challenge", func(a *AuthRequest) { a.Params.Del("code_challenge") }),
		errorRedirectCheck("keycloak-error-redirect-invalid-scope", "An unknown scope redirects invalid_scope Invalid scopes: …",
			"invalid_scope", "Invalid scopes: openid no-such-scope", func(a *AuthRequest) { a.Params.Set("scope", "openid no-such-scope") }),
		keycloakCheck("keycloak-logout-confirmation", "Logout without parameters asks Do you want to log out? and then says You are logged out",
			"Keycloak 26 logout-confirm.ftl", func(c *C) {
				requireRealm(c)
				endpoint := c.requireEndpoint("end_session_endpoint", c.Discovery().EndSessionEndpoint)
				f := c.CodeFlow(c.NewAuthRequest("openid"))
				l := f.Browser.Open(endpoint)
				requirePageText(c, l, 200, "Do you want to log out?")
				if l.Page == nil || l.Page.FormWithButton("confirmLogout") == nil {
					c.Fatalf("the page has no form with the confirmLogout button")
				}
				l = confirmLogout(c, f.Browser, l)
				requirePageText(c, l, 200, "You are logged out")
			}),
		logoutPageCheck("keycloak-logout-invalid-redirect-uri", "Unregistered post_logout_redirect_uri shows Invalid redirect uri",
			"Invalid redirect uri", func(c *C, f *Flow) url.Values {
				p := standardLogoutParams(c, f)
				p.Set("post_logout_redirect_uri", "https://unregistered.invalid/bye")
				return p
			}),
		logoutPageCheck("keycloak-logout-missing-id-token-hint", "post_logout_redirect_uri alone shows Missing parameters: id_token_hint",
			"Missing parameters: id_token_hint", func(c *C, f *Flow) url.Values {
				return without(standardLogoutParams(c, f), "id_token_hint")
			}),
		logoutPageCheck("keycloak-logout-invalid-id-token-hint", "A foreign id_token_hint shows Invalid parameter: id_token_hint",
			"Invalid parameter: id_token_hint", func(c *C, f *Flow) url.Values {
				p := standardLogoutParams(c, f)
				p.Set("id_token_hint", foreignSignedCopy(c, f.Tokens.IDToken))
				return p
			}),
	}
}
