package protocol

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// Error is an OAuth 2.0 protocol error: the code and description that go on
// the wire, the HTTP status to send them with, and an optional cause that is
// logged but never sent.
type Error struct {
	// Code is the "error" member, such as "invalid_grant".
	Code string
	// Description is the "error_description" member. Keycloak 26 always sends
	// one except for a few redirects, so an empty value is omitted.
	Description string
	// Status is the HTTP status code. Zero means the default for Code (see
	// DefaultStatus).
	Status int
	// Cause is the internal reason, for logs only.
	Cause error
}

// New returns an Error with the given code and description and the default
// status for the code.
func New(code, description string) *Error {
	return &Error{Code: code, Description: description}
}

// Errorf returns an Error whose description is formatted like fmt.Sprintf.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Description: fmt.Sprintf(format, args...)}
}

// WithStatus returns a copy of e sent with the given HTTP status.
func (e *Error) WithStatus(status int) *Error {
	c := *e
	c.Status = status
	return &c
}

// WithCause returns a copy of e that records cause for the logs.
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.Cause = cause
	return &c
}

// Error formats the code, the description and the cause.
func (e *Error) Error() string {
	msg := e.Code
	if e.Description != "" {
		msg += ": " + e.Description
	}
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, protocol.New(protocol.ErrInvalidGrant, "")) matches any
// invalid_grant error.
func (e *Error) Is(target error) bool {
	var t *Error
	if !errors.As(target, &t) {
		return false
	}
	return t.Code == e.Code
}

// HTTPStatus returns Status, or the default status for the code when Status
// is zero.
func (e *Error) HTTPStatus() int {
	if e.Status != 0 {
		return e.Status
	}
	return DefaultStatus(e.Code)
}

// LogValue groups the code, description and cause for log/slog. It never
// contains a token or a secret because descriptions never quote them.
func (e *Error) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("code", e.Code)}
	if e.Description != "" {
		attrs = append(attrs, slog.String("description", e.Description))
	}
	if e.Cause != nil {
		attrs = append(attrs, slog.String("cause", e.Cause.Error()))
	}
	return slog.GroupValue(attrs...)
}

// DefaultStatus returns the HTTP status that RFC 6749 section 5.2 and
// RFC 6750 section 3.1 give to an error code. It is 401 for invalid_client and
// invalid_token, 403 for insufficient_scope and access_denied, 404 for
// not_found, 500 for server_error and 400 for every other code.
func DefaultStatus(code string) int {
	switch code {
	case ErrInvalidClient, ErrInvalidToken:
		return http.StatusUnauthorized
	case ErrInsufficientScope, ErrAccessDenied:
		return http.StatusForbidden
	case ErrNotFound:
		return http.StatusNotFound
	case ErrServerError:
		return http.StatusInternalServerError
	default:
		return http.StatusBadRequest
	}
}

// AsError returns err as an *Error. An error that is not a protocol error
// becomes a server_error whose cause is err, so its text is logged but never
// sent.
func AsError(err error) *Error {
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	return &Error{Code: ErrServerError, Description: "unexpected error", Cause: err}
}
