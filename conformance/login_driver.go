package conformance

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// LoginDriver signs a user in with a user agent other than the kit's HTTP
// client, such as a headless browser (package conformance/chromium). When
// Options.LoginDriver is set, every login of a check goes through it. The
// other requests of the check, including the pages that need no login, stay
// on the kit's HTTP client, which receives the driver's cookies so that the
// provider's session carries over.
type LoginDriver interface {
	Login(ctx context.Context, req LoginRequest) (*LoginResult, error)
}

// LoginRequest is one login for a LoginDriver.
type LoginRequest struct {
	// AuthURL is the authorization URL to open.
	AuthURL string
	// User is the account to sign in.
	User User
	// Hosts are the provider's host:port values. The driver must keep the
	// user agent from contacting any other host, and report the first
	// navigation to another host as LoginResult.Redirect.
	Hosts []string
	// Logf records a line of evidence.
	Logf func(format string, args ...any)
}

// LoginResult is the end of a driver's login: a redirect away from the
// provider or a page.
type LoginResult struct {
	// Redirect is the navigation that left the provider, usually to the
	// redirect URI with the authorization response, or nil.
	Redirect *url.URL
	// URL, Status and HTML describe the page shown when there was no
	// redirect.
	URL    *url.URL
	Status int
	HTML   []byte
	// Cookies are the provider's cookies after the login.
	Cookies []*http.Cookie
}

// driverAuthorize runs a login through the session's login driver and
// turns its result into a landing of b, copying the cookies into b's jar.
func (b *Browser) driverAuthorize(authURL string, user User) *Landing {
	c := b.c
	u, err := url.Parse(authURL)
	if err != nil {
		c.Fatalf("invalid authorization URL %q: %v", authURL, err)
	}
	hosts := make([]string, 0, len(b.hosts))
	for h := range b.hosts {
		hosts = append(hosts, h)
	}
	c.Logf("login driver: open %s", maskURL(u))
	res, err := c.session.loginDriver.Login(c.ctx, LoginRequest{AuthURL: authURL, User: user, Hosts: hosts, Logf: c.Logf})
	if err != nil {
		c.Fatalf("login driver failed: %v", err)
	}

	// Host-only cookies for the provider: the jar rejects a Domain
	// attribute on IP hosts, and the driver already scoped them.
	jarCookies := make([]*http.Cookie, 0, len(res.Cookies))
	for _, ck := range res.Cookies {
		cp := *ck
		cp.Domain = ""
		jarCookies = append(jarCookies, &cp)
	}
	b.client.Jar.SetCookies(u, jarCookies)

	req := &http.Request{Method: http.MethodGet, URL: u, Header: http.Header{}}
	if res.Redirect != nil {
		r := &Response{Status: http.StatusFound, Header: http.Header{"Location": {res.Redirect.String()}}, Request: req}
		c.Logf("login driver: %s", responseExcerpt(r))
		return b.land(r)
	}
	if res.URL != nil {
		req.URL = res.URL
	}
	status := res.Status
	if status == 0 {
		status = http.StatusOK
	}
	r := &Response{Status: status, Header: http.Header{"Content-Type": {"text/html"}}, Body: res.HTML, Request: req}
	c.Logf("login driver: %s", strings.TrimSpace(responseExcerpt(r)))
	return b.land(r)
}
