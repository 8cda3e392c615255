package chromium

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/smartmate/smartmate-mock/conformance"
)

// DefaultExecPath is the browser's path in Debian's chromium package.
const DefaultExecPath = "/usr/bin/chromium"

// stepTimeout bounds the wait for the page after each form submission.
const stepTimeout = 20 * time.Second

// Driver is a headless Chromium that performs logins. Each login runs in a
// fresh browser context, so logins share no cookies.
type Driver struct {
	browserCtx context.Context
	cancel     func()
}

// New starts a headless Chromium from execPath (DefaultExecPath when empty)
// with a throw-away profile in userDataDir. Close stops it.
func New(execPath, userDataDir string) (*Driver, error) {
	if execPath == "" {
		execPath = DefaultExecPath
	}
	if _, err := os.Stat(execPath); err != nil {
		return nil, fmt.Errorf("chromium: browser not found at %s: %w", execPath, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.NoSandbox,
		chromedp.UserDataDir(userDataDir),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	d := &Driver{browserCtx: browserCtx, cancel: func() { cancelBrowser(); cancelAlloc() }}
	// Start the browser now, so that a broken installation fails here.
	if err := chromedp.Do(browserCtx, chromedp.Navigate("about:blank")); err != nil {
		d.Close()
		return nil, fmt.Errorf("chromium: start %s: %w", execPath, err)
	}
	return d, nil
}

// Close stops the browser.
func (d *Driver) Close() { d.cancel() }

// pageState is what the login script finds on the current page.
type pageState struct {
	Login    bool   `json:"login"`
	User     string `json:"user"`
	Password string `json:"password"`
	Consent  string `json:"consent"`
}

// inspectScript finds a login form (a password field, with a user name
// field named username, login or email, or the first text field, when the
// form has one) or a consent form (Keycloak's accept button,
// oidc-provider's hidden prompt=consent).
const inspectScript = `(() => {
	const out = {login: false, user: "", password: "", consent: ""};
	const pw = document.querySelector("form input[type=password]");
	if (pw) {
		let u = null;
		for (const n of ["username", "login", "email"]) {
			u = pw.form.querySelector("input[name='" + n + "']");
			if (u) break;
		}
		if (!u) u = pw.form.querySelector("input[type=text], input[type=email], input:not([type])");
		out.login = true;
		out.user = u ? u.name : "";
		out.password = pw.name;
		return out;
	}
	if (document.querySelector("form [name=accept]")) out.consent = "accept";
	else if (document.querySelector("form input[type=hidden][name=prompt][value=consent]")) out.consent = "form";
	return out;
})()`

// fieldName matches the form field names the driver puts into selectors.
var fieldName = regexp.MustCompile(`^[A-Za-z0-9_.:-]+$`)

// tab is one login's browser tab and what its network handler observed.
type tab struct {
	ctx       context.Context
	authURL   string
	redirects chan *url.URL

	mu sync.Mutex
	// status is the HTTP status of the last document response; guarded by mu.
	status int
}

// Login implements conformance.LoginDriver.
func (d *Driver) Login(ctx context.Context, req conformance.LoginRequest) (*conformance.LoginResult, error) {
	tabCtx, cancel := chromedp.NewContext(d.browserCtx, chromedp.WithNewBrowserContext())
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()

	t, err := d.openTab(tabCtx, req.Hosts)
	if err != nil {
		return nil, err
	}
	t.authURL = req.AuthURL
	logf := req.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}

	if err := chromedp.Do(tabCtx, chromedp.Navigate(req.AuthURL)); err != nil && !t.redirected() {
		var le *chromedp.LoadError
		if !errors.As(err, &le) {
			return nil, fmt.Errorf("chromium: open the authorization URL: %w", err)
		}
	}
	loggedIn := false
	for step := 0; step < 6; step++ {
		if u := t.redirect(); u != nil {
			return t.result(u, nil)
		}
		state, err := chromedp.Run(tabCtx, chromedp.Evaluate[pageState](inspectScript))
		if err != nil {
			return nil, fmt.Errorf("chromium: inspect the page: %w", err)
		}
		var action chromedp.Action[chromedp.Void]
		switch {
		case state.Login && !loggedIn:
			if (state.User != "" && !fieldName.MatchString(state.User)) || !fieldName.MatchString(state.Password) {
				return nil, fmt.Errorf("chromium: unusable login field names %q and %q", state.User, state.Password)
			}
			logf("  chromium: fill in the login form and submit it")
			form := "form:has(input[type=password]) "
			var steps []chromedp.Action[chromedp.Void]
			// A re-authentication page may show no user name field.
			if state.User != "" {
				steps = append(steps, chromedp.SetValue(chromedp.CSS(form+"input[name='"+state.User+"']"), req.User.Username))
			}
			steps = append(steps,
				chromedp.SetValue(chromedp.CSS(form+"input[name='"+state.Password+"']"), req.User.Password),
				chromedp.Click(chromedp.CSS(form+"[type=submit]")),
			)
			action = chromedp.Steps(steps...)
			loggedIn = true
		case state.Consent == "accept":
			logf("  chromium: grant consent with the accept button")
			action = chromedp.Click(chromedp.CSS("form [name=accept]"))
		case state.Consent == "form":
			logf("  chromium: grant consent")
			action = chromedp.Click(chromedp.CSS("form:has(input[name=prompt][value=consent]) [type=submit]"))
		default:
			html, err := chromedp.Run(tabCtx, chromedp.Evaluate[string]("document.documentElement.outerHTML"))
			if err != nil {
				return nil, fmt.Errorf("chromium: read the page: %w", err)
			}
			return t.result(nil, []byte(html))
		}
		if err := t.act(action); err != nil {
			return nil, err
		}
	}
	return nil, errors.New("chromium: the login did not finish within 6 pages")
}

// openTab enables request interception and starts the goroutines that
// allow requests to the provider's hosts, fail all others, and report
// document navigations and loads.
func (d *Driver) openTab(ctx context.Context, hosts []string) (*tab, error) {
	t := &tab{ctx: ctx, redirects: make(chan *url.URL, 1)}
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	responses := chromedp.Events(ctx, network.ResponseReceived)
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{}); err != nil {
		return nil, fmt.Errorf("chromium: enable request interception: %w", err)
	}
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			t.route(ev, hosts)
		}
	}()
	go func() {
		for ev, err := range responses {
			if err != nil {
				return
			}
			if ev.Type == network.ResourceTypeDocument && ev.Response != nil {
				t.mu.Lock()
				t.status = int(ev.Response.Status)
				t.mu.Unlock()
			}
		}
	}()
	return t, nil
}

