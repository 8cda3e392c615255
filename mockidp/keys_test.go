package mockidp

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

func TestJWKSPublishesSigningAndEncryptionKeys(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	req, _ := http.NewRequest(http.MethodGet, e.Issuer("demo")+"/protocol/openid-connect/certs", nil)
	req.Header.Set("Origin", "http://localhost:3000")
	status, header, body := do(t, req)
	if status != http.StatusOK {
		t.Fatalf("status = %d, want 200", status)
	}
	if got := header.Get("Access-Control-Allow-Origin"); got != "http://localhost:3000" {
		t.Errorf("Access-Control-Allow-Origin = %q, want the request origin", got)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatalf("JWKS does not parse: %v", err)
	}
	if len(set.Keys) != 2 {
		t.Fatalf("JWKS has %d keys, want 2", len(set.Keys))
	}
	uses := []string{set.Keys[0].Use + " " + set.Keys[0].Algorithm, set.Keys[1].Use + " " + set.Keys[1].Algorithm}
	if uses[0] != "sig RS256" || uses[1] != "enc RSA-OAEP" {
		t.Errorf("keys = %v, want [sig RS256, enc RSA-OAEP]", uses)
	}
	for _, k := range set.Keys {
		der, _ := x509.MarshalPKIXPublicKey(k.Key)
		sum := sha256.Sum256(der)
		if want := base64.RawURLEncoding.EncodeToString(sum[:]); k.KeyID != want {
			t.Errorf("kid = %q, want base64url(SHA-256(SPKI)) %q", k.KeyID, want)
		}
		if len(k.Certificates) != 1 || k.Certificates[0].Subject.CommonName != "demo" {
			t.Fatalf("x5c = %v, want one certificate for CN=demo", k.Certificates)
		}
		s1 := sha1.Sum(k.Certificates[0].Raw)
		s256 := sha256.Sum256(k.Certificates[0].Raw)
		if string(k.CertificateThumbprintSHA1) != string(s1[:]) || string(k.CertificateThumbprintSHA256) != string(s256[:]) {
			t.Error("x5t or x5t#S256 does not match the certificate")
		}
	}
}

func TestGeneratedKeysDoNotDelayOtherRealms(t *testing.T) {
	t.Parallel()
	// The one test that generates RSA keys: a realm file without keys.
	e := startEmulator(t, WithRealmJSON("keyless.json", []byte(`{"realm":"keyless"}`)))
	req, _ := http.NewRequest(http.MethodGet, e.Issuer("demo")+"/.well-known/openid-configuration", nil)
	if status, _, _ := do(t, req); status != http.StatusOK {
		t.Errorf("demo discovery status = %d while keyless keys are generated, want 200", status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	set, err := e.PublicKeys(ctx, "keyless")
	if err != nil {
		t.Fatalf("PublicKeys(keyless) error = %v", err)
	}
	if len(set.Keys) != 2 || set.Keys[0].Certificates[0].Subject.CommonName != "keyless" {
		t.Errorf("generated keys = %d, want 2 with CN=keyless certificates", len(set.Keys))
	}
	req, _ = http.NewRequest(http.MethodGet, e.url+"/health/ready", nil)
	if status, _, body := do(t, req); status != http.StatusOK {
		t.Errorf("/health/ready = %d %s after generation, want 200", status, body)
	}
}
