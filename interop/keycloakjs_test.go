package interop

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"
)

// tokenState is what keycloak-js holds after init or updateToken.
type tokenState struct {
	Token        string `json:"token"`
	Subject      string `json:"sub"`
	Azp          string `json:"azp"`
	Nonce        string `json:"nonce"`
	StoredNonce  string `json:"idNonce"`
	Refreshed    bool   `json:"refreshed"`
	HasRefresh   bool   `json:"hasRefresh"`
	HasIDToken   bool   `json:"hasIdToken"`
	TokenExpired bool   `json:"expired"`
}

const tokenStateJS = `({
	token: keycloak.token,
	sub: keycloak.tokenParsed?.sub,
	azp: keycloak.tokenParsed?.azp,
	idNonce: keycloak.idTokenParsed?.nonce,
	hasRefresh: !!keycloak.refreshToken,
	hasIdToken: !!keycloak.idToken,
	expired: keycloak.isTokenExpired(),
})`

func TestKeycloakJS(t *testing.T) {
	t.Parallel()
	_, origin := startKeycloakJSPage(t)
	b := sharedBrowser(t)
	ctx, _ := b.newTab(t)

	// init with onLoad login-required and PKCE S256 through the login page.
	res, err := openPage(ctx, origin, "login-required", true)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Authenticated || res.Error != "" {
		t.Fatalf("init(login-required) = authenticated %v, error %q, want authenticated", res.Authenticated, res.Error)
	}
	authRequest, err := url.Parse(res.LoginPage)
	if err != nil {
		t.Fatal(err)
	}
	query := authRequest.Query()
	if query.Get("code_challenge_method") != "S256" || len(query.Get("code_challenge")) != 43 || query.Get("nonce") == "" {
		t.Errorf("authorization request %s, want code_challenge_method S256, a 43-character code_challenge and a nonce", res.LoginPage)
	}
	state, err := chromedp.Run(ctx, chromedp.Evaluate[tokenState](tokenStateJS))
	if err != nil {
		t.Fatal(err)
	}
	if state.Subject != userID || state.Azp != keycloakJSClient || !state.HasRefresh || !state.HasIDToken || state.TokenExpired {
		t.Errorf("after init: %+v, want sub %s, azp %s, refresh and ID tokens, not expired", state, userID, keycloakJSClient)
	}

	// updateToken(-1) refreshes whatever the token's lifetime.
	refreshed, err := evalPromise[tokenState](ctx, `keycloak.updateToken(-1).then(refreshed => ({...`+tokenStateJS+`, refreshed}))`)
	if err != nil {
		t.Fatalf("updateToken(-1): %v", err)
	}
	if !refreshed.Refreshed || refreshed.Token == state.Token || refreshed.Subject != userID {
		t.Errorf("updateToken(-1) = refreshed %v, same token %v, sub %q, want a new token for %s", refreshed.Refreshed, refreshed.Token == state.Token, refreshed.Subject, userID)
	}

	// loadUserProfile needs Keycloak's account API, which the emulator
	// does not serve, so the profile comes from loadUserInfo.
	info, err := evalPromise[map[string]any](ctx, `keycloak.loadUserInfo()`)
	if err != nil {
		t.Fatalf("loadUserInfo(): %v", err)
	}
	if info["sub"] != userID || info["email"] != "carol@example.com" || info["preferred_username"] != username {
		t.Errorf("loadUserInfo() = %v, want sub %s, email carol@example.com, preferred_username %s", info, userID, username)
	}

	// check-sso without the iframe redirects through the authorization
	// endpoint with prompt=none and comes back logged in by the SSO cookie.
	res, err = openPage(ctx, origin, "check-sso", false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Authenticated || res.Error != "" {
		t.Errorf("init(check-sso) with an SSO session = authenticated %v, error %q, want authenticated", res.Authenticated, res.Error)
	}

	// logout goes to the end-session endpoint with id_token_hint and comes
	// back to the page, where check-sso finds no session. Clearing
	// window.interop first keeps waitForInit from reading the old page.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.interop = undefined; keycloak.logout({ redirectUri: location.origin + '/?mode=check-sso' }); null`)); err != nil {
		t.Fatalf("logout(): %v", err)
	}
	res, err = waitForInit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != "check-sso" || res.Authenticated || res.Error != "" {
		t.Errorf("init(check-sso) after logout = %+v, want mode check-sso, not authenticated, no error", res)
	}
}

