package conformance

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
)

// Browser is the kit's login driver: an HTTP client with a cookie jar that
// fills in login and consent forms. It follows redirects on the provider's
// own host and stops at any redirect that leaves it, such as the one to the
// redirect URI. It runs no JavaScript, which Keycloak's login pages do not
// need.
type Browser struct {
	c      *C
	client *http.Client
	// hosts are the provider's host:port values; a redirect elsewhere ends
	// navigation without being followed.
	hosts map[string]bool
}

// Landing is the end of a navigation: a redirect away from the provider or
// a page.
type Landing struct {
	// Response is the last response: the redirect that left the provider,
	// or the page the provider showed.
	Response *Response
	// Redirect is the URL the provider redirected to when navigation left
	// the provider, else nil.
	Redirect *url.URL
	// Params are the redirect's query parameters merged with its fragment
	// parameters.
	Params url.Values
	// Page is the parsed page when the provider showed HTML instead.
	Page *Page
}

// RedirectedTo reports whether the navigation left the provider for a URL
// whose scheme, host and path equal those of target.
func (l *Landing) RedirectedTo(target string) bool {
	if l.Redirect == nil {
		return false
	}
	t, err := url.Parse(target)
	if err != nil {
		return false
	}
	return sameEndpoint(l.Redirect, t)
}

// IsErrorPage reports whether the provider showed an error page: it did not
// redirect away, and the page is an error status or has neither a login
// form nor any other form to continue with.
func (l *Landing) IsErrorPage() bool {
	if l.Redirect != nil {
		return false
	}
	if l.Response.Status >= 400 {
		return true
	}
	return l.Page == nil || len(l.Page.Forms) == 0
}

// describe summarises the landing for messages.
func (l *Landing) describe() string {
	switch {
	case l.Redirect != nil:
		return "redirect to " + maskURL(l.Redirect)
	case l.Page != nil:
		return "HTTP " + strconv.Itoa(l.Response.Status) + " page " + quoteExcerpt(l.Page)
	default:
		return "HTTP " + strconv.Itoa(l.Response.Status)
	}
}

// quoteExcerpt returns the start of a page's text in quotes.
func quoteExcerpt(p *Page) string {
	t := p.Text
	if p.Title != "" && !strings.HasPrefix(t, p.Title) {
		t = p.Title + ": " + t
	}
	return `"` + excerpt(t, 160) + `"`
}

// sameEndpoint compares scheme, host and path, ignoring query and fragment.
func sameEndpoint(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host) &&
		strings.TrimSuffix(a.Path, "/") == strings.TrimSuffix(b.Path, "/")
}

// NewBrowser returns a browser with an empty cookie jar.
func (c *C) NewBrowser() *Browser {
	jar, _ := cookiejar.New(nil) // cookiejar.New returns a nil error for nil options.
	b := &Browser{c: c, hosts: make(map[string]bool)}
	d := c.Discovery()
	c.requireEndpoint("authorization_endpoint", d.AuthorizationEndpoint)
	for _, raw := range []string{d.AuthorizationEndpoint, d.EndSessionEndpoint, d.Issuer, c.target.Issuer} {
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			b.hosts[strings.ToLower(u.Host)] = true
		}
	}
	b.client = &http.Client{
		Transport: c.session.transport,
		Jar:       jar,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if !b.hosts[strings.ToLower(req.URL.Host)] || len(via) >= 20 {
				return http.ErrUseLastResponse
			}
			c.Logf("  follow redirect to %s", maskURL(req.URL))
			return nil
		},
	}
	return b
}

// Open navigates to rawURL with GET.
func (b *Browser) Open(rawURL string) *Landing {
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		b.c.Fatalf("invalid URL %q: %v", rawURL, err)
	}
	return b.land(b.c.Do(req, b.client))
}

// Post navigates by submitting form to rawURL.
func (b *Browser) Post(rawURL string, form url.Values) *Landing {
	req, err := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		b.c.Fatalf("invalid URL %q: %v", rawURL, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.land(b.c.Do(req, b.client))
}

// Submit submits form as found on the page of l, with the fields in extra
// set, and the submit button named button if it is not empty.
func (b *Browser) Submit(l *Landing, form *Form, extra url.Values, button string) *Landing {
	action, err := l.Response.Request.URL.Parse(form.Action)
	if err != nil {
		b.c.Fatalf("invalid form action %q: %v", form.Action, err)
	}
	values := cloneValues(form.Fields)
	for k, vs := range extra {
		values[k] = vs
	}
	if button != "" {
		values.Set(button, form.Buttons.Get(button))
	}
	if form.Method == http.MethodGet {
		action.RawQuery = values.Encode()
		return b.Open(action.String())
	}
	return b.Post(action.String(), values)
}

// land interprets a response as the end of a navigation.
func (b *Browser) land(r *Response) *Landing {
	l := &Landing{Response: r}
	if loc := r.Location(); r.IsRedirect() && loc != nil {
		l.Redirect = loc
		l.Params = loc.Query()
		if l.Redirect.Fragment != "" {
			if frag, err := url.ParseQuery(l.Redirect.Fragment); err == nil {
				for k, vs := range frag {
					l.Params[k] = append(l.Params[k], vs...)
				}
			}
		}
		return l
	}
	if r.MediaType() == "text/html" {
		l.Page = ParsePage(r.Body)
	}
	return l
}

// Authorize opens an authorization URL and, when user is not nil, logs the
// user in and grants consent until the provider redirects away or shows a
// page that is neither a login nor a consent form.
func (b *Browser) Authorize(authURL string, user *User) *Landing {
	if user != nil && b.c.session.loginDriver != nil {
		// The driver fills in the login and consent forms itself.
		return b.driverAuthorize(authURL, *user)
	}
	return b.Continue(b.Open(authURL), user)
}

// Continue goes on from landing l as Authorize does.
func (b *Browser) Continue(l *Landing, user *User) *Landing {
	loggedIn := false
	for step := 0; step < 6 && l.Redirect == nil && l.Page != nil; step++ {
		if form := l.Page.LoginForm(); form != nil {
			if user == nil || loggedIn {
				return l
			}
			l = b.Login(l, form, *user)
			loggedIn = true
			continue
		}
		form, button := consentForm(l.Page)
		if form == nil {
			return l
		}
		b.c.Logf("  grant consent on %q", excerpt(l.Page.Title, 60))
		l = b.Submit(l, form, nil, button)
	}
	return l
}

// Login submits the login form with the user's credentials.
func (b *Browser) Login(l *Landing, form *Form, user User) *Landing {
	fields := url.Values{}
	if name := form.usernameField(); name != "" {
		fields.Set(name, user.Username)
	}
	if len(form.PasswordFields) == 0 {
		b.c.Fatalf("the login form has no password field")
	}
	fields.Set(form.PasswordFields[0], user.Password)
	button := ""
	if _, ok := form.Buttons["login"]; ok {
		button = "login" // Keycloak's submit button
	}
	return b.Submit(l, form, fields, button)
}

// consentForm finds a consent form: Keycloak's has a submit button named
// accept; oidc-provider's development interactions post a form with the
// hidden field prompt=consent and an unnamed button.
func consentForm(p *Page) (*Form, string) {
	if f := p.FormWithButton("accept"); f != nil {
		return f, "accept"
	}
	for _, f := range p.Forms {
		if f.Method == http.MethodPost && f.Fields.Get("prompt") == "consent" && len(f.PasswordFields) == 0 {
			return f, ""
		}
	}
	return nil, ""
}
