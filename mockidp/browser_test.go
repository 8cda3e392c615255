package mockidp

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "write the login page screenshot to docs/login-page.png")

const chromiumPath = "/usr/bin/chromium"

// startChromium starts one headless Chromium for a test and returns its
// browser context. Without Chromium the test is skipped, except under
// CI=true, where a missing browser is a broken setup.
func startChromium(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium not found at %s: run scripts/install-chromium.sh", chromiumPath)
		}
		t.Skipf("Chromium not found at %s; run scripts/install-chromium.sh", chromiumPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1000, 760),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	// Start the browser now, so that a broken browser fails here.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

// relyingParty is a small web application that signs users in with
// x/oauth2 and go-oidc, as a real application would.
type relyingParty struct {
	t        *testing.T
	env      *browserEnv
	ts       *httptest.Server
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier

	mu      sync.Mutex
	pending map[string][2]string // state → nonce, code verifier
	idToken string               // the last ID token, for logout
}

func newRelyingParty(t *testing.T, env *browserEnv, clientID string) *relyingParty {
	t.Helper()
	rp := &relyingParty{t: t, env: env, pending: map[string][2]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", rp.login)
	mux.HandleFunc("/silent", rp.login)
	mux.HandleFunc("/cb", rp.callback)
	mux.HandleFunc("/logout", rp.logout)
	mux.HandleFunc("/bye", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<p id="result">logged out, state=%s</p>`, html.EscapeString(r.URL.Query().Get("state")))
	})
	rp.ts = httptest.NewServer(mux)
	t.Cleanup(rp.ts.Close)

	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, env.issuer)
	if err != nil {
		t.Fatalf("oidc.NewProvider(%q) error = %v", env.issuer, err)
	}
	rp.verifier = provider.Verifier(&oidc.Config{ClientID: clientID, Now: env.clock.Now})
	rp.oauth = oauth2.Config{
		ClientID:    clientID,
		Endpoint:    provider.Endpoint(),
		RedirectURL: rp.ts.URL + "/cb",
		Scopes:      []string{oidc.ScopeOpenID, "profile"},
	}
	return rp
}

func (rp *relyingParty) login(w http.ResponseWriter, r *http.Request) {
	state, nonce, verifier := randomID()[:16], randomID()[:16], oauth2.GenerateVerifier()
	rp.mu.Lock()
	rp.pending[state] = [2]string{nonce, verifier}
	rp.mu.Unlock()
	opts := []oauth2.AuthCodeOption{oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)}
	if r.URL.Path == "/silent" {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", "none"))
	}
	http.Redirect(w, r, rp.oauth.AuthCodeURL(state, opts...), http.StatusFound)
}

// callback exchanges the code and verifies the ID token, its nonce and
// its at_hash, then shows the result in #result.
func (rp *relyingParty) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		fmt.Fprintf(w, `<p id="result">error=%s</p>`, html.EscapeString(e))
		return
	}
	rp.mu.Lock()
	pending, ok := rp.pending[q.Get("state")]
	delete(rp.pending, q.Get("state"))
	rp.mu.Unlock()
	result, err := rp.finish(r.Context(), ok, pending, q.Get("code"))
	if err != nil {
		result = "failed: " + err.Error()
	}
	fmt.Fprintf(w, `<p id="result">%s</p>`, html.EscapeString(result))
}

func (rp *relyingParty) finish(ctx context.Context, known bool, pending [2]string, code string) (string, error) {
	if !known {
		return "", errors.New("unknown state")
	}
	tok, err := rp.oauth.Exchange(ctx, code, oauth2.VerifierOption(pending[1]))
	if err != nil {
		return "", fmt.Errorf("exchange: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idToken, err := rp.verifier.Verify(ctx, raw)
	if err != nil {
		return "", fmt.Errorf("verify ID token: %w", err)
	}
	if idToken.Nonce != pending[0] {
		return "", fmt.Errorf("nonce %q, want %q", idToken.Nonce, pending[0])
	}
	if idToken.AccessTokenHash == "" {
		return "", errors.New("ID token has no at_hash")
	}
	if err := idToken.VerifyAccessToken(tok.AccessToken); err != nil {
		return "", fmt.Errorf("at_hash: %w", err)
	}
	var claims struct {
		Username string `json:"preferred_username"`
		ACR      string `json:"acr"`
	}
	if err := idToken.Claims(&claims); err != nil {
		return "", err
	}
	rp.mu.Lock()
	rp.idToken = raw
	rp.mu.Unlock()
	return fmt.Sprintf("signed in as %s, acr=%s", claims.Username, claims.ACR), nil
}

func (rp *relyingParty) logout(w http.ResponseWriter, r *http.Request) {
	rp.mu.Lock()
	hint := rp.idToken
	rp.mu.Unlock()
	q := url.Values{
		"id_token_hint":            {hint},
		"post_logout_redirect_uri": {rp.ts.URL + "/bye"},
		"state":                    {"bye-state"},
	}
	http.Redirect(w, r, rp.env.issuer+"/protocol/openid-connect/logout?"+q.Encode(), http.StatusFound)
}

// resultText waits for the #result element of the relying party's page and
// returns its text.
func resultText(t *testing.T, ctx context.Context) string {
	t.Helper()
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("result")))
	if err != nil {
		t.Fatalf("reading #result: %v", err)
	}
	return text
}

func TestBrowserCodeFlow(t *testing.T) {
	ctx := startChromium(t)
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	env := newBrowserEnv(t, "")
	rp := newRelyingParty(t, env, "spa")

	// The first login shows the form.
	if err := chromedp.Do(ctx, chromedp.Navigate(rp.ts.URL+"/login"), chromedp.WaitVisible(chromedp.ID("kc-form-login"))); err != nil {
		t.Fatalf("opening the login page: %v", err)
	}
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("kc-page-title")))
	if err != nil || heading != "Sign in to your account" {
		t.Fatalf("page heading = %q (%v), want %q", heading, err, "Sign in to your account")
	}

	// A wrong password shows Keycloak's message on the same form.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("username"), "alice"),
		chromedp.SendKeys(chromedp.ID("password"), "wrong"),
		chromedp.Click(chromedp.ID("kc-login")),
		chromedp.WaitVisible(chromedp.ID("input-error")),
	); err != nil {
		t.Fatalf("submitting a wrong password: %v", err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("input-error")))
	if err != nil || msg != "Invalid username or password." {
		t.Fatalf("#input-error = %q (%v), want %q", msg, err, "Invalid username or password.")
	}
	invalid, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("password").getAttribute("aria-invalid")`))
	if err != nil || invalid != "true" {
		t.Errorf("password aria-invalid = %q (%v), want %q", invalid, err, "true")
	}
	username, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("username")))
	if err != nil || username != "alice" {
		t.Errorf("username after a failed login = %q (%v), want %q", username, err, "alice")
	}

	// The right password completes the code flow with PKCE.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("password"), "alice-pw"),
		chromedp.Click(chromedp.ID("kc-login")),
		chromedp.WaitVisible(chromedp.ID("result")),
	); err != nil {
		t.Fatalf("submitting the right password: %v", err)
	}
	if got, want := resultText(t, ctx), "signed in as alice, acr=1"; got != want {
		t.Fatalf("after login: %q, want %q", got, want)
	}

	// A second login uses the SSO session and shows no form.
	if err := chromedp.Do(ctx, chromedp.Navigate(rp.ts.URL+"/login"), chromedp.WaitVisible(chromedp.ID("result"))); err != nil {
		t.Fatalf("second login: %v", err)
	}
	if got, want := resultText(t, ctx), "signed in as alice, acr=0"; got != want {
		t.Fatalf("after SSO login: %q, want %q", got, want)
	}

	// Logout with the ID token as hint needs no confirmation and returns
	// to the application with its state.
	if err := chromedp.Do(ctx, chromedp.Navigate(rp.ts.URL+"/logout"), chromedp.WaitVisible(chromedp.ID("result"))); err != nil {
		t.Fatalf("logout: %v", err)
	}
	if got, want := resultText(t, ctx), "logged out, state=bye-state"; got != want {
		t.Fatalf("after logout: %q, want %q", got, want)
	}

	// Without a session, prompt=none answers login_required.
	if err := chromedp.Do(ctx, chromedp.Navigate(rp.ts.URL+"/silent"), chromedp.WaitVisible(chromedp.ID("result"))); err != nil {
		t.Fatalf("prompt=none: %v", err)
	}
	if got, want := resultText(t, ctx), "error=login_required"; got != want {
		t.Fatalf("prompt=none after logout: %q, want %q", got, want)
	}

	// The login page fits a phone screen without horizontal scrolling.
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(375, 667),
		chromedp.Navigate(rp.ts.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("kc-form-login")),
	); err != nil {
		t.Fatalf("login page on a phone: %v", err)
	}
	fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
	if err != nil || !fits {
		t.Errorf("login page at 375 px wide scrolls horizontally (err %v)", err)
	}

	if *updateScreenshot {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1000, 640)); err != nil {
			t.Fatal(err)
		}
		writeLoginScreenshot(t, ctx)
	}
}

// writeLoginScreenshot saves the demo realm's login page as
// docs/login-page.png.
func writeLoginScreenshot(t *testing.T, ctx context.Context) {
	t.Helper()
	var demo *Server
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { demo.ServeHTTP(w, r) }))
	defer ts.Close()
	demo, err := New(WithFrontendURL(ts.URL))
	if err != nil {
		t.Fatal(err)
	}
	_, challenge := pkcePair("screenshot")
	q := url.Values{
		"client_id": {"demo-web"}, "redirect_uri": {"http://localhost:3000/callback"}, "response_type": {"code"},
		"scope": {"openid"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"},
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/realms/demo/protocol/openid-connect/auth?"+q.Encode()),
		chromedp.WaitVisible(chromedp.ID("kc-form-login")),
	); err != nil {
		t.Fatalf("opening the demo login page: %v", err)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join("..", "docs", "login-page.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}
