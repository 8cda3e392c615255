package interop

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// browserlessUser is a user agent without JavaScript: an HTTP client with a
// cookie jar that follows redirects itself, so that it can stop at the
// redirect to the relying party.
type browserlessUser struct {
	client *http.Client
}

func newBrowserlessUser(t testing.TB) *browserlessUser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browserlessUser{client: &http.Client{
		Jar:     jar,
		Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// login opens authURL, signs in through the login form
// form#kc-form-login unless the SSO cookie signs the user in, and returns the URL that the emulator redirects to
// at redirectURI, with the code and state. It follows the redirects in
// between but never requests redirectURI.
func (u *browserlessUser) login(ctx context.Context, authURL, redirectURI, username, password string) (*url.URL, error) {
	resp, err := u.get(ctx, authURL)
	if err != nil {
		return nil, err
	}
	for resp.StatusCode/100 == 3 {
		next, err := resp.Location()
		if err != nil {
			return nil, fmt.Errorf("redirect without Location from %s: %w", resp.Request.URL, err)
		}
		if strings.HasPrefix(next.String(), redirectURI) {
			return next, nil // signed in already by the SSO cookie
		}
		if resp, err = u.get(ctx, next.String()); err != nil {
			return nil, err
		}
	}

	page, err := readPage(resp)
	if err != nil {
		return nil, err
	}
	form := findByID(page, "form", "kc-form-login")
	if form == nil {
		return nil, fmt.Errorf("no form#kc-form-login on the page at %s (status %d)", resp.Request.URL, resp.StatusCode)
	}
	action, err := resp.Request.URL.Parse(attr(form, "action"))
	if err != nil {
		return nil, fmt.Errorf("login form action %q is not a URL: %w", attr(form, "action"), err)
	}
	values := formValues(form)
	values.Set("username", username)
	values.Set("password", password)
	return u.submit(ctx, action.String(), values, redirectURI)
}

// submit posts the login form and follows redirects until one goes to
// redirectURI.
func (u *browserlessUser) submit(ctx context.Context, action string, values url.Values, redirectURI string) (*url.URL, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, action, strings.NewReader(values.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := u.client.Do(req)
	if err != nil {
		return nil, err
	}
	for {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode/100 != 3 {
			return nil, fmt.Errorf("login ended at %s with status %d, want a redirect to %s; body: %.300s", resp.Request.URL, resp.StatusCode, redirectURI, body)
		}
		next, err := resp.Location()
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(next.String(), redirectURI) {
			return next, nil
		}
		if resp, err = u.get(ctx, next.String()); err != nil {
			return nil, err
		}
	}
}

// get requests target with the user's cookies and does not follow
// redirects.
func (u *browserlessUser) get(ctx context.Context, target string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	return u.client.Do(req)
}

// visit requests target and returns the response status, the redirect
// location if any, and the body.
func (u *browserlessUser) visit(ctx context.Context, target string) (int, string, string, error) {
	resp, err := u.get(ctx, target)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, resp.Header.Get("Location"), string(body), err
}

func readPage(resp *http.Response) (*html.Node, error) {
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		return nil, fmt.Errorf("%s returned %d with Content-Type %q, want an HTML login page; body: %.300s", resp.Request.URL, resp.StatusCode, ct, body)
	}
	return html.Parse(io.LimitReader(resp.Body, 1<<20))
}

// findByID returns the first element named tag with the given id.
func findByID(n *html.Node, tag, id string) *html.Node {
	if n.Type == html.ElementNode && n.Data == tag && attr(n, "id") == id {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if found := findByID(c, tag, id); found != nil {
			return found
		}
	}
	return nil
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

// formValues returns the names and values of a form's input elements, as
// a browser would submit them (hidden fields included).
func formValues(form *html.Node) url.Values {
	values := url.Values{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "input" && attr(n, "name") != "" {
			switch attr(n, "type") {
			case "checkbox", "radio":
				if !hasAttr(n, "checked") {
					break
				}
				fallthrough
			default:
				values.Add(attr(n, "name"), attr(n, "value"))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(form)
	return values
}

func hasAttr(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}
