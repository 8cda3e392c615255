package conformance

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// maxBody bounds every response body the kit reads.
const maxBody = 1 << 20

// Response is a buffered HTTP response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// Request is the request that produced the response.
	Request *http.Request
}

// MediaType returns the response's media type without parameters, in lower
// case.
func (r *Response) MediaType() string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

// Object decodes the body as a JSON object.
func (r *Response) Object() (map[string]any, error) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("conformance: response of %s %s is not a JSON object: %w", r.Request.Method, r.Request.URL.Redacted(), err)
	}
	return m, nil
}

// Location returns the parsed Location header, resolved against the request
// URL, or nil.
func (r *Response) Location() *url.URL {
	raw := r.Header.Get("Location")
	if raw == "" {
		return nil
	}
	u, err := r.Request.URL.Parse(raw)
	if err != nil {
		return nil
	}
	return u
}

// IsRedirect reports whether the status is a 3xx with a Location.
func (r *Response) IsRedirect() bool {
	return r.Status >= 300 && r.Status < 400 && r.Header.Get("Location") != ""
}

// Auth is the client authentication method of a request.
type Auth int

// Client authentication methods of RFC 6749 section 2.3.1 and OpenID Connect
// Core section 9.
const (
	// AuthNone sends client_id in the form, as a public client does.
	AuthNone Auth = iota
	// AuthBasic sends the id and secret in the Authorization header.
	AuthBasic
	// AuthPost sends client_id and client_secret in the form.
	AuthPost
)

// AuthFor returns AuthBasic for a client with a secret and AuthNone
// otherwise.
func AuthFor(cl Client) Auth {
	if cl.Secret != "" {
		return AuthBasic
	}
	return AuthNone
}

// Do sends req, records it and an excerpt of the response as evidence, and
// returns the buffered response. A transport error stops the check as fail.
func (c *C) Do(req *http.Request, hc *http.Client) *Response {
	if hc == nil {
		hc = c.client()
	}
	req = req.WithContext(c.ctx)
	c.Logf("%s", requestLine(req))
	resp, err := hc.Do(req)
	if err != nil {
		c.Fatalf("%s %s failed: %v", req.Method, maskURL(req.URL), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		c.Fatalf("read response of %s %s: %v", req.Method, maskURL(req.URL), err)
	}
	r := &Response{Status: resp.StatusCode, Header: resp.Header, Body: body, Request: resp.Request}
	c.Logf("%s", responseExcerpt(r))
	return r
}

// Get sends a GET request without credentials.
func (c *C) Get(rawURL string) *Response {
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		c.Fatalf("invalid URL %q: %v", rawURL, err)
	}
	return c.Do(req, nil)
}

// GetBearer sends a GET request with an Authorization: Bearer header.
func (c *C) GetBearer(rawURL, token string) *Response {
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		c.Fatalf("invalid URL %q: %v", rawURL, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return c.Do(req, nil)
}

// PostForm sends form to rawURL, authenticated as cl with method auth.
func (c *C) PostForm(rawURL string, form url.Values, cl Client, auth Auth) *Response {
	form = cloneValues(form)
	switch auth {
	case AuthNone:
		if cl.ID != "" {
			form.Set("client_id", cl.ID)
		}
	case AuthPost:
		form.Set("client_id", cl.ID)
		form.Set("client_secret", cl.Secret)
	}
	req, err := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		c.Fatalf("invalid URL %q: %v", rawURL, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if auth == AuthBasic {
		// RFC 6749 section 2.3.1 form-encodes id and secret before Basic.
		req.SetBasicAuth(url.QueryEscape(cl.ID), url.QueryEscape(cl.Secret))
	}
	return c.Do(req, nil)
}

// cloneValues returns a copy of v that the caller may change.
func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v)+2)
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// secretParams are parameters whose values never appear in evidence.
var secretParams = map[string]bool{
	"client_secret": true, "password": true, "code_verifier": true, "client_assertion": true,
}

// tokenParams are parameters whose values appear truncated in evidence.
var tokenParams = map[string]bool{
	"access_token": true, "refresh_token": true, "id_token": true, "id_token_hint": true,
	"token": true, "code": true, "session_code": true, "logout_token": true,
}

// maskValues returns v with secrets replaced and tokens truncated.
func maskValues(v url.Values) url.Values {
	out := cloneValues(v)
	for k, vs := range out {
		for i, s := range vs {
			switch {
			case secretParams[k]:
				vs[i] = "***"
			case tokenParams[k]:
				vs[i] = truncateToken(s)
			}
		}
	}
	return out
}

