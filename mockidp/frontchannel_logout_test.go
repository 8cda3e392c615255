package mockidp

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var logoutFramePattern = regexp.MustCompile(`<iframe class="kc-frontchannel-logout" src="([^"]+)"`)

// logoutFrames returns the iframe URLs of a logout page.
func logoutFrames(body string) []string {
	var urls []string
	for _, m := range logoutFramePattern.FindAllStringSubmatch(body, -1) {
		urls = append(urls, html.UnescapeString(m[1]))
	}
	return urls
}

// signInToClients signs alice in to the first client through the login
// form and to the others through the SSO session, and returns the first
// client's ID token.
func (env *browserEnv) signInToClients(t *testing.T, hc *http.Client, clients ...string) string {
	t.Helper()
	loc := env.loginCode(t, hc, codeParams(clients[0], "http://127.0.0.1/cb"))
	status, body := env.tokenRequest(t, url.Values{
		"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {"http://127.0.0.1/cb"}, "client_id": {clients[0]},
	})
	if status != http.StatusOK {
		t.Fatalf("token status %d, body %v", status, body)
	}
	for _, client := range clients[1:] {
		resp := fetchPage(t, hc, env.authURL(codeParams(client, "http://127.0.0.1/cb")))
		if resp.status != http.StatusFound || resp.location.Query().Get("code") == "" {
			t.Fatalf("SSO login to %s: status %d, location %v", client, resp.status, resp.location)
		}
	}
	return body["id_token"].(string)
}

func TestFrontchannelLogoutPage(t *testing.T) {
	t.Parallel()
	env := newExtrasEnv(t, "")
	hc := env.browser(t)
	idToken := env.signInToClients(t, hc, "plain", "nosid", "fcoff")
	sid := tokenPayload(t, idToken)["sid"].(string)

	resp := fetchPage(t, hc, env.logoutURL(url.Values{"id_token_hint": {idToken}}))
	if resp.status != http.StatusOK || !strings.Contains(resp.body, "You are logged out") {
		t.Fatalf("status %d, want 200 \"You are logged out\":\n%s", resp.status, resp.body)
	}
	// The clients come in clientId order; fcoff has front-channel logout
	// off and gets no iframe.
	want := []string{
		"http://127.0.0.1:9/nosid",
		"http://127.0.0.1:9/fc?app=plain&" + url.Values{"iss": {env.issuer}, "sid": {sid}}.Encode(),
	}
	got := logoutFrames(resp.body)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("logout iframes = %q, want %q", got, want)
	}
}

func TestFrontchannelLogoutBeforeRedirect(t *testing.T) {
	t.Parallel()
	env := newExtrasEnv(t, "")
	hc := env.browser(t)
	idToken := env.signInToClients(t, hc, "plain")

	resp := fetchPage(t, hc, env.logoutURL(url.Values{
		"id_token_hint": {idToken}, "post_logout_redirect_uri": {"http://127.0.0.1/bye"}, "state": {"s 1"},
	}))
	if resp.status != http.StatusOK {
		t.Fatalf("status %d, want 200 with the front-channel logout page; location %v", resp.status, resp.location)
	}
	if frames := logoutFrames(resp.body); len(frames) != 1 || !strings.HasPrefix(frames[0], "http://127.0.0.1:9/fc?app=plain&iss=") {
		t.Errorf("logout iframes = %q, want the plain client's URL with iss and sid", frames)
	}
	if !strings.Contains(resp.body, `<a id="continue" href="http://127.0.0.1/bye?state=s&#43;1">`) {
		t.Errorf("page lacks the continue link to http://127.0.0.1/bye?state=s+1:\n%s", resp.body)
	}
	if !strings.Contains(resp.body, `window.location.replace("http://127.0.0.1/bye?state=s+1")`) {
		t.Errorf("page lacks the script that continues to the post-logout URI:\n%s", resp.body)
	}

	silent := fetchPage(t, hc, env.authURL(withParams(codeParams("plain", "http://127.0.0.1/cb"), map[string]string{"prompt": "none"})))
	if got := silent.location.Query().Get("error"); got != "login_required" {
		t.Errorf("prompt=none after logout: error = %q, want login_required", got)
	}
}

func TestLogoutWithoutFrontchannelClientsRedirects(t *testing.T) {
	t.Parallel()
	env := newExtrasEnv(t, "")
	hc := env.browser(t)
	idToken := env.signInToClients(t, hc, "fcoff")
	resp := fetchPage(t, hc, env.logoutURL(url.Values{
		"id_token_hint": {idToken}, "post_logout_redirect_uri": {"http://127.0.0.1/bye"},
	}))
	if resp.status != http.StatusFound || resp.location.String() != "http://127.0.0.1/bye" {
		t.Fatalf("status %d, location %v, want 302 to http://127.0.0.1/bye", resp.status, resp.location)
	}
}
