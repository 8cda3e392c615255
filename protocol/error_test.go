package protocol

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWriteError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err    error
		status int
		body   string
	}{
		{New(ErrInvalidGrant, "Code not valid"), 400, `{"error":"invalid_grant","error_description":"Code not valid"}`},
		{New(ErrInvalidClient, "Invalid client or Invalid client credentials"), 401, `{"error":"invalid_client","error_description":"Invalid client or Invalid client credentials"}`},
		{New(ErrUnsupportedResponseType, ""), 400, `{"error":"unsupported_response_type"}`},
		{New(ErrInvalidRequest, "too large").WithStatus(413), 413, `{"error":"invalid_request","error_description":"too large"}`},
		{errors.New("disk on fire"), 500, `{"error":"server_error","error_description":"unexpected error"}`},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		if err := WriteError(rec, tt.err); err != nil {
			t.Fatal(err)
		}
		if rec.Code != tt.status || rec.Body.String() != tt.body {
			t.Errorf("WriteError(%v) = %d %s, want %d %s", tt.err, rec.Code, rec.Body, tt.status, tt.body)
		}
		if got := rec.Header().Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", got)
		}
	}
}

func TestBearerChallenge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *Error
		want string
	}{
		{nil, `Bearer realm="demo"`},
		{New(ErrInvalidToken, `issuer "x" is wrong`), `Bearer realm="demo", error="invalid_token", error_description="issuer \"x\" is wrong"`},
		{New(ErrInsufficientScope, "line\nbreak"), `Bearer realm="demo", error="insufficient_scope", error_description="linebreak"`},
	}
	for _, tt := range tests {
		if got := BearerChallenge("demo", tt.err); got != tt.want {
			t.Errorf("BearerChallenge(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
	rec := httptest.NewRecorder()
	WriteBearerError(rec, "demo", New(ErrInsufficientScope, "Missing openid scope"))
	if rec.Code != http.StatusForbidden || rec.Body.Len() != 0 {
		t.Errorf("WriteBearerError(insufficient_scope) = %d with %d body bytes, want 403 and none", rec.Code, rec.Body.Len())
	}
}

func TestErrorIsAndUnwrap(t *testing.T) {
	t.Parallel()
	cause := errors.New("signature mismatch")
	err := fmt.Errorf("verifying: %w", New(ErrInvalidGrant, "Invalid refresh token").WithCause(cause))
	if !errors.Is(err, New(ErrInvalidGrant, "")) {
		t.Error("errors.Is(err, invalid_grant) = false, want true")
	}
	if errors.Is(err, New(ErrInvalidClient, "")) {
		t.Error("errors.Is(err, invalid_client) = true, want false")
	}
	if !errors.Is(err, cause) {
		t.Error("errors.Is(err, cause) = false, want true")
	}
	if got := AsError(err).Error(); got != "invalid_grant: Invalid refresh token: signature mismatch" {
		t.Errorf("Error() = %q", got)
	}
}
