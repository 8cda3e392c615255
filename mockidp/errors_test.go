package mockidp

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/smartmate/smartmate-mock/internal/syncbuf"
)

// errorsRealm has one client or user for each error row of Keycloak 26's
// token endpoint.
func errorsRealm(t testing.TB) Option {
	client := func(id string, extra map[string]any) map[string]any {
		c := map[string]any{"clientId": id, "secret": id + "-secret"}
		for k, v := range extra {
			c[k] = v
		}
		return c
	}
	return WithRealmJSON("errors-realm.json", realmJSON(t, map[string]any{
		"realm": "errors",
		"clients": []any{
			client("conf", map[string]any{"serviceAccountsEnabled": true, "directAccessGrantsEnabled": true}),
			client("pub", map[string]any{"publicClient": true, "directAccessGrantsEnabled": true}),
			client("pub-nodirect", map[string]any{"publicClient": true}),
			client("bearer", map[string]any{"bearerOnly": true}),
			client("consent", map[string]any{"directAccessGrantsEnabled": true, "consentRequired": true}),
			client("off", map[string]any{"enabled": false}),
			client("sa-off", map[string]any{"serviceAccountsEnabled": true}),
		},
		"users": []any{
			map[string]any{"username": "carol", "credentials": []any{map[string]any{"type": "password", "value": "carol-pw"}}},
			map[string]any{"username": "dave", "enabled": false, "credentials": []any{map[string]any{"type": "password", "value": "dave-pw"}}},
			map[string]any{"username": "erin", "requiredActions": []string{"UPDATE_PASSWORD"}, "credentials": []any{map[string]any{"type": "password", "value": "erin-pw"}}},
			map[string]any{"username": "service-account-sa-off", "enabled": false, "serviceAccountClientId": "sa-off"},
		},
	}))
}

type oauthError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

