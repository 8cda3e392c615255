package conformance

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/smartmate/smartmate-mock/conformance/internal/loginfixture"
)

// keycloakLoginServer serves the saved Keycloak 26 login page.
func keycloakLoginServer(t *testing.T) *httptest.Server {
	t.Helper()
	return loginfixture.New(t, readTestdata(t, "keycloak26-login.html"))
}

// runTestCheck runs fn as a check against target and returns the result.
func runTestCheck(t *testing.T, target Target, fn func(c *C)) Result {
	t.Helper()
	s := newSession(target, Options{})
	return runCheck(t.Context(), s, &Check{ID: "test", Severity: SeverityMust, Profile: ProfileOIDC, Run: fn}, 0)
}

func TestBrowserLogsInToKeycloakPage(t *testing.T) {
	t.Parallel()
	srv := keycloakLoginServer(t)
	target := DefaultTarget()
	target.Issuer = srv.URL + "/realms/demo"

	var landing *Landing
	var code string
	res := runTestCheck(t, target, func(c *C) {
		a := c.NewAuthRequest("openid")
		user := c.Target().User
		landing = c.Authorize(c.NewBrowser(), a, &user)
		code = c.RequireCode(landing, a)
	})
	if res.Status != StatusPass {
		t.Fatalf("Status = %s (%s), want pass; evidence:\n%s", res.Status, res.Reason, strings.Join(res.Evidence, "\n"))
	}
	if code != loginfixture.Code {
		t.Errorf("code = %q, want the fixture's code", code)
	}
	if got := landing.Redirect.Host; got != "127.0.0.1" {
		t.Errorf("stopped at host %q, want the redirect URI's host 127.0.0.1", got)
	}
	if got := landing.Params.Get("session_state"); got != "s1" {
		t.Errorf("session_state = %q, want s1", got)
	}
	evidence := strings.Join(res.Evidence, "\n")
	if strings.Contains(evidence, "alice-password") {
		t.Errorf("evidence contains the password:\n%s", evidence)
	}
	if !strings.Contains(evidence, "password=***") {
		t.Errorf("evidence lacks the masked password field:\n%s", evidence)
	}
}

func TestBrowserWrongPasswordStaysOnPage(t *testing.T) {
	t.Parallel()
	srv := keycloakLoginServer(t)
	target := DefaultTarget()
	target.Issuer = srv.URL + "/realms/demo"
	target.User.Password = "wrong"

	var landing *Landing
	res := runTestCheck(t, target, func(c *C) {
		user := c.Target().User
		landing = c.Authorize(c.NewBrowser(), c.NewAuthRequest("openid"), &user)
	})
	if res.Status != StatusPass {
		t.Fatalf("Status = %s (%s), want pass", res.Status, res.Reason)
	}
	if landing.Redirect != nil {
		t.Fatalf("Redirect = %s, want none", landing.Redirect)
	}
	if landing.Page == nil || !landing.Page.Contains("Invalid username or password.") {
		t.Errorf("page does not show the login error")
	}
}
