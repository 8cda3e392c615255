package mockidp

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/smartmate/smartmate-mock/protocol"
)

// form is a parsed application/x-www-form-urlencoded body.
type form url.Values

// get returns the first value of name, or "".
func (f form) get(name string) string {
	if v := f[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// duplicated returns the first parameter, in sorted order, that appears
// more than once, or "".
func (f form) duplicated() string {
	for _, name := range sortedKeys(f) {
		if len(f[name]) > 1 {
			return name
		}
	}
	return ""
}

// readForm reads a form body of at most max bytes. It rejects another
// content type, an oversized body and a body that does not parse, each with
// its own description.
func readForm(r *http.Request, max int64) (form, error) {
	if r.Body == nil || r.ContentLength == 0 {
		return form{}, nil
	}
	ct := r.Header.Get("Content-Type")
	if ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/x-www-form-urlencoded" {
			// Keycloak 26 reads no form from another content type and then
			// reports the first missing parameter. Naming the content
			// type is clearer, and the status and error code stay the same.
			return nil, protocol.Errorf(protocol.ErrInvalidRequest, "Content-Type must be application/x-www-form-urlencoded, got %q", ct)
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errBodyTooLarge
		}
		return nil, protocol.New(protocol.ErrInvalidRequest, "Could not read the request body").WithCause(err)
	}
	if int64(len(body)) > max {
		return nil, errBodyTooLarge
	}
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, protocol.New(protocol.ErrInvalidRequest, "Malformed form body: "+err.Error())
	}
	return form(values), nil
}

var errBodyTooLarge = protocol.New(protocol.ErrInvalidRequest, "Request body too large").WithStatus(http.StatusRequestEntityTooLarge)
