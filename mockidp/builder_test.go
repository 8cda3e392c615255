package mockidp_test

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/smartmate/smartmate-mock/internal/testkeys"
	"github.com/smartmate/smartmate-mock/mockidp"
)

func TestRealmBuilderJSON(t *testing.T) {
	t.Parallel()
	b := mockidp.NewRealm("acme").
		AccessTokenLifespan(90*time.Second).
		SSOSessionIdleTimeout(10*time.Minute).
		SSOSessionMaxLifespan(time.Hour).
		Role("auditor").
		Role("admin", "auditor").
		ClientRole("acme-api", "invoices:read").
		Client(mockidp.ClientSpec{ClientID: "acme-api", BearerOnly: true}).
		Client(mockidp.ClientSpec{
			ClientID: "acme-web", Public: true, RedirectURIs: []string{"http://localhost:3000/*"}, WebOrigins: []string{"+"},
			Attributes: map[string]string{"pkce.code.challenge.method": "S256"},
		}).
		Client(mockidp.ClientSpec{ClientID: "acme-worker", Secret: "s3cret", ServiceAccount: true, ServiceAccountRealmRoles: []string{"auditor"}}).
		User(mockidp.UserSpec{ID: "u-1", Username: "ada", Password: "pw", Email: "ada@acme.test", EmailVerified: true, FirstName: "Ada", LastName: "Lovelace"}).
		User(mockidp.UserSpec{ID: "u-2", Username: "bo", Disabled: true, ClientRoles: map[string][]string{"acme-api": {"invoices:read"}}})

	data, err := b.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("JSON() is not valid JSON: %v\n%s", err, data)
	}
	want := map[string]any{}
	wantJSON := `{
	  "realm": "acme", "enabled": true,
	  "accessTokenLifespan": 90, "ssoSessionIdleTimeout": 600, "ssoSessionMaxLifespan": 3600,
	  "roles": {
	    "realm": [
	      {"name": "auditor", "composite": false},
	      {"name": "admin", "composite": true, "composites": {"realm": ["auditor"], "client": null}}
	    ],
	    "client": {"acme-api": [{"name": "invoices:read", "composite": false}]}
	  },
	  "clients": [
	    {"clientId": "acme-api", "enabled": true, "protocol": "openid-connect", "publicClient": false, "bearerOnly": true,
	     "standardFlowEnabled": false, "directAccessGrantsEnabled": false, "serviceAccountsEnabled": false},
	    {"clientId": "acme-web", "enabled": true, "protocol": "openid-connect", "publicClient": true, "bearerOnly": false,
	     "standardFlowEnabled": true, "directAccessGrantsEnabled": false, "serviceAccountsEnabled": false,
	     "redirectUris": ["http://localhost:3000/*"], "webOrigins": ["+"], "attributes": {"pkce.code.challenge.method": "S256"}},
	    {"clientId": "acme-worker", "enabled": true, "protocol": "openid-connect", "publicClient": false, "bearerOnly": false,
	     "secret": "s3cret", "standardFlowEnabled": false, "directAccessGrantsEnabled": false, "serviceAccountsEnabled": true}
	  ],
	  "users": [
	    {"id": "` + stableUserID(t, "acme", "service-account-acme-worker") + `", "username": "service-account-acme-worker", "enabled": true,
	     "emailVerified": false, "realmRoles": ["default-roles-acme", "auditor"], "serviceAccountClientId": "acme-worker"},
	    {"id": "u-1", "username": "ada", "enabled": true, "email": "ada@acme.test", "emailVerified": true,
	     "firstName": "Ada", "lastName": "Lovelace", "credentials": [{"type": "password", "value": "pw", "temporary": false}],
	     "realmRoles": ["default-roles-acme"]},
	    {"id": "u-2", "username": "bo", "enabled": false, "emailVerified": false,
	     "realmRoles": ["default-roles-acme"], "clientRoles": {"acme-api": ["invoices:read"]}}
	  ]
	}`
	if err := json.Unmarshal([]byte(wantJSON), &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON() mismatch (-want +got):\n%s", diff)
	}
}