// route lets a paused request through when it goes to one of hosts, and
// fails it otherwise, reporting a document navigation as the redirect.
func (t *tab) route(ev fetch.EventRequestPaused, hosts []string) {
	u, err := url.Parse(ev.Request.URL)
	allowed := err == nil && (u.Scheme == "http" || u.Scheme == "https") && slices.Contains(hosts, strings.ToLower(u.Host))
	if allowed {
		_, _ = chromedp.Call(t.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		return
	}
	if err == nil && ev.ResourceType == network.ResourceTypeDocument {
		select {
		case t.redirects <- u:
		default:
		}
	}
	_, _ = chromedp.Call(t.ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
}

// redirect returns the reported navigation away from the provider, or nil,
// without waiting.
func (t *tab) redirect() *url.URL {
	select {
	case u := <-t.redirects:
		t.redirects <- u // keep it for later calls
		return u
	default:
		return nil
	}
}

// redirected reports whether a navigation away from the provider happened.
func (t *tab) redirected() bool { return t.redirect() != nil }

// act runs an action that submits a form and waits until another page has
// loaded or the browser tried to leave the provider. It marks the current
// document first: load events arrive asynchronously and could belong to the
// page before, but a loaded page without the mark is surely the new one.
func (t *tab) act(action chromedp.Action[chromedp.Void]) error {
	if _, err := chromedp.Run(t.ctx, chromedp.Evaluate[bool]("window.__conformanceMark = true")); err != nil {
		return fmt.Errorf("chromium: mark the page: %w", err)
	}
	if err := chromedp.Do(t.ctx, action); err != nil {
		return fmt.Errorf("chromium: submit the form: %w", err)
	}
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		if t.redirected() {
			return nil
		}
		// Evaluating fails while the page navigates; poll again then.
		loaded, err := chromedp.Run(t.ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && !window.__conformanceMark`))
		if err == nil && loaded {
			return nil
		}
		if t.ctx.Err() != nil {
			return t.ctx.Err()
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("chromium: no new page within %s after submitting the form", stepTimeout)
}

// result builds the login result with the tab's cookies.
func (t *tab) result(redirect *url.URL, html []byte) (*conformance.LoginResult, error) {
	res := &conformance.LoginResult{Redirect: redirect, HTML: html}
	if redirect == nil {
		loc, err := chromedp.Run(t.ctx, chromedp.Location())
		if err == nil {
			res.URL, _ = url.Parse(loc)
		}
		t.mu.Lock()
		res.Status = t.status
		t.mu.Unlock()
	}
	cookies, err := chromedp.Call(t.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{t.authURL}})
	if err != nil {
		return nil, fmt.Errorf("chromium: read the cookies: %w", err)
	}
	for _, c := range cookies.Cookies {
		res.Cookies = append(res.Cookies, &http.Cookie{Name: c.Name, Value: c.Value, Path: c.Path, Domain: c.Domain, Secure: c.Secure, HttpOnly: c.HTTPOnly})
	}
	return res, nil
}
