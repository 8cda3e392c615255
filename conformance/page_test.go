package conformance

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParsePageKeycloakLogin(t *testing.T) {
	t.Parallel()
	body := strings.ReplaceAll(string(readTestdata(t, "keycloak26-login.html")), "{{BASE}}", "http://127.0.0.1:8080")
	p := ParsePage([]byte(body))

	if p.Title != "Sign in to Smartmate demo workspace" {
		t.Errorf("Title = %q, want %q", p.Title, "Sign in to Smartmate demo workspace")
	}
	if len(p.Forms) != 1 {
		t.Fatalf("found %d forms, want 1 (the one in the script must not count)", len(p.Forms))
	}
	f := p.LoginForm()
	if f == nil {
		t.Fatal("LoginForm() = nil")
	}
	if f.ID != "kc-form-login" || f.Method != "POST" {
		t.Errorf("form id %q method %q, want kc-form-login POST", f.ID, f.Method)
	}
	wantAction := "http://127.0.0.1:8080/realms/demo/login-actions/authenticate?session_code=Vq3dE-x8mK1pL0aZ_tQw7Hs2&execution=3f1c2b8e-7d4a-4e5f-9a6b-0c1d2e3f4a5b&client_id=demo-web&tab_id=nB4x9Yk2Lq0"
	if f.Action != wantAction {
		t.Errorf("Action = %q, want %q", f.Action, wantAction)
	}
	wantFields := map[string][]string{"username": {""}, "password": {""}, "credentialId": {""}}
	if diff := cmp.Diff(wantFields, map[string][]string(f.Fields)); diff != "" {
		t.Errorf("Fields (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string][]string{"login": {""}}, map[string][]string(f.Buttons)); diff != "" {
		t.Errorf("Buttons (-want +got):\n%s", diff)
	}
	if got := f.usernameField(); got != "username" {
		t.Errorf("usernameField() = %q, want username", got)
	}
	if !p.Contains("Sign in to your account") {
		t.Errorf("Text lacks the heading: %q", p.Text)
	}
	if p.Contains("data-password-toggle") || p.Contains("querySelectorAll") {
		t.Errorf("Text contains script or attribute content: %q", p.Text)
	}
}

func TestParsePageErrorPage(t *testing.T) {
	t.Parallel()
	p := ParsePage(readTestdata(t, "keycloak26-error.html"))
	if len(p.Forms) != 0 {
		t.Errorf("found %d forms, want 0", len(p.Forms))
	}
	for _, want := range []string{"We are sorry...", "Invalid parameter: redirect_uri"} {
		if !p.Contains(want) {
			t.Errorf("Text = %q, want it to contain %q", p.Text, want)
		}
	}
}

func TestParsePageDetachedButtons(t *testing.T) {
	t.Parallel()
	// oidc-provider's logout page puts its buttons outside the form and
	// links them with the form attribute.
	body := `<form id="op.logoutForm" method="post" action="/session/end/confirm">
		<input type="hidden" name="xsrf" value="abc"></form>
		<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes</button>
		<button type="submit" form="op.logoutForm">No</button>`
	p := ParsePage([]byte(body))
	f := p.FormWithButton("logout")
	if f == nil {
		t.Fatal("FormWithButton(logout) = nil")
	}
	if got := f.Buttons.Get("logout"); got != "yes" {
		t.Errorf("logout button value = %q, want yes", got)
	}
	if got := f.Fields.Get("xsrf"); got != "abc" {
		t.Errorf("xsrf = %q, want abc", got)
	}
}

func TestParsePageOIDCProviderLogin(t *testing.T) {
	t.Parallel()
	body := `<form autocomplete="off" action="/interaction/u1" method="post">
		<input type="hidden" name="prompt" value="login"/>
		<input required type="text" name="login" placeholder="Enter any login" autofocus="on">
		<input required type="password" name="password" placeholder="and password">
		<button type="submit" class="login login-submit">Sign-in</button></form>`
	f := ParsePage([]byte(body)).LoginForm()
	if f == nil {
		t.Fatal("LoginForm() = nil")
	}
	if got := f.usernameField(); got != "login" {
		t.Errorf("usernameField() = %q, want login", got)
	}
	if got := f.PasswordFields; len(got) != 1 || got[0] != "password" {
		t.Errorf("PasswordFields = %v, want [password]", got)
	}
}

func TestConsentFormKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, wantButton string
		wantForm               bool
	}{
		{"keycloak grant", `<form action="/x" method="POST"><input name="accept" type="submit" value="Yes"><input name="cancel" type="submit" value="No"></form>`, "accept", true},
		{"oidc-provider", `<form action="/interaction/u" method="post"><input type="hidden" name="prompt" value="consent"/><button type="submit">Continue</button></form>`, "", true},
		{"login form", `<form action="/x" method="post"><input name="username"><input name="password" type="password"></form>`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, button := consentForm(ParsePage([]byte(tt.body)))
			if (f != nil) != tt.wantForm || button != tt.wantButton {
				t.Errorf("consentForm() = (%v, %q), want (form %v, %q)", f != nil, button, tt.wantForm, tt.wantButton)
			}
		})
	}
}

func TestLoginFormPasswordOnly(t *testing.T) {
	t.Parallel()
	// A re-authentication page (prompt=login, max_age) may show no user
	// name field.
	body := `<p>Please re-authenticate to continue.</p>
		<form action="/realms/demo/login-actions/authenticate?session_code=a" method="post">
		<input type="password" name="password"><input type="hidden" name="credentialId">
		<button type="submit" name="login">Sign In</button></form>`
	f := ParsePage([]byte(body)).LoginForm()
	if f == nil {
		t.Fatal("LoginForm() = nil")
	}
	if got := f.usernameField(); got != "" {
		t.Errorf("usernameField() = %q, want empty", got)
	}
}
