package conformance

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestRequestLineMasksSecrets(t *testing.T) {
	t.Parallel()
	form := url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"alice-password"},
		"client_secret": {"demo-backend-secret"}, "code_verifier": {"verifier-value-that-is-secret"}}
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/token?client_secret=in-query", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("demo-backend", "demo-backend-secret")
	line := requestLine(req)
	for _, secret := range []string{"alice-password", "demo-backend-secret", "verifier-value-that-is-secret", "in-query", "ZGVtby1iYWNrZW5k"} {
		if strings.Contains(line, secret) {
			t.Errorf("requestLine() = %q, contains %q", line, secret)
		}
	}
	for _, want := range []string{"username=alice", "password=***", "[Authorization: Basic demo-backend:***]", "grant_type=password"} {
		if !strings.Contains(line, want) {
			t.Errorf("requestLine() = %q, want it to contain %q", line, want)
		}
	}
}

func TestRequestLineTruncatesBearer(t *testing.T) {
	t.Parallel()
	token := "eyJhbGciOiJSUzI1NiJ9." + strings.Repeat("x", 200) + ".sig"
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	line := requestLine(req)
	if strings.Contains(line, token) {
		t.Errorf("requestLine() contains the whole token: %q", line)
	}
	if want := "Bearer eyJhbGciOiJS…("; !strings.Contains(line, want) {
		t.Errorf("requestLine() = %q, want it to contain %q", line, want)
	}
}

func TestMaskJSONTruncatesTokens(t *testing.T) {
	t.Parallel()
	body := `{"access_token":"` + strings.Repeat("a", 300) + `","expires_in":300,"client_secret":"s3cr3t"}`
	got := maskJSON([]byte(body))
	if strings.Contains(got, strings.Repeat("a", 65)) || strings.Contains(got, "s3cr3t") {
		t.Errorf("maskJSON() = %q, still contains a token or secret", got)
	}
	if !strings.Contains(got, `"expires_in":300`) {
		t.Errorf("maskJSON() = %q, lost expires_in", got)
	}
}

func TestBearerChallengeParse(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Set("WWW-Authenticate", `Bearer realm="demo", error="invalid_token", error_description="say \"hi\", then, go"`)
	scheme, params := bearerChallenge(h)
	if scheme != "Bearer" {
		t.Errorf("scheme = %q, want Bearer", scheme)
	}
	want := map[string]string{"realm": "demo", "error": "invalid_token", "error_description": `say "hi", then, go`}
	for k, v := range want {
		if params[k] != v {
			t.Errorf("params[%q] = %q, want %q", k, params[k], v)
		}
	}
}

func TestTamperChangesSignatureBits(t *testing.T) {
	t.Parallel()
	token := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0." + strings.Repeat("Q", 342)
	got := tamper(token)
	if got == token || len(got) != len(token) {
		t.Fatalf("tamper() = %q", got)
	}
	if got[:len(got)-11] != token[:len(token)-11] || got[len(got)-9:] != token[len(token)-9:] {
		t.Errorf("tamper() changed more than the tenth character from the end")
	}
}