// stableUserID loads a one-user realm and returns the id that the builder
// gave the user, to check that ids are the same in every run.
func stableUserID(t *testing.T, realm, username string) string {
	t.Helper()
	first := builderUserID(t, realm, username)
	second := builderUserID(t, realm, username)
	if first != second {
		t.Fatalf("the builder gave user %q the ids %q and %q in two runs, want one stable id", username, first, second)
	}
	return first
}

func builderUserID(t *testing.T, realm, username string) string {
	t.Helper()
	data, err := mockidp.NewRealm(realm).User(mockidp.UserSpec{Username: username}).JSON()
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Users []struct {
			ID string `json:"id"`
		} `json:"users"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out.Users[0].ID
}

func TestRealmBuilderUserIDsDiffer(t *testing.T) {
	t.Parallel()
	ids := map[string]bool{
		builderUserID(t, "acme", "ada"):  true,
		builderUserID(t, "acme", "bo"):   true,
		builderUserID(t, "other", "ada"): true,
	}
	if len(ids) != 3 {
		t.Errorf("three users of different realms or names got %d distinct ids, want 3", len(ids))
	}
}

func TestRealmBuilderImport(t *testing.T) {
	t.Parallel()
	b := mockidp.NewRealm("acme").
		SigningKey(testkeys.RSA(1)).
		EncryptionKey(testkeys.RSA(2)).
		Role("auditor").
		Client(mockidp.ClientSpec{ClientID: "acme-worker", Secret: "s3cret", ServiceAccount: true}).
		Client(mockidp.ClientSpec{ClientID: "acme-cli", Public: true, DirectAccessGrants: true}).
		User(mockidp.UserSpec{Username: "Ada", Password: "pw", RealmRoles: []string{"auditor"}})
	idp, err := mockidp.New(mockidp.WithRealm(b), mockidp.WithoutDefaultRealm())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"acme"}, idp.RealmNames()); diff != "" {
		t.Fatalf("RealmNames() mismatch (-want +got):\n%s", diff)
	}
	realm, _ := idp.Realm("acme")

	worker, ok := realm.Client("acme-worker")
	if !ok {
		t.Fatal("client acme-worker not found")
	}
	if worker.Public || !worker.ServiceAccounts || worker.StandardFlow || worker.Secret != "s3cret" {
		t.Errorf("acme-worker = public %t, service accounts %t, standard flow %t, secret %q; want a confidential service client with secret s3cret",
			worker.Public, worker.ServiceAccounts, worker.StandardFlow, worker.Secret)
	}
	cli, _ := realm.Client("acme-cli")
	if !cli.Public || !cli.DirectAccessGrants {
		t.Errorf("acme-cli = public %t, direct access grants %t; want both", cli.Public, cli.DirectAccessGrants)
	}
	if _, ok := realm.User("service-account-acme-worker"); !ok {
		t.Error("service account user service-account-acme-worker not found")
	}
	ada, ok := realm.User("ada")
	if !ok {
		t.Fatal("user ada not found")
	}
	if got, want := ada.ID, stableUserID(t, "acme", "ada"); got != want {
		t.Errorf("ada's id = %q, want the builder's stable id %q", got, want)
	}
}

func TestRealmBuilderMissingRole(t *testing.T) {
	t.Parallel()
	b := mockidp.NewRealm("acme").
		SigningKey(testkeys.RSA(1)).
		EncryptionKey(testkeys.RSA(2)).
		User(mockidp.UserSpec{Username: "ada", RealmRoles: []string{"no-such-role"}})
	_, err := mockidp.New(mockidp.WithRealm(b))

	var ie *mockidp.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("New returned %v, want *mockidp.ImportError", err)
	}
	want := mockidp.ImportError{File: `realm "acme" (RealmBuilder)`, Path: "$.users[0].realmRoles[1]", Reason: `realm role "no-such-role" not found`}
	if diff := cmp.Diff(want, *ie); diff != "" {
		t.Errorf("ImportError mismatch (-want +got):\n%s", diff)
	}
}

func TestRealmBuilderConfidentialClientWithoutSecret(t *testing.T) {
	t.Parallel()
	b := mockidp.NewRealm("acme").Client(mockidp.ClientSpec{ClientID: "svc", ServiceAccount: true})
	_, err := mockidp.New(mockidp.WithRealm(b))

	var ie *mockidp.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("New returned %v, want *mockidp.ImportError", err)
	}
	if got, want := ie.Path, "$.clients[0].secret"; got != want {
		t.Errorf("ImportError.Path = %q, want %q", got, want)
	}
}

func TestRealmBuilderKeyComponents(t *testing.T) {
	t.Parallel()
	data, err := mockidp.NewRealm("acme").SigningKey(testkeys.RSA(1)).EncryptionKey(testkeys.RSA(2)).JSON()
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Components map[string][]struct {
			ProviderID string              `json:"providerId"`
			Config     map[string][]string `json:"config"`
		} `json:"components"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	providers := out.Components["org.keycloak.keys.KeyProvider"]
	if len(providers) != 2 {
		t.Fatalf("got %d key providers, want 2", len(providers))
	}
	wantKeys := []*rsa.PrivateKey{testkeys.RSA(1), testkeys.RSA(2)}
	for i, want := range []struct{ providerID, use, algorithm string }{
		{"rsa", "sig", "RS256"},
		{"rsa-enc", "enc", "RSA-OAEP"},
	} {
		p := providers[i]
		if p.ProviderID != want.providerID || p.Config["keyUse"][0] != want.use || p.Config["algorithm"][0] != want.algorithm {
			t.Errorf("provider %d = %s %v %v, want %s %s %s", i, p.ProviderID, p.Config["keyUse"], p.Config["algorithm"], want.providerID, want.use, want.algorithm)
		}
		der, err := base64.StdEncoding.DecodeString(p.Config["privateKey"][0])
		if err != nil {
			t.Fatalf("provider %d privateKey is not standard base64: %v", i, err)
		}
		key, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			t.Fatalf("provider %d privateKey is not PKCS #8: %v", i, err)
		}
		if !wantKeys[i].Equal(key) {
			t.Errorf("provider %d privateKey is not the key given", i)
		}
	}
}