// sessionIframeJS loads the emulator's login-status-iframe.html in a new
// iframe, posts it a message as keycloak-js does and resolves to the
// reply. Its own iframe keeps keycloak-js from reacting to the replies.
const sessionIframeJS = `new Promise((resolve) => {
	const frame = document.createElement('iframe')
	frame.src = %q
	frame.style.display = 'none'
	window.addEventListener('message', (event) => {
		if (event.source === frame.contentWindow) resolve(event.data)
	})
	frame.addEventListener('load', () => frame.contentWindow.postMessage(%q, new URL(frame.src).origin))
	document.body.appendChild(frame)
})`

// thirdPartyCookiesJS loads the emulator's 3p-cookies/step1.html in an
// iframe, as keycloak-js does, and resolves to the message of step2.html.
const thirdPartyCookiesJS = `new Promise((resolve) => {
	const frame = document.createElement('iframe')
	frame.src = %q
	frame.style.display = 'none'
	window.addEventListener('message', (event) => {
		if (event.source === frame.contentWindow) resolve(event.data)
	})
	document.body.appendChild(frame)
})`

func TestKeycloakJSSessionIframe(t *testing.T) {
	t.Parallel()
	e, origin := startKeycloakJSPage(t)
	b := sharedBrowser(t)
	ctx, _ := b.newTab(t)

	// keycloak-js's default checkLoginIframe: true.
	res, err := openPage(ctx, origin, "login-required-defaults", true)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Authenticated || res.Error != "" {
		t.Fatalf("init(login-required) with the default options = %+v, want authenticated", res)
	}

	support, err := evalPromise[string](ctx, fmt.Sprintf(thirdPartyCookiesJS, e.issuer+"/protocol/openid-connect/3p-cookies/step1.html"))
	if err != nil || support != "supported" {
		t.Errorf("third-party cookie check = %q, %v, want supported", support, err)
	}

	hasIframe, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector('iframe[title="keycloak-session-iframe"]')`))
	if err != nil || !hasIframe {
		t.Errorf("keycloak-js session check iframe present = %v, %v, want true", hasIframe, err)
	}
	sid, err := chromedp.Run(ctx, chromedp.Evaluate[string](`keycloak.sessionId`))
	if err != nil || sid == "" {
		t.Fatalf("keycloak.sessionId = %q, %v, want the session id", sid, err)
	}
	iframeURL := e.issuer + "/protocol/openid-connect/login-status-iframe.html"
	for _, tt := range []struct{ message, want string }{
		{keycloakJSClient + " " + sid, "unchanged"},
		{keycloakJSClient + " another-session", "changed"},
		{"no-such-client " + sid, "error"},
	} {
		got, err := evalPromise[string](ctx, fmt.Sprintf(sessionIframeJS, iframeURL, tt.message))
		if err != nil || got != tt.want {
			t.Errorf("session iframe reply to %q = %q, %v, want %s", tt.message, got, err, tt.want)
		}
	}

	// After a logout in another tab of the same browser context, the
	// KEYCLOAK_SESSION cookie is gone.
	other, cancelOther := chromedp.NewContext(ctx)
	defer cancelOther()
	if err := chromedp.Do(other, chromedp.Navigate(e.issuer+"/protocol/openid-connect/logout")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(other, chromedp.Click(chromedp.ID("kc-logout"))); err != nil {
		t.Fatalf("confirming the logout: %v", err)
	}
	if err := chromedp.Do(other, chromedp.WaitVisible(chromedp.ID("kc-info-message"))); err != nil {
		t.Fatalf("waiting for the logged-out page: %v", err)
	}
	if got, err := evalPromise[string](ctx, fmt.Sprintf(sessionIframeJS, iframeURL, keycloakJSClient+" "+sid)); err != nil || got != "changed" {
		t.Errorf("session iframe reply after logout = %q, %v, want changed", got, err)
	}
}

func TestKeycloakJSSilentCheckSSO(t *testing.T) {
	t.Parallel()
	_, origin := startKeycloakJSPage(t)
	b := sharedBrowser(t)
	ctx, _ := b.newTab(t)

	res, err := openPage(ctx, origin, "check-sso-silent", false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Authenticated || res.Error != "" {
		t.Errorf("silent check-sso without a session = %+v, want not authenticated, no error", res)
	}
	if res, err = openPage(ctx, origin, "login-required", true); err != nil || !res.Authenticated {
		t.Fatalf("login-required = %+v, %v, want authenticated", res, err)
	}
	res, err = openPage(ctx, origin, "check-sso-silent", false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Authenticated || res.Error != "" {
		t.Errorf("silent check-sso with a session = %+v, want authenticated", res)
	}
}
