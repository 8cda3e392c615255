package mockidp

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/smartmate/smartmate-mock/internal/testkeys"
)

// extrasRealm is the realm of the request object, front-channel logout and
// session iframe tests. CERTIFICATE and JWKSURL are replaced per test.
const extrasRealm = `{
  "realm": "extras", "enabled": true,
  "components": {"org.keycloak.keys.KeyProvider": [
    {"name": "rsa", "providerId": "rsa", "config": {"privateKey": [%q], "priority": ["100"]}}
  ]},
  "clients": [
    {"clientId": "plain", "publicClient": true, "redirectUris": ["http://127.0.0.1/*"],
     "webOrigins": ["+"], "frontchannelLogout": true,
     "attributes": {"frontchannel.logout.url": "http://127.0.0.1:9/fc?app=plain", "request.uris": "http://127.0.0.1/*"}},
    {"clientId": "nosid", "publicClient": true, "redirectUris": ["http://127.0.0.1/*"], "frontchannelLogout": true,
     "attributes": {"frontchannel.logout.url": "http://127.0.0.1:9/nosid", "frontchannel.logout.session.required": "false"}},
    {"clientId": "fcoff", "publicClient": true, "redirectUris": ["http://127.0.0.1/*"], "frontchannelLogout": false,
     "attributes": {"frontchannel.logout.url": "http://127.0.0.1:9/off"}},
    {"clientId": "cert", "publicClient": true, "redirectUris": ["http://127.0.0.1/*"],
     "webOrigins": ["http://app.example.test"],
     "attributes": {"jwt.credential.certificate": "CERTIFICATE"}},
    {"clientId": "jwks", "publicClient": true, "redirectUris": ["http://127.0.0.1/*"],
     "attributes": {"jwks.url": "JWKSURL"}},
    {"clientId": "registered", "publicClient": true, "redirectUris": ["http://127.0.0.1/*"],
     "attributes": {"request.uris": "http://127.0.0.1:1/allowed/*"}},
    {"clientId": "noneonly", "publicClient": true, "redirectUris": ["http://127.0.0.1/*"],
     "attributes": {"request.object.signature.alg": "none"}}
  ],
  "users": [
    {"id": "11111111-1111-4111-8111-111111111111", "username": "alice", "enabled": true,
     "credentials": [{"type": "password", "value": "alice-pw"}]}
  ]
}`

// newExtrasEnv starts an emulator whose only realm is extrasRealm. The
// client "jwks" reads its keys from jwksURL, and "cert" has a certificate
// of testkeys.RSA(3).
func newExtrasEnv(t testing.TB, jwksURL string) *browserEnv {
	t.Helper()
	realm := fmt.Sprintf(extrasRealm, string(testkeys.PEM(1)))
	realm = strings.ReplaceAll(realm, "CERTIFICATE", certificateOf(t, 3))
	realm = strings.ReplaceAll(realm, "JWKSURL", jwksURL)
	env := newBrowserEnv(t, "", WithRealmJSON("extras.json", []byte(realm)))
	env.issuer = env.ts.URL + "/realms/extras"
	return env
}

// certificateOf returns a self-signed certificate of testkeys.RSA(n) as
// base64 DER, the form of Keycloak's jwt.credential.certificate.
func certificateOf(t testing.TB, n int) string {
	t.Helper()
	key := testkeys.RSA(n)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "cert"},
		NotBefore:    testStart.Add(-time.Hour),
		NotAfter:     testStart.Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// serveJWKS serves the public key of testkeys.RSA(n) with kid "k1" as a
// JWKS on a loopback port and returns its URL.
func serveJWKS(t testing.TB, n int) string {
	t.Helper()
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &testkeys.RSA(n).PublicKey, KeyID: "k1", Use: "sig", Algorithm: "RS256"}}}
	body, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return serveBody(t, "application/json", string(body))
}

// serveBody serves body at every path of a loopback server and returns its
// base URL.
func serveBody(t testing.TB, contentType, body string) string {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// unsignedObject returns an alg "none" request object with claims.
func unsignedObject(t testing.TB, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." +
		base64.RawURLEncoding.EncodeToString(payload) + "."
}

// signedObject returns a request object with claims signed RS256 by
// testkeys.RSA(n) with kid "k1".
func signedObject(t testing.TB, n int, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: testkeys.RSA(n)},
		(&jose.SignerOptions{}).WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
