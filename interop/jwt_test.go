package interop

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// jwtHeader decodes the JOSE header of a compact JWS without verifying
// anything.
func jwtHeader(t testing.TB, token string) map[string]any {
	t.Helper()
	header, _, ok := strings.Cut(token, ".")
	if !ok {
		t.Fatalf("token %.20q… is not a compact JWS", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(header)
	if err != nil {
		t.Fatalf("JWS header is not base64url: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("JWS header is not JSON: %v", err)
	}
	return m
}

// kidOf returns the kid header of a compact JWS.
func kidOf(t testing.TB, token string) string {
	t.Helper()
	kid, _ := jwtHeader(t, token)["kid"].(string)
	return kid
}
