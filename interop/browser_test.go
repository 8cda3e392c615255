package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium, which scripts/install-chromium.sh
// installs.
const chromiumPath = "/usr/bin/chromium"

// browser is the headless Chromium that the package's tests share. Each
// test opens its tabs in a browser context of its own, so cookies and
// storage never leak between tests.
type browser struct {
	ctx         context.Context // has the browser
	cancel      context.CancelFunc
	allocCancel context.CancelFunc
}

// sharedBrowser returns the package's Chromium, starting it on first use.
func sharedBrowser(t testing.TB) *browser {
	t.Helper()
	shared.browserOnce.Do(func() {
		shared.browser, shared.browserErr = startBrowser()
	})
	requireTool(t, shared.browserErr)
	return shared.browser
}

func startBrowser() (*browser, error) {
	if _, err := os.Stat(chromiumPath); err != nil {
		return nil, fmt.Errorf("chromium not found at %s: run scripts/install-chromium.sh", chromiumPath)
	}
	// Without the networking flags Chromium keeps trying to reach hosts
	// that the test machines cannot reach.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
	)
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		cancel()
		allocCancel()
		return nil, fmt.Errorf("starting %s: %w", chromiumPath, err)
	}
	return &browser{ctx: ctx, cancel: cancel, allocCancel: allocCancel}, nil
}

func (b *browser) close() {
	b.cancel()
	b.allocCancel()
}

// newTab opens a tab in a fresh browser context. The tab closes when
// cancel is called or the test ends.
func (b *browser) newTab(t testing.TB) (ctx context.Context, cancel context.CancelFunc) {
	t.Helper()
	tabCtx, cancelTab := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(tabCtx, 60*time.Second)
	cancel = func() {
		cancelTimeout()
		cancelTab()
	}
	t.Cleanup(cancel)
	return ctx, cancel
}

// startKeycloakJSPage starts an emulator and serves the keycloak-js test
// page of web/ on a 127.0.0.1 port, with keycloak-js from
// node/node_modules, configured for the keycloak-js client. It returns the
// emulator and the page's origin, which is one of the client's web
// origins.
func startKeycloakJSPage(t testing.TB) (*emulator, string) {
	t.Helper()
	openIDClient(t) // installs node_modules
	page := httptest.NewUnstartedServer(nil)
	origin := "http://" + page.Listener.Addr().String()
	e := startEmulator(t, origin)

	mux := http.NewServeMux()
	mux.Handle("GET /keycloak-js/", http.StripPrefix("/keycloak-js/", http.FileServer(http.Dir("node/node_modules/keycloak-js/lib"))))
	mux.HandleFunc("GET /config.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"url": e.url, "realm": realmName, "clientId": keycloakJSClient})
	})
	for path, file := range map[string]string{
		"GET /{$}":                   "web/index.html",
		"GET /app.mjs":               "web/app.mjs",
		"GET /silent-check-sso.html": "web/silent-check-sso.html",
	} {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, file) })
	}
	page.Config.Handler = mux
	page.Start()
	t.Cleanup(page.Close)
	return e, origin
}

// pageResult is window.interop after keycloak-js's init settled.
type pageResult struct {
	Mode          string `json:"mode"`
	Done          bool   `json:"done"`
	Authenticated bool   `json:"authenticated"`
	Error         string `json:"error"`

	// LoginPage is the URL of the emulator's login page, which is the
	// authorization request, when openPage signed in.
	LoginPage string `json:"-"`
}

// waitForInit waits until keycloak-js's init on the current page settled
// and returns its outcome. It polls again when a navigation destroys the
// page that it polls, because keycloak-js redirects during init.
func waitForInit(ctx context.Context) (pageResult, error) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := chromedp.Run(ctx, chromedp.Poll[pageResult](
			`window.interop && window.interop.done && window.interop`,
			chromedp.WithPollingInterval(50*time.Millisecond),
			chromedp.WithPollingTimeout(5*time.Second),
		))
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			if err != nil {
				url, _ := chromedp.Run(ctx, chromedp.Location())
				err = fmt.Errorf("waiting for keycloak-js init at %s: %w", url, err)
			}
			return res, err
		}
	}
}

// openPage opens the test page in mode and returns keycloak-js's init
// outcome. With login, it signs in on the emulator's login page first.
func openPage(ctx context.Context, origin, mode string, login bool) (pageResult, error) {
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/?mode="+mode)); err != nil {
		return pageResult{}, err
	}
	var loginPage string
	if login {
		var err error
		if loginPage, err = signIn(ctx); err != nil {
			url, _ := chromedp.Run(ctx, chromedp.Location())
			return pageResult{}, fmt.Errorf("signing in at %s: %w", url, err)
		}
	}
	res, err := waitForInit(ctx)
	res.LoginPage = loginPage
	return res, err
}

// signIn waits for the emulator's login form in the current tab, fills it
// in and submits it as a user would. It returns the URL of the login page.
func signIn(ctx context.Context) (string, error) {
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("form#kc-form-login"))); err != nil {
		return "", err
	}
	loginPage, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "", err
	}
	return loginPage, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("kc-login")),
	)
}

// evalPromise runs a JavaScript expression that returns a promise on the
// current page and decodes what the promise resolves to.
func evalPromise[T any](ctx context.Context, expression string) (T, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
}
