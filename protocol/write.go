package protocol

import (
	"encoding/json"
	"net/http"
	"strings"
)

// errorBody is the JSON error body of RFC 6749 section 5.2. Keycloak 26 never
// sends error_uri, so neither does this.
type errorBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
}

// WriteError writes err as a JSON error body with its HTTP status and the
// Cache-Control and Pragma headers that RFC 6749 section 5.1 requires. A
// non-protocol error is written as server_error. It returns the error of the
// write, which callers may only log: the status line is already sent.
func WriteError(w http.ResponseWriter, err error) error {
	pe := AsError(err)
	body, _ := json.Marshal(errorBody{Error: pe.Code, ErrorDescription: pe.Description})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(pe.HTTPStatus())
	_, werr := w.Write(body)
	return werr
}

// BearerChallenge formats the WWW-Authenticate value of RFC 6750 section 3
// for realm and err. A nil err gives the bare challenge sent in response to
// a request without credentials.
func BearerChallenge(realm string, err *Error) string {
	var b strings.Builder
	b.WriteString(`Bearer realm="`)
	b.WriteString(quoteValue(realm))
	b.WriteString(`"`)
	if err != nil {
		b.WriteString(`, error="`)
		b.WriteString(quoteValue(err.Code))
		b.WriteString(`"`)
		if err.Description != "" {
			b.WriteString(`, error_description="`)
			b.WriteString(quoteValue(err.Description))
			b.WriteString(`"`)
		}
	}
	return b.String()
}

// WriteBearerError responds to a protected-resource request as RFC 6750
// section 3 requires: the challenge in WWW-Authenticate and no body, which is
// also what Keycloak 26's userinfo endpoint sends. A nil err sends 401 with
// the bare challenge.
func WriteBearerError(w http.ResponseWriter, realm string, err *Error) {
	status := http.StatusUnauthorized
	if err != nil {
		status = err.HTTPStatus()
	}
	w.Header().Set("WWW-Authenticate", BearerChallenge(realm, err))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
}

// quoteValue escapes the characters that may not stand unescaped inside a
// quoted-string of RFC 9110 section 5.6.4, and drops control characters,
// which RFC 6750 section 3 does not allow in error descriptions.
func quoteValue(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			// Dropped: a control character would break the header.
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
