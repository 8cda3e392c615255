package conformance

import (
	"net/http"
	"net/url"
	"strings"
)

// userinfoMethod is the way the access token travels to the userinfo
// endpoint.
type userinfoMethod int

// The three methods of OpenID Connect Core section 5.3.1 and RFC 6750
// section 2.
const (
	userinfoGet userinfoMethod = iota
	userinfoPostHeader
	userinfoPostBody
)

// Userinfo calls the userinfo endpoint with token.
func (c *C) Userinfo(token string, method userinfoMethod) *Response {
	endpoint := c.requireEndpoint("userinfo_endpoint", c.Discovery().UserinfoEndpoint)
	var req *http.Request
	var err error
	switch method {
	case userinfoGet:
		req, err = http.NewRequest(http.MethodGet, endpoint, nil)
	case userinfoPostHeader:
		req, err = http.NewRequest(http.MethodPost, endpoint, strings.NewReader(""))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	case userinfoPostBody:
		body := url.Values{"access_token": {token}}.Encode()
		req, err = http.NewRequest(http.MethodPost, endpoint, strings.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if err != nil {
		c.Fatalf("invalid userinfo_endpoint %q: %v", endpoint, err)
	}
	if method != userinfoPostBody {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return c.Do(req, nil)
}

// checkUserinfo applies the checks of OpenID Connect Core section 5.3.2 to
// a userinfo response: 200, JSON, sub equal to the ID token's sub, and
// standard claims of the right JSON types. It returns the claims, or nil
// after recording a violation.
func checkUserinfo(c *C, r *Response, id *IDClaims) map[string]any {
	if r.Status != 200 {
		c.Errorf("userinfo returned HTTP %d, want 200", r.Status)
		return nil
	}
	if mt := r.MediaType(); mt != "application/json" {
		// A signed userinfo response (application/jwt) needs a client
		// registration that requests it, which the kit never makes.
		c.Errorf("userinfo Content-Type = %q, want application/json", mt)
		return nil
	}
	m, err := r.Object()
	if err != nil {
		c.Errorf("%v", err)
		return nil
	}
	sub, _ := m["sub"].(string)
	switch {
	case sub == "":
		c.Errorf("userinfo has no sub")
	case id != nil && sub != id.Subject():
		c.Errorf("userinfo sub = %q, want the ID token's sub %q (OpenID Connect Core section 5.3.2)", sub, id.Subject())
	}
	checkStandardClaimTypes(c, m)
	return m
}

// checkStandardClaimTypes checks the JSON types of OpenID Connect Core
// section 5.1.
func checkStandardClaimTypes(c *C, m map[string]any) {
	for name, value := range m {
		var ok bool
		switch name {
		case "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username",
			"profile", "picture", "website", "email", "gender", "birthdate", "zoneinfo", "locale", "phone_number":
			_, ok = value.(string)
		case "email_verified", "phone_number_verified":
			_, ok = value.(bool)
		case "address":
			_, ok = value.(map[string]any)
		case "updated_at":
			_, ok = numberClaim(m, name)
		default:
			continue
		}
		if !ok {
			c.Errorf("claim %s has JSON type %T, wrong for OpenID Connect Core section 5.1", name, value)
		}
	}
}
