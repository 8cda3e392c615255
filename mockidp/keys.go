package mockidp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
)

// rsaKey is one of a realm's RSA keys with the fields that Keycloak 26
// publishes for it.
type rsaKey struct {
	kid      string
	alg      string // RS256 for signing, RSA-OAEP for encryption
	use      string // "sig" or "enc"
	priority int
	private  *rsa.PrivateKey
	cert     *x509.Certificate
}

// keyMaterial is a consistent snapshot of a realm's keys. It is replaced,
// never changed, so readers need no lock once they hold it.
type keyMaterial struct {
	signing   *rsaKey
	published []*rsaKey
	signer    jose.Signer // RS256 with the signing key's kid
	hmacKID   string
	hmacKey   []byte
	hmac      jose.Signer // HS512 for refresh tokens
	jwks      []byte      // the serialised JWKS document
}

// realmKeys holds a realm's keys. Keys the realm file does not give are
// generated in the background, and ready closes when they exist. Until then
// requests for that realm wait, and other realms are not delayed.
type realmKeys struct {
	ready chan struct{}
	mu    sync.RWMutex
	cur   *keyMaterial // guarded by mu
	err   error        // set once before ready closes
}

// material waits until the keys exist and returns them.
func (k *realmKeys) material(ctx context.Context) (*keyMaterial, error) {
	select {
	case <-k.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if k.err != nil {
		return nil, k.err
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.cur, nil
}

// keySpec is the key configuration of a realm file, before any key is
// generated.
type keySpec struct {
	realm   string
	sig     []*rsaKey
	enc     []*rsaKey
	hmacKID string
	hmacKey []byte
}

// keyComponents reads the key providers of the realm file's components.
func (im *importer) keyComponents(realm string, components map[string][]json.RawMessage) (*realmKeys, error) {
	spec := &keySpec{realm: realm}
	for i, raw := range components["org.keycloak.keys.KeyProvider"] {
		path := fmt.Sprintf("$.components[\"org.keycloak.keys.KeyProvider\"][%d]", i)
		var c componentRep
		if err := im.decode(path, raw, &c, fieldSet(componentRep{}), nil); err != nil {
			return nil, err
		}
		if err := im.keyComponent(spec, path, &c); err != nil {
			return nil, err
		}
	}
	for kind := range components {
		if kind != "org.keycloak.keys.KeyProvider" {
			generic := "$.components." + kind
			if !im.warned[generic] {
				im.warned[generic] = true
				im.warnings = append(im.warnings, generic)
			}
		}
	}
	keys := &realmKeys{ready: make(chan struct{})}
	if len(spec.sig) > 0 && len(spec.enc) > 0 {
		keys.finish(spec)
	} else {
		go keys.finish(spec)
	}
	return keys, nil
}

func (im *importer) keyComponent(spec *keySpec, path string, c *componentRep) error {
	first := func(name string) string {
		if v := c.Config[name]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if first("active") == "false" || first("enabled") == "false" {
		return nil
	}
	switch c.ProviderID {
	case "rsa", "rsa-generated", "rsa-enc", "rsa-enc-generated":
	case "hmac-generated":
		// Keycloak 23 and older signed refresh tokens with this HS256 key.
		// Only Keycloak reads refresh tokens, so a new HS512 key replaces
		// it, as Keycloak 24 adds one when it migrates a realm.
		return nil
	case "hmac-generated-hs512":
		secret, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(first("secret"), "="))
		if err != nil {
			return im.fail(path+".config.secret", "expected base64url, got an invalid value")
		}
		if len(secret) > 0 && len(secret) < 64 {
			return im.fail(path+".config.secret", "an HS512 secret needs at least 64 bytes, got %d", len(secret))
		}
		if len(secret) > 0 {
			spec.hmacKID, spec.hmacKey = first("kid"), secret
		}
		return nil
	case "aes-generated":
		// Keycloak uses its AES key for its own cookies only.
		return nil
	default:
		im.warnings = append(im.warnings, fmt.Sprintf("%s.providerId: key provider %q is not supported and is skipped", path, c.ProviderID))
		return nil
	}
	enc := strings.HasPrefix(c.ProviderID, "rsa-enc") || strings.EqualFold(first("keyUse"), "enc")
	key := &rsaKey{alg: "RS256", use: "sig"}
	if enc {
		key.alg, key.use = "RSA-OAEP", "enc"
	}
	if alg := first("algorithm"); alg != "" {
		if !enc && alg != "RS256" {
			return im.fail(path+".config.algorithm", "unsupported signing algorithm %q: only RS256 is supported", alg)
		}
		key.alg = alg
	}
	if p := first("priority"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return im.fail(path+".config.priority", "expected an integer, got %q", p)
		}
		key.priority = n
	}
	if first("privateKey") == "" {
		// A provider without key material means a generated key.
		return nil
	}
	priv, err := parseRSAPrivateKey(first("privateKey"))
	if err != nil {
		return im.fail(path+".config.privateKey", "%v", err)
	}
	key.private = priv
	if cert := first("certificate"); cert != "" {
		parsed, err := parseCertificate(cert)
		if err != nil {
			return im.fail(path+".config.certificate", "%v", err)
		}
		if !parsed.PublicKey.(*rsa.PublicKey).Equal(&priv.PublicKey) {
			return im.fail(path+".config.certificate", "the certificate does not match the private key")
		}
		key.cert = parsed
	}
	if enc {
		spec.enc = append(spec.enc, key)
	} else {
		spec.sig = append(spec.sig, key)
	}
	return nil
}

// finish generates the missing keys and builds the key material. It runs in
// the background for realms whose file lacks keys.
func (k *realmKeys) finish(spec *keySpec) {
	defer close(k.ready)
	m, err := buildKeyMaterial(spec)
	if err != nil {
		k.err = fmt.Errorf("mockidp: keys of realm %q: %w", spec.realm, err)
		return
	}
	k.mu.Lock()
	k.cur = m
	k.mu.Unlock()
}

func buildKeyMaterial(spec *keySpec) (*keyMaterial, error) {
	if len(spec.sig) == 0 {
		key, err := generateRSAKey("RS256", "sig")
		if err != nil {
			return nil, err
		}
		spec.sig = append(spec.sig, key)
	}
	if len(spec.enc) == 0 {
		key, err := generateRSAKey("RSA-OAEP", "enc")
		if err != nil {
			return nil, err
		}
		spec.enc = append(spec.enc, key)
	}
	if spec.hmacKey == nil {
		spec.hmacKey = make([]byte, 64)
		if _, err := rand.Read(spec.hmacKey); err != nil {
			return nil, err
		}
	}
	if spec.hmacKID == "" {
		spec.hmacKID = uuid.NewString()
	}
	for _, key := range append(append([]*rsaKey{}, spec.sig...), spec.enc...) {
		if err := completeRSAKey(spec.realm, key); err != nil {
			return nil, err
		}
	}
	// The active signing key is the one with the highest priority, as in
	// Keycloak; the others stay published so their tokens still verify.
	sort.SliceStable(spec.sig, func(i, j int) bool { return spec.sig[i].priority > spec.sig[j].priority })
	published := append(append([]*rsaKey{}, spec.sig...), spec.enc...)
	return newKeyMaterial(spec.sig[0], published, spec.hmacKID, spec.hmacKey)
}

// newKeyMaterial builds the signers and the JWKS document for a set of keys.
func newKeyMaterial(signing *rsaKey, published []*rsaKey, hmacKID string, hmacKey []byte) (*keyMaterial, error) {
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: signing.private, KeyID: signing.kid}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		return nil, err
	}
	hmac, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.HS512, Key: hmacKey},
		// go-jose writes no kid for symmetric keys, but Keycloak 26 does.
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", hmacKID),
	)
	if err != nil {
		return nil, err
	}
	set := jose.JSONWebKeySet{}
	for _, key := range published {
		set.Keys = append(set.Keys, key.jwk())
	}
	jwks, err := json.Marshal(set)
	if err != nil {
		return nil, err
	}
	return &keyMaterial{
		signing: signing, published: published, signer: signer,
		hmacKID: hmacKID, hmacKey: hmacKey, hmac: hmac, jwks: jwks,
	}, nil
}