// truncateToken shortens a token to a recognisable prefix and its length.
func truncateToken(s string) string {
	if len(s) <= 16 {
		return s
	}
	return fmt.Sprintf("%s…(%d chars)", s[:12], len(s))
}

// maskURL returns u as a string with masked query values.
func maskURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	m := *u
	m.User = nil
	if m.RawQuery != "" {
		m.RawQuery = encodeUnescaped(maskValues(m.Query()))
	}
	return m.String()
}

// encodeUnescaped encodes v like url.Values.Encode but keeps the masking
// characters readable.
func encodeUnescaped(v url.Values) string {
	s := v.Encode()
	s = strings.ReplaceAll(s, "%2A%2A%2A", "***")
	s = strings.ReplaceAll(s, "%E2%80%A6", "…")
	return s
}

// requestLine formats a request for evidence, masking credentials.
func requestLine(req *http.Request) string {
	line := req.Method + " " + maskURL(req.URL)
	if a := req.Header.Get("Authorization"); a != "" {
		scheme, cred, _ := strings.Cut(a, " ")
		if strings.EqualFold(scheme, "bearer") {
			line += " [Authorization: Bearer " + truncateToken(cred) + "]"
		} else {
			line += " [Authorization: " + scheme + " " + maskCredentials(scheme, cred) + "]"
		}
	}
	if req.Method == http.MethodPost && req.GetBody != nil {
		body, err := req.GetBody()
		if err == nil {
			data, _ := io.ReadAll(io.LimitReader(body, maxBody))
			if strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
				if v, err := url.ParseQuery(string(data)); err == nil {
					line += " body: " + encodeUnescaped(maskValues(v))
				}
			} else if len(data) > 0 {
				line += " body: " + excerpt(string(data), 200)
			}
		}
	}
	return line
}

// maskCredentials returns the client id of Basic credentials followed by
// ":***", so that evidence shows which client authenticated, and "***" for
// other schemes or undecodable credentials.
func maskCredentials(scheme, cred string) string {
	if !strings.EqualFold(scheme, "basic") {
		return "***"
	}
	raw, err := base64.StdEncoding.DecodeString(cred)
	if err != nil {
		return "***"
	}
	id, _, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "***"
	}
	// RFC 6749 section 2.3.1 form-encodes the id before Basic encoding.
	if unescaped, err := url.QueryUnescape(id); err == nil {
		id = unescaped
	}
	return id + ":***"
}

// responseExcerpt formats the status, interesting headers and an excerpt of
// the body, with long JSON strings such as tokens truncated.
func responseExcerpt(r *Response) string {
	var b strings.Builder
	fmt.Fprintf(&b, "→ %d", r.Status)
	if ct := r.Header.Get("Content-Type"); ct != "" {
		fmt.Fprintf(&b, " %s", ct)
	}
	if loc := r.Location(); loc != nil {
		fmt.Fprintf(&b, " Location: %s", maskURL(loc))
	}
	if wa := r.Header.Values("WWW-Authenticate"); len(wa) > 0 {
		fmt.Fprintf(&b, " WWW-Authenticate: %s", strings.Join(wa, ", "))
	}
	if len(r.Body) == 0 {
		return b.String()
	}
	switch mt := r.MediaType(); {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		b.WriteString(" " + excerpt(maskJSON(r.Body), 400))
	case mt == "text/html":
		b.WriteString(" " + excerpt(pageText(r.Body), 300))
	case mt == "application/jwt":
		b.WriteString(" " + truncateToken(string(r.Body)))
	default:
		b.WriteString(" " + excerpt(string(r.Body), 200))
	}
	return b.String()
}

// maskJSON re-encodes a JSON body with long strings truncated.
func maskJSON(body []byte) string {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return string(body)
	}
	out, err := json.Marshal(truncateStrings(v))
	if err != nil {
		return string(body)
	}
	return string(out)
}

// truncateStrings walks a decoded JSON value and truncates strings longer
// than 64 bytes, which are tokens, keys or certificates.
func truncateStrings(v any) any {
	switch t := v.(type) {
	case string:
		if len(t) > 64 {
			return truncateToken(t)
		}
		return t
	case []any:
		for i := range t {
			t[i] = truncateStrings(t[i])
		}
		return t
	case map[string]any:
		for k := range t {
			if secretParams[k] {
				t[k] = "***"
				continue
			}
			t[k] = truncateStrings(t[k])
		}
		return t
	default:
		return v
	}
}

// excerpt collapses white space and cuts s to about n bytes.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// utf8Start reports whether b starts a UTF-8 sequence.
func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