func TestRealmBuilderInvalidKey(t *testing.T) {
	t.Parallel()
	broken := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: testkeys.RSA(1).N, E: 3}, D: testkeys.RSA(1).D, Primes: testkeys.RSA(1).Primes}
	b := mockidp.NewRealm("acme").SigningKey(broken)

	if _, err := b.JSON(); err == nil {
		t.Error("JSON() with an invalid signing key returned no error")
	}
	_, err := mockidp.New(mockidp.WithRealm(b))
	var ie *mockidp.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("New returned %v, want *mockidp.ImportError", err)
	}
	if got, want := ie.File, `realm "acme" (RealmBuilder)`; got != want {
		t.Errorf("ImportError.File = %q, want %q", got, want)
	}
}

func TestWithRealmKeysKeepsOtherKeys(t *testing.T) {
	t.Parallel()
	ts := mockidp.NewTestServer(t,
		mockidp.WithRealmJSON("keyless-realm.json", []byte(keylessRealm)),
		mockidp.WithRealmKeys("keyless", testkeys.RSA(3), testkeys.RSA(4)),
		mockidp.WithRealmKeys("demo", testkeys.RSA(1), nil),
	)

	// The demo realm keeps its file's encryption key and gets key 1 for
	// signing.
	keys, err := ts.Emulator().PublicKeys(t.Context(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	gotKIDs := map[string]string{}
	for _, k := range keys.Keys {
		gotKIDs[k.Use] = k.KeyID
	}
	if got, want := gotKIDs["sig"], keycloakKID(t, testkeys.RSA(1)); got != want {
		t.Errorf("demo signing kid = %q, want %q", got, want)
	}
	if gotKIDs["enc"] == "" || gotKIDs["enc"] == keycloakKID(t, testkeys.RSA(1)) {
		t.Errorf("demo encryption kid = %q, want the file's own encryption key", gotKIDs["enc"])
	}

	// The keyless realm keeps its HMAC provider, whose secret signs
	// refresh tokens.
	tokens := ts.ClientCredentialsToken("keyless", "svc", "svc-secret")
	jws, err := jose.ParseSigned(tokens.RefreshToken, []jose.SignatureAlgorithm{jose.HS512})
	if err != nil {
		t.Fatalf("parsing the refresh token failed: %v", err)
	}
	if _, err := jws.Verify([]byte(keylessHMACSecret)); err != nil {
		t.Errorf("the refresh token does not verify with the file's HMAC secret: %v", err)
	}
}