func TestTokenEndpointErrors(t *testing.T) {
	t.Parallel()
	e := startEmulator(t, errorsRealm(t), WithRealmJSON("off-realm.json", realmJSON(t, map[string]any{"realm": "off", "enabled": false})))

	// A refresh token of client "pub" for the cross-client row.
	pubTokens := tokenFor(t, e, "errors", url.Values{"grant_type": {"password"}, "client_id": {"pub"}, "username": {"carol"}, "password": {"carol-pw"}}, "", "")
	pubRefresh := pubTokens["refresh_token"].(string)
	pubAccess := pubTokens["access_token"].(string)

	tests := []struct {
		name       string
		realm      string
		form       url.Values
		user, pass string
		status     int
		want       oauthError
	}{
		{"realm disabled", "off", url.Values{"grant_type": {"client_credentials"}}, "x", "y", 403, oauthError{"access_denied", "Realm not enabled"}},
		{"missing grant_type", "errors", url.Values{}, "conf", "conf-secret", 400, oauthError{"invalid_request", "Missing form parameter: grant_type"}},
		{"unsupported grant_type before client auth", "errors", url.Values{"grant_type": {"urn:x"}}, "conf", "wrong", 400, oauthError{"unsupported_grant_type", "Unsupported grant_type"}},
		{"duplicated parameter", "errors", url.Values{"grant_type": {"client_credentials"}, "scope": {"email", "profile"}}, "conf", "conf-secret", 400, oauthError{"invalid_request", "duplicated parameter"}},
		{"bearer-only client", "errors", url.Values{"grant_type": {"client_credentials"}}, "bearer", "bearer-secret", 400, oauthError{"invalid_client", "Bearer-only not allowed"}},
		{"wrong client secret", "errors", url.Values{"grant_type": {"client_credentials"}}, "conf", "wrong", 401, oauthError{"unauthorized_client", "Invalid client or Invalid client credentials"}},
		{"confidential client without secret", "errors", url.Values{"grant_type": {"client_credentials"}, "client_id": {"conf"}}, "", "", 401, oauthError{"unauthorized_client", "Invalid client or Invalid client credentials"}},
		{"unknown client", "errors", url.Values{"grant_type": {"client_credentials"}}, "nobody", "x", 401, oauthError{"invalid_client", "Invalid client or Invalid client credentials"}},
		{"disabled client", "errors", url.Values{"grant_type": {"client_credentials"}}, "off", "off-secret", 401, oauthError{"invalid_client", "Invalid client or Invalid client credentials"}},
		{"no client_id", "errors", url.Values{"grant_type": {"client_credentials"}}, "", "", 400, oauthError{"invalid_client", "Missing client_id parameter"}},
		{"secret in the form", "errors", url.Values{"grant_type": {"client_credentials"}, "client_id": {"conf"}, "client_secret": {"wrong"}}, "", "", 401, oauthError{"unauthorized_client", "Invalid client or Invalid client credentials"}},

		{"password: direct grants disabled", "errors", url.Values{"grant_type": {"password"}, "client_id": {"pub-nodirect"}, "username": {"carol"}, "password": {"carol-pw"}}, "", "", 400, oauthError{"unauthorized_client", "Client not allowed for direct access grants"}},
		{"password: consent required", "errors", url.Values{"grant_type": {"password"}, "username": {"carol"}, "password": {"carol-pw"}}, "consent", "consent-secret", 400, oauthError{"invalid_client", "Client requires user consent"}},
		{"password: missing username", "errors", url.Values{"grant_type": {"password"}, "client_id": {"pub"}, "password": {"x"}}, "", "", 401, oauthError{"invalid_request", "Missing parameter: username"}},
		{"password: unknown user", "errors", url.Values{"grant_type": {"password"}, "client_id": {"pub"}, "username": {"zed"}, "password": {"x"}}, "", "", 401, oauthError{"invalid_grant", "Invalid user credentials"}},
		{"password: wrong password", "errors", url.Values{"grant_type": {"password"}, "client_id": {"pub"}, "username": {"carol"}, "password": {"x"}}, "", "", 401, oauthError{"invalid_grant", "Invalid user credentials"}},
		{"password: disabled user", "errors", url.Values{"grant_type": {"password"}, "client_id": {"pub"}, "username": {"dave"}, "password": {"dave-pw"}}, "", "", 400, oauthError{"invalid_grant", "Account disabled"}},
		{"password: required actions", "errors", url.Values{"grant_type": {"password"}, "client_id": {"pub"}, "username": {"erin"}, "password": {"erin-pw"}}, "", "", 400, oauthError{"invalid_grant", "Account is not fully set up"}},
		{"password: invalid scope", "errors", url.Values{"grant_type": {"password"}, "client_id": {"pub"}, "username": {"carol"}, "password": {"carol-pw"}, "scope": {"openid nosuch"}}, "", "", 400, oauthError{"invalid_scope", "Invalid scopes: openid nosuch"}},

		{"client_credentials: public client", "errors", url.Values{"grant_type": {"client_credentials"}, "client_id": {"pub"}}, "", "", 401, oauthError{"unauthorized_client", "Public client not allowed to retrieve service account"}},
		{"client_credentials: service accounts disabled", "errors", url.Values{"grant_type": {"client_credentials"}}, "consent", "consent-secret", 401, oauthError{"unauthorized_client", "Client not enabled to retrieve service account"}},
		{"client_credentials: service account disabled", "errors", url.Values{"grant_type": {"client_credentials"}}, "sa-off", "sa-off-secret", 401, oauthError{"invalid_request", "User 'service-account-sa-off' disabled"}},

		{"refresh: missing", "errors", url.Values{"grant_type": {"refresh_token"}, "client_id": {"pub"}}, "", "", 400, oauthError{"invalid_request", "No refresh token"}},
		{"refresh: garbage", "errors", url.Values{"grant_type": {"refresh_token"}, "client_id": {"pub"}, "refresh_token": {"not-a-jwt"}}, "", "", 400, oauthError{"invalid_grant", "Invalid refresh token"}},
		{"refresh: access token instead", "errors", url.Values{"grant_type": {"refresh_token"}, "client_id": {"pub"}, "refresh_token": {pubAccess}}, "", "", 400, oauthError{"invalid_grant", "Invalid refresh token"}},
		{"refresh: another client's token", "errors", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {pubRefresh}}, "conf", "conf-secret", 400, oauthError{"invalid_grant", "Invalid refresh token. Token client and authorized client don't match"}},
		{"refresh: tampered token", "errors", url.Values{"grant_type": {"refresh_token"}, "client_id": {"pub"}, "refresh_token": {pubRefresh[:len(pubRefresh)-4] + "AAAA"}}, "", "", 400, oauthError{"invalid_grant", "Invalid refresh token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, header, body := postForm(t, e.tokenURL(tt.realm), tt.form, tt.user, tt.pass)
			if status != tt.status {
				t.Errorf("status = %d, want %d (body %s)", status, tt.status, body)
			}
			var got oauthError
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("body is not a JSON error: %v: %s", err, body)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("error body (-want +got):\n%s", diff)
			}
			if got := header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", got)
			}
			if got := header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
		})
	}
}

