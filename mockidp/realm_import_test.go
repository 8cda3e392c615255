package mockidp

import (
	"context"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestImportEveryField(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/full-realm.json")
	if err != nil {
		t.Fatal(err)
	}
	r, warnings, err := parseRealm("full-realm.json", data)
	if err != nil {
		t.Fatalf("parseRealm() error = %v", err)
	}
	if diff := cmp.Diff([]string{"$.clientScopes", "$.identityProviders"}, warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}

	settings := struct {
		Name                          string
		Enabled                       bool
		Access, Code, Login, Idle, Mx time.Duration
	}{r.Name, r.Enabled, r.AccessTokenLifespan, r.AccessCodeLifespan, r.LoginLifespan, r.SSOSessionIdle, r.SSOSessionMax}
	wantSettings := struct {
		Name                          string
		Enabled                       bool
		Access, Code, Login, Idle, Mx time.Duration
	}{"full", true, 120 * time.Second, 30 * time.Second, 900 * time.Second, 600 * time.Second, 7200 * time.Second}
	if diff := cmp.Diff(wantSettings, settings); diff != "" {
		t.Errorf("realm settings (-want +got):\n%s", diff)
	}

	web, _ := r.Client("web")
	if !web.Public || !web.ImplicitFlow || !web.StandardFlow || web.PKCEMethod != "S256" || web.RootURL != "https://app.example.test" {
		t.Errorf("client web = %+v, want public, implicit and standard flow, PKCE S256, root URL", web)
	}
	if diff := cmp.Diff([]string{"https://app.example.test/bye", "https://app.example.test/*"}, web.PostLogoutRedirectURIs); diff != "" {
		t.Errorf("post-logout redirect URIs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"https://app.example.test", "https://other.example.test"}, resolveWebOrigins(web)); diff != "" {
		t.Errorf("web origins (-want +got):\n%s", diff)
	}
	svc, _ := r.Client("svc")
	if svc.AccessTokenLifespan != time.Minute || !svc.ClientCredentialsRefresh || svc.BackchannelLogoutURL != "http://127.0.0.1:9/bcl" || svc.Public {
		t.Errorf("client svc = %+v, want confidential, 60 s lifespan, refresh for client credentials, back-channel URL", svc)
	}
	if svc.serviceAccount == nil || svc.serviceAccount.ID != "u-svc" {
		t.Errorf("client svc service account = %+v, want user u-svc", svc.serviceAccount)
	}
	cli, _ := r.Client("cli")
	if cli.UseRefreshTokens || !cli.DirectAccessGrants {
		t.Errorf("client cli = %+v, want direct grants without refresh tokens", cli)
	}
	for _, builtin := range []string{"account", "account-console", "admin-cli", "broker", "realm-management", "security-admin-console"} {
		if _, ok := r.Client(builtin); !ok {
			t.Errorf("built-in client %q missing", builtin)
		}
	}

	plain, ok := r.User("plain")
	if !ok {
		t.Fatal("user Plain not found by lower-case name")
	}
	realmRoles, clientRoles := plain.effectiveRoles()
	if diff := cmp.Diff([]string{"editor", "reader"}, realmRoles); diff != "" {
		t.Errorf("Plain realm roles (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string][]string{"api": {"read", "write"}}, clientRoles); diff != "" {
		t.Errorf("Plain client roles (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string][]string{"department": {"qa"}}, plain.Attributes); diff != "" {
		t.Errorf("Plain attributes (-want +got):\n%s", diff)
	}

	passwords := []struct {
		user, password string
		want           bool
	}{
		{"plain", "plain-pw", true}, {"plain", "wrong", false},
		{"hashed", "hashed-pw", true}, {"hashed", "hashed-pW", false},
		{"hashed512", "hashed-512", true}, {"hashed512", "", false},
	}
	for _, p := range passwords {
		u, _ := r.User(p.user)
		if got := u.password.verify(p.password); got != p.want {
			t.Errorf("user %s verify(%q) = %v, want %v", p.user, p.password, got, p.want)
		}
	}

	m, err := r.keys.material(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if m.signing.priority != 100 || len(m.published) != 3 || m.hmacKID != "hmac-kid" {
		t.Errorf("keys: signing priority %d, %d published, hmac kid %q; want 100, 3, hmac-kid", m.signing.priority, len(m.published), m.hmacKID)
	}
}

func TestImportedRealmIssuesTokens(t *testing.T) {
	t.Parallel()
	e := startEmulator(t, WithRealmFile("testdata/full-realm.json"), WithoutDefaultRealm())
	if diff := cmp.Diff([]string{"full"}, e.RealmNames()); diff != "" {
		t.Errorf("realms (-want +got):\n%s", diff)
	}
	resp := tokenFor(t, e, "full", url.Values{"grant_type": {"client_credentials"}}, "svc", "svc-secret")
	if resp["expires_in"] != float64(60) {
		t.Errorf("expires_in = %v, want the client's 60", resp["expires_in"])
	}
	if resp["refresh_token"] == nil || resp["session_state"] == nil {
		t.Errorf("response = %v, want a refresh token and session_state for client_credentials.use_refresh_token", resp)
	}
	resp = tokenFor(t, e, "full", url.Values{"grant_type": {"password"}, "client_id": {"cli"}, "username": {"hashed"}, "password": {"hashed-pw"}}, "", "")
	if resp["refresh_token"] != nil || resp["refresh_expires_in"] != float64(0) {
		t.Errorf("response = %v, want no refresh token for use.refresh.tokens=false", resp)
	}
	_, claims := jwtParts(t, resp["access_token"].(string))
	if claims["aud"] != "account" || claims["exp"] != float64(testStart.Unix()+120) {
		t.Errorf("aud, exp = %v, %v; want account, %d", claims["aud"], claims["exp"], testStart.Unix()+120)
	}
}

func TestImportErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		want string
	}{
		{"empty file", ``, `mockidp: realm file bad.json: the file is empty`},
		{"syntax error", "{\n  \"realm\": \"x\",\n  \"enabled\": tru\n}", `mockidp: realm file bad.json: $: invalid JSON at line 3, column 17: invalid character '\n' in literal true (expecting 'e')`},
		{"missing realm name", `{"enabled": true}`, `mockidp: realm file bad.json: $.realm: missing realm name`},
		{"wrong type", `{"realm": "x", "enabled": "yes"}`, `mockidp: realm file bad.json: $.enabled: expected a boolean, got JSON string`},
		{"bad lifespan", `{"realm": "x", "accessTokenLifespan": 0}`, `mockidp: realm file bad.json: $.accessTokenLifespan: must be a positive number of seconds, got 0`},
		{"unsupported algorithm", `{"realm": "x", "defaultSignatureAlgorithm": "ES256"}`, `mockidp: realm file bad.json: $.defaultSignatureAlgorithm: unsupported algorithm "ES256": only RS256 is supported`},
		{"client without id", `{"realm": "x", "clients": [{"publicClient": true}]}`, `mockidp: realm file bad.json: $.clients[0].clientId: missing clientId`},
		{"client wrong type", `{"realm": "x", "clients": [{"clientId": "a", "publicClient": true}, {"clientId": "b", "redirectUris": "x"}]}`, `mockidp: realm file bad.json: $.clients[1].redirectUris: expected an array, got JSON string`},
		{"confidential without secret", `{"realm": "x", "clients": [{"clientId": "a"}]}`, `mockidp: realm file bad.json: $.clients[0].secret: confidential client "a" has no secret; set "secret" or "publicClient": true`},
		{"bad lifespan attribute", `{"realm": "x", "clients": [{"clientId": "a", "publicClient": true, "attributes": {"access.token.lifespan": "soon"}}]}`, `mockidp: realm file bad.json: $.clients[0].attributes["access.token.lifespan"]: expected a number of seconds, got "soon"`},
		{"bad pkce attribute", `{"realm": "x", "clients": [{"clientId": "a", "publicClient": true, "attributes": {"pkce.code.challenge.method": "S512"}}]}`, `mockidp: realm file bad.json: $.clients[0].attributes["pkce.code.challenge.method"]: expected S256 or plain, got "S512"`},
		{"unknown user role", `{"realm": "x", "users": [{"username": "u", "realmRoles": ["ghost"]}]}`, `mockidp: realm file bad.json: $.users[0].realmRoles[0]: realm role "ghost" not found`},
		{"unknown client role", `{"realm": "x", "clients": [{"clientId": "a", "publicClient": true}], "users": [{"username": "u", "clientRoles": {"a": ["ghost"]}}]}`, `mockidp: realm file bad.json: $.users[0].clientRoles.a[0]: role "ghost" of client "a" not found`},
		{"duplicate username", `{"realm": "x", "users": [{"username": "u"}, {"username": "U"}]}`, `mockidp: realm file bad.json: $.users[1].username: duplicate username "U"`},
		{"bad password hash", `{"realm": "x", "users": [{"username": "u", "credentials": [{"type": "password", "secretData": "{\"value\":\"AA==\",\"salt\":\"\"}", "credentialData": "{\"hashIterations\":1,\"algorithm\":\"md5\"}"}]}]}`, `mockidp: realm file bad.json: $.users[0].credentials[0]: unsupported password hash algorithm "md5": use pbkdf2, pbkdf2-sha256, pbkdf2-sha512 or argon2`},
		{"bad private key", `{"realm": "x", "components": {"org.keycloak.keys.KeyProvider": [{"providerId": "rsa", "config": {"privateKey": ["bm90IGEga2V5"]}}]}}`, `mockidp: realm file bad.json: $.components["org.keycloak.keys.KeyProvider"][0].config.privateKey: the private key is neither PKCS #8 nor PKCS #1 DER`},
		{"short HS512 secret", `{"realm": "x", "components": {"org.keycloak.keys.KeyProvider": [{"providerId": "hmac-generated-hs512", "config": {"secret": ["c2hvcnQ"]}}]}}`, `mockidp: realm file bad.json: $.components["org.keycloak.keys.KeyProvider"][0].config.secret: an HS512 secret needs at least 64 bytes, got 5`},
		{"service account of unknown client", `{"realm": "x", "users": [{"username": "service-account-z", "serviceAccountClientId": "z"}]}`, `mockidp: realm file bad.json: $.users: user "service-account-z" is the service account of client "z", which the file does not define`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := parseRealm("bad.json", []byte(tt.data))
			if err == nil {
				t.Fatalf("parseRealm() error = nil, want %q", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("parseRealm() error =\n  %s\nwant\n  %s", got, tt.want)
			}
		})
	}
}

func TestImportedRealmReplacesDefault(t *testing.T) {
	t.Parallel()
	e := startEmulator(t, WithRealmJSON("demo-override.json", realmJSON(t, map[string]any{
		"realm":               "demo",
		"accessTokenLifespan": 42,
		"clients":             []any{map[string]any{"clientId": "only", "secret": "s", "serviceAccountsEnabled": true}},
	})))
	resp := tokenFor(t, e, "demo", url.Values{"grant_type": {"client_credentials"}}, "only", "s")
	if resp["expires_in"] != float64(42) {
		t.Errorf("expires_in = %v, want 42 from the replacing file", resp["expires_in"])
	}
	if _, ok := e.realms["demo"].Client("demo-backend"); ok {
		t.Error("client demo-backend of the embedded realm is still there")
	}
	_, err := New(WithRealmJSON("a.json", realmJSON(t, map[string]any{"realm": "twice"})), WithRealmJSON("b.json", realmJSON(t, map[string]any{"realm": "twice"})))
	if want := `mockidp: realm file b.json: $.realm: realm "twice" is already defined in a.json`; err == nil || err.Error() != want {
		t.Errorf("New() with a realm twice error = %v, want %q", err, want)
	}
}

func TestImportWarnsAboutRevokeRefreshToken(t *testing.T) {
	t.Parallel()
	data := realmJSON(t, map[string]any{"realm": "x", "revokeRefreshToken": true})
	_, warnings, err := parseRealm("revoke.json", data)
	if err != nil {
		t.Fatalf("parseRealm() error = %v", err)
	}
	want := []string{"$.revokeRefreshToken: true is not enforced, refresh tokens stay reusable"}
	if diff := cmp.Diff(want, warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}
