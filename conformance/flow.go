package conformance

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math"
	"net/url"
	"strings"
)

// AuthRequest is one authorization request of the code flow.
type AuthRequest struct {
	Client Client
	// Params are the query parameters sent to the authorization endpoint.
	Params url.Values
	// Verifier is the PKCE code verifier, or "" when PKCE is not used.
	Verifier string
}

// randomToken returns n random bytes in base64url, for state, nonce and
// PKCE verifiers.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error.
	return base64.RawURLEncoding.EncodeToString(b)
}

// s256 returns the PKCE S256 challenge of verifier (RFC 7636 section 4.2).
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// NewAuthRequest returns a code-flow request of the public client for scope
// with a fresh state and nonce and a PKCE S256 challenge. The kit always
// sends PKCE for the browser client: RFC 9700 section 2.1.1 expects public
// clients to use it, and Keycloak clients may require it.
func (c *C) NewAuthRequest(scope string) *AuthRequest {
	cl := c.target.PublicClient
	verifier := randomToken(32)
	p := url.Values{}
	p.Set("response_type", "code")
	p.Set("client_id", cl.ID)
	p.Set("redirect_uri", cl.RedirectURI)
	p.Set("scope", scope)
	p.Set("state", randomToken(16))
	p.Set("nonce", randomToken(16))
	p.Set("code_challenge", s256(verifier))
	p.Set("code_challenge_method", "S256")
	return &AuthRequest{Client: cl, Params: p, Verifier: verifier}
}