func TestTokenEndpointBasicChallenge(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	req, _ := http.NewRequest(http.MethodPost, e.tokenURL("demo"), strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer something")
	status, header, body := do(t, req)
	if status != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401", status)
	}
	if got, want := header.Get("WWW-Authenticate"), `Basic realm="demo"`; got != want {
		t.Errorf("WWW-Authenticate = %q, want %q", got, want)
	}
	if len(body) != 0 {
		t.Errorf("body = %q, want empty", body)
	}
}

func TestUnparseableBasicHeaderIsChallenged(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	for _, value := range []string{"Basic !!!not-base64", "Basic " + "bm8tY29sb24="} {
		req, _ := http.NewRequest(http.MethodPost, e.tokenURL("demo"), strings.NewReader("grant_type=client_credentials"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", value)
		status, header, body := do(t, req)
		if status != http.StatusUnauthorized || header.Get("WWW-Authenticate") != `Basic realm="demo"` || len(body) != 0 {
			t.Errorf("Authorization %q: got %d %q %q, want 401 with a Basic challenge and no body", value, status, header.Get("WWW-Authenticate"), body)
		}
	}
}

func TestBasicCredentialsAreFormDecoded(t *testing.T) {
	t.Parallel()
	// RFC 6749 section 2.3.1: the id and secret are form-URL-encoded
	// before they are joined for Basic authentication.
	e := startEmulator(t, WithRealmJSON("enc.json", realmJSON(t, map[string]any{
		"realm": "enc",
		"clients": []any{map[string]any{
			"clientId": "svc:one", "secret": "s%cr t+", "serviceAccountsEnabled": true,
		}},
	})))
	resp := tokenFor(t, e, "enc", url.Values{"grant_type": {"client_credentials"}},
		url.QueryEscape("svc:one"), url.QueryEscape("s%cr t+"))
	_, claims := jwtParts(t, resp["access_token"].(string))
	if claims["azp"] != "svc:one" {
		t.Errorf("azp = %v, want svc:one", claims["azp"])
	}
}

func TestUserinfoErrors(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	noOpenID := tokenFor(t, e, "demo", url.Values{"grant_type": {"password"}, "client_id": {"demo-cli"}, "username": {"bob"}, "password": {"bob-password"}}, "", "")["access_token"].(string)
	withOpenID := tokenFor(t, e, "demo", url.Values{"grant_type": {"password"}, "client_id": {"demo-cli"}, "username": {"bob"}, "password": {"bob-password"}, "scope": {"openid"}}, "", "")["access_token"].(string)
	userinfo := e.Issuer("demo") + "/protocol/openid-connect/userinfo"

	tests := []struct {
		name      string
		method    string
		header    string
		form      string
		status    int
		challenge string
	}{
		{"no token", "GET", "", "", 401, `Bearer realm="demo"`},
		{"garbage token", "GET", "Bearer abc.def.ghi", "", 401, `Bearer realm="demo", error="invalid_token", error_description="Token verification failed"`},
		{"tampered token", "GET", "Bearer " + withOpenID[:len(withOpenID)-3] + "AAA", "", 401, `Bearer realm="demo", error="invalid_token", error_description="Token verification failed"`},
		{"without openid scope", "GET", "Bearer " + noOpenID, "", 403, `Bearer realm="demo", error="insufficient_scope", error_description="Missing openid scope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(tt.method, userinfo, strings.NewReader(tt.form))
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			status, header, body := do(t, req)
			if status != tt.status {
				t.Errorf("status = %d, want %d", status, tt.status)
			}
			if got := header.Get("WWW-Authenticate"); got != tt.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.challenge)
			}
			if len(body) != 0 {
				t.Errorf("body = %q, want empty", body)
			}
		})
	}

	t.Run("header and form both", func(t *testing.T) {
		t.Parallel()
		req, _ := http.NewRequest(http.MethodPost, userinfo, strings.NewReader("access_token="+withOpenID))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+withOpenID)
		status, _, body := do(t, req)
		var got oauthError
		_ = json.Unmarshal(body, &got)
		if status != 400 || got != (oauthError{"invalid_request", "More than one method used for including an access token"}) {
			t.Errorf("got %d %+v, want 400 invalid_request", status, got)
		}
	})

	t.Run("expired token", func(t *testing.T) {
		// Not parallel with the rows above: it moves the shared clock.
		e := startEmulator(t)
		tok := tokenFor(t, e, "demo", url.Values{"grant_type": {"password"}, "client_id": {"demo-cli"}, "username": {"bob"}, "password": {"bob-password"}, "scope": {"openid"}}, "", "")["access_token"].(string)
		e.clock.Advance(301e9)
		req, _ := http.NewRequest(http.MethodGet, e.Issuer("demo")+"/protocol/openid-connect/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		status, header, _ := do(t, req)
		if want := `Bearer realm="demo", error="invalid_token", error_description="Token verification failed"`; status != 401 || header.Get("WWW-Authenticate") != want {
			t.Errorf("got %d %q, want 401 %q", status, header.Get("WWW-Authenticate"), want)
		}
	})

	t.Run("POST form token", func(t *testing.T) {
		t.Parallel()
		req, _ := http.NewRequest(http.MethodPost, userinfo, strings.NewReader("access_token="+withOpenID))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		status, _, body := do(t, req)
		var got map[string]any
		_ = json.Unmarshal(body, &got)
		if status != 200 || got["preferred_username"] != "bob" || got["email_verified"] != false {
			t.Errorf("got %d %v, want 200 with bob's profile", status, got)
		}
	})
}

func TestMalformedRequests(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	token := e.tokenURL("demo")
	kcNotFound := oauthError{"Unable to find matching target resource method", keycloakLogHint}

	tests := []struct {
		name        string
		method      string
		url         string
		contentType string
		body        string
		status      int
		want        oauthError
	}{
		{"wrong content type", "POST", token, "application/json", `{"grant_type":"client_credentials"}`, 400, oauthError{"invalid_request", `Content-Type must be application/x-www-form-urlencoded, got "application/json"`}},
		{"oversized body", "POST", token, "application/x-www-form-urlencoded", "grant_type=password&x=" + strings.Repeat("a", 70<<10), 413, oauthError{"invalid_request", "Request body too large"}},
		{"malformed form", "POST", token, "application/x-www-form-urlencoded", "grant_type=%zz", 400, oauthError{"invalid_request", `Malformed form body: invalid URL escape "%zz"`}},
		{"unknown realm", "GET", e.url + "/realms/nosuch/.well-known/openid-configuration", "", "", 404, oauthError{"Realm does not exist", keycloakLogHint}},
		{"unknown realm token", "POST", e.url + "/realms/nosuch/protocol/openid-connect/token", "application/x-www-form-urlencoded", "grant_type=password", 404, oauthError{"Realm does not exist", keycloakLogHint}},
		{"unknown endpoint", "GET", e.url + "/realms/demo/protocol/openid-connect/nosuch", "", "", 404, kcNotFound},
		{"wrong method", "GET", token, "", "", 405, oauthError{"HTTP 405 Method Not Allowed", keycloakLogHint}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(tt.method, tt.url, strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			status, _, body := do(t, req)
			if status != tt.status {
				t.Errorf("status = %d, want %d (body %s)", status, tt.status, body)
			}
			var got oauthError
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("body is not JSON: %v: %q", err, body)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("error body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPasswordGrantByEmail(t *testing.T) {
	t.Parallel()
	e := startEmulator(t, WithRealmJSON("noemail.json", realmJSON(t, map[string]any{
		"realm":                 "noemail",
		"loginWithEmailAllowed": false,
		"clients":               []any{map[string]any{"clientId": "cli", "publicClient": true, "directAccessGrantsEnabled": true}},
		"users": []any{map[string]any{"username": "zoe", "email": "zoe@example.test",
			"credentials": []any{map[string]any{"type": "password", "value": "zoe-pw"}}}},
	})))
	shared := startEmulator(t, WithoutDefaultRealm(), WithRealmJSON("shared.json", realmJSON(t, map[string]any{
		"realm":   "shared",
		"clients": []any{map[string]any{"clientId": "cli", "publicClient": true, "directAccessGrantsEnabled": true}},
		"users": []any{
			map[string]any{"username": "ann", "email": "team@example.test", "credentials": []any{map[string]any{"type": "password", "value": "pw"}}},
			map[string]any{"username": "ben", "email": "TEAM@example.test", "credentials": []any{map[string]any{"type": "password", "value": "pw"}}},
		},
	})))
	status, _, body := postForm(t, shared.tokenURL("shared"), url.Values{"grant_type": {"password"}, "client_id": {"cli"}, "username": {"team@example.test"}, "password": {"pw"}}, "", "")
	if status != http.StatusUnauthorized || !strings.Contains(string(body), "Invalid user credentials") {
		t.Errorf("login with an e-mail that two users share = %d %s, want 401 invalid_grant", status, body)
	}

	resp := tokenFor(t, e, "demo", url.Values{"grant_type": {"password"}, "client_id": {"demo-cli"}, "username": {"Alice@Example.com"}, "password": {"alice-password"}}, "", "")
	if _, claims := jwtParts(t, resp["access_token"].(string)); claims["preferred_username"] != "alice" {
		t.Errorf("preferred_username = %v, want alice signed in by e-mail", claims["preferred_username"])
	}
	status, _, body = postForm(t, e.tokenURL("noemail"), url.Values{"grant_type": {"password"}, "client_id": {"cli"}, "username": {"zoe@example.test"}, "password": {"zoe-pw"}}, "", "")
	if status != http.StatusUnauthorized || !strings.Contains(string(body), "Invalid user credentials") {
		t.Errorf("e-mail login with loginWithEmailAllowed=false = %d %s, want 401 invalid_grant", status, body)
	}
}

func TestUnknownProtocolAndHead(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	req, _ := http.NewRequest(http.MethodGet, e.Issuer("demo")+"/protocol/saml2/token", nil)
	status, _, body := do(t, req)
	var got oauthError
	_ = json.Unmarshal(body, &got)
	if status != 404 || got != (oauthError{"Protocol not found", keycloakLogHint}) {
		t.Errorf("unknown protocol = %d %+v, want 404 Protocol not found", status, got)
	}
	for _, path := range []string{"/.well-known/openid-configuration", "/protocol/openid-connect/certs"} {
		req, _ := http.NewRequest(http.MethodHead, e.Issuer("demo")+path, nil)
		if status, _, _ := do(t, req); status != http.StatusOK {
			t.Errorf("HEAD %s = %d, want 200", path, status)
		}
	}
}

func TestRefreshCannotWidenScope(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	first := tokenFor(t, e, "demo", url.Values{"grant_type": {"password"}, "client_id": {"demo-cli"}, "username": {"bob"}, "password": {"bob-password"}, "scope": {"openid phone"}}, "", "")
	refresh := first["refresh_token"].(string)

	status, _, body := postForm(t, e.tokenURL("demo"), url.Values{"grant_type": {"refresh_token"}, "client_id": {"demo-cli"}, "refresh_token": {refresh}, "scope": {"openid address"}}, "", "")
	var got oauthError
	_ = json.Unmarshal(body, &got)
	if status != 400 || got != (oauthError{"invalid_scope", "Invalid scopes: openid address"}) {
		t.Errorf("widening refresh = %d %+v, want 400 invalid_scope", status, got)
	}

	narrowed := tokenFor(t, e, "demo", url.Values{"grant_type": {"refresh_token"}, "client_id": {"demo-cli"}, "refresh_token": {refresh}, "scope": {"openid"}}, "", "")
	if narrowed["scope"] != "openid profile email" {
		t.Errorf("narrowed scope = %v, want the default scopes and openid without phone", narrowed["scope"])
	}
}

func TestRejectedRequestLogIsTruncated(t *testing.T) {
	t.Parallel()
	var logs syncbuf.Buffer
	e := startEmulator(t, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	long := strings.Repeat("a", 100_000)
	req, _ := http.NewRequest(http.MethodGet, e.Issuer("demo")+"/protocol/openid-connect/auth?response_type=code&client_id="+long, nil)
	status, _, _ := do(t, req)
	if status != http.StatusBadRequest {
		t.Errorf("status = %d, want 400 for an unknown client", status)
	}
	out := logs.String()
	if !strings.Contains(out, "…(truncated)") {
		t.Errorf("log lacks the truncation mark:\n%.500s", out)
	}
	if len(out) > 2000 {
		t.Errorf("log is %d bytes for one rejected request, want the client_id cut to 256 bytes", len(out))
	}
}
