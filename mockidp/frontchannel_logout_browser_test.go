package mockidp

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/smartmate/smartmate-mock/internal/testkeys"
)

// frontchannelRealm has one client whose front-channel logout URL is
// FRONTCHANNEL, replaced by the test's relying party.
const frontchannelRealm = `{
  "realm": "fc", "enabled": true,
  "components": {"org.keycloak.keys.KeyProvider": [
    {"name": "rsa", "providerId": "rsa", "config": {"privateKey": [%q], "priority": ["100"]}}
  ]},
  "clients": [
    {"clientId": "fcweb", "publicClient": true, "redirectUris": ["http://127.0.0.1/*"], "frontchannelLogout": true,
     "attributes": {"frontchannel.logout.url": "FRONTCHANNEL"}}
  ],
  "users": [
    {"id": "11111111-1111-4111-8111-111111111111", "username": "alice", "enabled": true,
     "credentials": [{"type": "password", "value": "alice-pw"}]}
  ]
}`

func TestFrontchannelLogoutInChromium(t *testing.T) {
	t.Parallel()
	ctx := startChromium(t)

	// The relying party records each front-channel logout request.
	requests := make(chan url.Values, 4)
	rp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fc" {
			requests <- r.URL.Query()
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<!DOCTYPE html><title>%s</title><p>%s</p>", r.URL.Path, r.URL.Path)
	}))
	t.Cleanup(rp.Close)

	realm := strings.ReplaceAll(fmt.Sprintf(frontchannelRealm, string(testkeys.PEM(1))), "FRONTCHANNEL", rp.URL+"/fc")
	env := newBrowserEnv(t, "", WithRealmJSON("fc.json", []byte(realm)))
	env.issuer = env.ts.URL + "/realms/fc"

	// Sign in through the login form, then redeem the code for the ID
	// token that the logout request carries.
	params := codeParams("fcweb", rp.URL+"/cb")
	err := chromedp.Do(ctx,
		chromedp.Navigate(env.authURL(params)),
		chromedp.WaitVisible(chromedp.ID("kc-form-login")),
		chromedp.SendKeys(chromedp.ID("username"), "alice"),
		chromedp.SendKeys(chromedp.ID("password"), "alice-pw"),
		chromedp.Click(chromedp.ID("kc-login")),
	)
	if err != nil {
		t.Fatalf("signing in: %v", err)
	}
	waitForPath(ctx, t, "/cb")
	callback, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	cb, err := url.Parse(callback)
	if err != nil || cb.Query().Get("code") == "" {
		t.Fatalf("callback %q has no code", callback)
	}
	status, tokens := env.tokenRequest(t, url.Values{
		"grant_type": {"authorization_code"}, "code": {cb.Query().Get("code")},
		"redirect_uri": {rp.URL + "/cb"}, "client_id": {"fcweb"},
	})
	if status != http.StatusOK {
		t.Fatalf("token status %d, body %v", status, tokens)
	}
	idToken := tokens["id_token"].(string)
	sid := tokenPayload(t, idToken)["sid"]

	// The logout page loads the front-channel logout URL in an iframe and
	// then continues to the post-logout redirect URI with the state.
	logout := env.logoutURL(url.Values{
		"id_token_hint": {idToken}, "post_logout_redirect_uri": {rp.URL + "/bye"}, "state": {"st-9"},
	})
	if err := chromedp.Do(ctx, chromedp.Navigate(logout)); err != nil {
		t.Fatal(err)
	}
	waitForPath(ctx, t, "/bye")
	final, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if want := rp.URL + "/bye?state=st-9"; final != want {
		t.Errorf("after logout the browser is at %s, want %s", final, want)
	}
	select {
	case q := <-requests:
		if q.Get("iss") != env.issuer {
			t.Errorf("front-channel logout iss = %q, want %s", q.Get("iss"), env.issuer)
		}
		if q.Get("sid") != sid {
			t.Errorf("front-channel logout sid = %q, want the ID token's %v", q.Get("sid"), sid)
		}
	default:
		t.Fatal("the relying party received no front-channel logout request")
	}
}

// waitForPath waits until the tab shows a page with path. It polls again
// when a navigation ends the page that it polls.
func waitForPath(ctx context.Context, t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](
			fmt.Sprintf("location.pathname === %q", path), chromedp.WithPollingTimeout(2*time.Second)))
		if err == nil {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			at, _ := chromedp.Run(ctx, chromedp.Location())
			t.Fatalf("waiting for a page at %s, the tab is at %s: %v", path, at, err)
		}
	}
}