// URL returns the authorization URL at the discovery document's endpoint.
// It skips the check when the provider advertises no authorization
// endpoint; oidcc-discovery-endpoint-verification fails for that.
func (a *AuthRequest) URL(c *C) string {
	endpoint := c.requireEndpoint("authorization_endpoint", c.Discovery().AuthorizationEndpoint)
	u, err := url.Parse(endpoint)
	if err != nil {
		c.Fatalf("invalid authorization_endpoint %q: %v", endpoint, err)
	}
	q := u.Query()
	for k, vs := range a.Params {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Authorize runs the request in b, logging user in when not nil.
func (c *C) Authorize(b *Browser, a *AuthRequest, user *User) *Landing {
	return b.Authorize(a.URL(c), user)
}

// RequireCode checks that the landing is a successful authorization
// response for a, with the request's state, an iss equal to the issuer if
// present (RFC 9207), and a code. It stops the check otherwise.
func (c *C) RequireCode(l *Landing, a *AuthRequest) string {
	redirect := a.Params.Get("redirect_uri")
	if !l.RedirectedTo(redirect) {
		c.Fatalf("expected a redirect to %s with a code, got %s", redirect, l.describe())
	}
	if e := l.Params.Get("error"); e != "" {
		c.Fatalf("authorization failed: error=%q error_description=%q", e, l.Params.Get("error_description"))
	}
	if got, want := l.Params.Get("state"), a.Params.Get("state"); got != want {
		c.Errorf("authorization response state = %q, want %q (OpenID Connect Core section 3.1.2.5)", got, want)
	}
	if iss := l.Params.Get("iss"); iss != "" && iss != c.Discovery().Issuer {
		c.Errorf("authorization response iss = %q, want the issuer %q (RFC 9207 section 2)", iss, c.Discovery().Issuer)
	}
	code := l.Params.Get("code")
	if code == "" {
		c.Fatalf("authorization response has no code")
	}
	return code
}

// LoginCode runs a in a new browser as the target's user and returns the
// code of the successful authorization response.
func (c *C) LoginCode(a *AuthRequest) string {
	user := c.target.User
	return c.RequireCode(c.Authorize(c.NewBrowser(), a, &user), a)
}

// TokenResponse is a decoded token endpoint response.
type TokenResponse struct {
	Response     *Response
	Raw          map[string]any
	AccessToken  string
	TokenType    string
	IDToken      string
	RefreshToken string
	Scope        string
	// ExpiresIn is nil when the member is absent or not a number.
	ExpiresIn *int64
}

// decodeTokenResponse decodes a token endpoint response body.
func decodeTokenResponse(r *Response) (*TokenResponse, error) {
	m, err := r.Object()
	if err != nil {
		return nil, err
	}
	tr := &TokenResponse{Response: r, Raw: m}
	tr.AccessToken, _ = m["access_token"].(string)
	tr.TokenType, _ = m["token_type"].(string)
	tr.IDToken, _ = m["id_token"].(string)
	tr.RefreshToken, _ = m["refresh_token"].(string)
	tr.Scope, _ = m["scope"].(string)
	if n, ok := m["expires_in"].(json.Number); ok {
		if v, err := n.Int64(); err == nil {
			tr.ExpiresIn = &v
		} else if f, err := n.Float64(); err == nil {
			v := int64(f)
			tr.ExpiresIn = &v
		}
	}
	return tr, nil
}

// TokenRequest posts form to the token endpoint as cl with method auth.
func (c *C) TokenRequest(form url.Values, cl Client, auth Auth) *Response {
	return c.PostForm(c.Discovery().TokenEndpoint, form, cl, auth)
}

// RequireTokens checks a successful token response (RFC 6749 section 5.1,
// OpenID Connect Core section 3.1.3.3) and stops the check when it is not
// one.
func (c *C) RequireTokens(r *Response) *TokenResponse {
	if r.Status != 200 {
		c.Fatalf("token endpoint returned HTTP %d, want 200", r.Status)
	}
	tr, err := decodeTokenResponse(r)
	if err != nil {
		c.Fatalf("%v", err)
	}
	if e, ok := tr.Raw["error"]; ok {
		c.Fatalf("token response carries error %v", e)
	}
	if tr.AccessToken == "" {
		c.Fatalf("token response has no access_token")
	}
	if !strings.EqualFold(tr.TokenType, "Bearer") {
		c.Errorf("token_type = %q, want Bearer (RFC 6750 section 4)", tr.TokenType)
	}
	if tr.ExpiresIn == nil {
		c.Warnf("token response has no expires_in (RFC 6749 section 5.1 recommends it)")
	} else if *tr.ExpiresIn <= 0 {
		c.Errorf("expires_in = %d, want a positive number of seconds", *tr.ExpiresIn)
	}
	return tr
}

// RedeemCode exchanges code for tokens with the request's client, redirect
// URI and PKCE verifier.
func (c *C) RedeemCode(a *AuthRequest, code string) *Response {
	form := url.Values{}
	form.Set("grant_type", "authorization_code")
	form.Set("code", code)
	form.Set("redirect_uri", a.Params.Get("redirect_uri"))
	if a.Verifier != "" {
		form.Set("code_verifier", a.Verifier)
	}
	return c.TokenRequest(form, a.Client, AuthFor(a.Client))
}

// Flow is a completed code flow.
type Flow struct {
	Request  *AuthRequest
	Browser  *Browser
	Landing  *Landing
	Code     string
	Tokens   *TokenResponse
	IDClaims *IDClaims
}

// CodeFlow runs the code flow for a in a new browser: log in, redeem the
// code, and verify the ID token. Any failure stops the check.
func (c *C) CodeFlow(a *AuthRequest) *Flow {
	b := c.NewBrowser()
	return c.codeFlowIn(b, a)
}

// codeFlowIn runs the code flow in an existing browser, whose session may
// already be logged in.
func (c *C) codeFlowIn(b *Browser, a *AuthRequest) *Flow {
	user := c.target.User
	l := c.Authorize(b, a, &user)
	code := c.RequireCode(l, a)
	checkCodeStrength(c, code)
	tr := c.RequireTokens(c.RedeemCode(a, code))
	f := &Flow{Request: a, Browser: b, Landing: l, Code: code, Tokens: tr}
	if strings.Contains(" "+a.Params.Get("scope")+" ", " openid ") {
		if tr.IDToken == "" {
			c.Fatalf("token response has no id_token although scope contains openid (OpenID Connect Core section 3.1.3.3)")
		}
		f.IDClaims = c.VerifyIDToken(tr.IDToken, a.Params.Get("nonce"), a.Client.ID, tr.AccessToken)
	}
	return f
}

// checkCodeStrength enforces RFC 6749 section 10.10 as the OpenID suite
// measures it: at least 128 bits of code and about 96 bits of estimated
// entropy. Codes that are not base64-like are measured by their length.
func checkCodeStrength(c *C, code string) {
	if bits := len(code) * 6; bits < 128 {
		c.Errorf("authorization code is %d characters (about %d bits), want at least 128 bits (RFC 6749 section 10.10)", len(code), bits)
	}
	if e := shannonBits(code); e < 96 {
		c.Errorf("authorization code has an estimated entropy of %.0f bits, want at least 96 (RFC 6749 section 10.10)", e)
	}
}

// shannonBits estimates the entropy of s from its character frequencies.
func shannonBits(s string) float64 {
	if s == "" {
		return 0
	}
	freq := map[rune]float64{}
	n := 0.0
	for _, r := range s {
		freq[r]++
		n++
	}
	h := 0.0
	for _, f := range freq {
		p := f / n
		h -= p * math.Log2(p)
	}
	return h * n
}