// jwk returns the public JWK with the members Keycloak 26 publishes: kid,
// kty, alg, use, n, e, x5c, x5t and x5t#S256.
func (k *rsaKey) jwk() jose.JSONWebKey {
	s1 := sha1.Sum(k.cert.Raw)
	s256 := sha256.Sum256(k.cert.Raw)
	return jose.JSONWebKey{
		Key:                         &k.private.PublicKey,
		KeyID:                       k.kid,
		Algorithm:                   k.alg,
		Use:                         k.use,
		Certificates:                []*x509.Certificate{k.cert},
		CertificateThumbprintSHA1:   s1[:],
		CertificateThumbprintSHA256: s256[:],
	}
}

func generateRSAKey(alg, use string) (*rsaKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return &rsaKey{alg: alg, use: use, priority: 100, private: priv}, nil
}

// completeRSAKey derives the kid and, when the file gave none, makes the
// self-signed certificate that Keycloak 26 makes: CN is the realm name and
// it is valid for ten years.
func completeRSAKey(realm string, key *rsaKey) error {
	kid, err := keyID(&key.private.PublicKey)
	if err != nil {
		return err
	}
	key.kid = kid
	if key.cert != nil {
		return nil
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: realm},
		Issuer:       pkix.Name{CommonName: realm},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.AddDate(10, 0, 0),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.private.PublicKey, key.private)
	if err != nil {
		return err
	}
	key.cert, err = x509.ParseCertificate(der)
	return err
}

// keyID derives a key id as Keycloak 26 does for generated keys: the
// base64url SHA-256 of the DER-encoded SubjectPublicKeyInfo.
func keyID(pub *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

// parseRSAPrivateKey accepts a PEM block or the bare base64 body that
// Keycloak exports, in PKCS #8 or PKCS #1 form.
func parseRSAPrivateKey(text string) (*rsa.PrivateKey, error) {
	der, err := pemOrBase64(text)
	if err != nil {
		return nil, err
	}
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, errors.New("the private key is not an RSA key")
		}
		return rk, nil
	}
	k, err := x509.ParsePKCS1PrivateKey(der)
	if err != nil {
		return nil, errors.New("the private key is neither PKCS #8 nor PKCS #1 DER")
	}
	return k, nil
}

func parseCertificate(text string) (*x509.Certificate, error) {
	der, err := pemOrBase64(text)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("invalid X.509 certificate: %v", err)
	}
	if _, ok := cert.PublicKey.(*rsa.PublicKey); !ok {
		return nil, errors.New("the certificate's key is not an RSA key")
	}
	return cert, nil
}

func pemOrBase64(text string) ([]byte, error) {
	if block, _ := pem.Decode([]byte(text)); block != nil {
		return block.Bytes, nil
	}
	clean := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, text)
	der, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		return nil, errors.New("expected a PEM block or standard base64 DER")
	}
	return der, nil
}
