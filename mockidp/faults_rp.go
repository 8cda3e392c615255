package mockidp

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// RPFault names one defect that the emulator puts into the tokens it
// issues to one client, so that a relying party's validation can be tested:
// a correct relying party rejects every such token. It is a testing
// extension that Keycloak does not have.
//
// A fault is set with the client attribute "smartmate.mock.rp-fault", with
// WithClientFault, with (*Server).SetClientFault, or at run time through
// POST /realms/{realm}/testing/clients/{clientId}/rp-fault.
type RPFault string

// The relying-party faults. Unless a fault names the token it breaks, it
// breaks the access token and the ID token alike.
const (
	FaultNone           RPFault = ""
	FaultBadSignature   RPFault = "bad-signature"    // signature bytes altered
	FaultAlgNone        RPFault = "alg-none"         // "alg":"none" and no signature
	FaultHS256PublicKey RPFault = "hs256-public-key" // HS256 with the PEM public key as secret
	FaultUnknownKID     RPFault = "unknown-kid"      // a kid that the JWKS does not have
	FaultMissingKID     RPFault = "missing-kid"      // no kid header
	FaultWrongIssuer    RPFault = "wrong-iss"        // iss of another realm
	FaultWrongAudience  RPFault = "wrong-aud"        // aud of another client
	FaultExpired        RPFault = "expired"          // exp an hour in the past
	FaultIATFuture      RPFault = "iat-future"       // iat a day in the future
	FaultMissingSubject RPFault = "missing-sub"      // no sub claim
	FaultWrongNonce     RPFault = "wrong-nonce"      // ID token nonce differs from the request's
	FaultWrongAtHash    RPFault = "wrong-at-hash"    // ID token at_hash of another token
	FaultRefreshNotJWT  RPFault = "refresh-not-jwt"  // refresh token is an opaque string
)

// RPFaults lists every relying-party fault.
var RPFaults = []RPFault{
	FaultBadSignature, FaultAlgNone, FaultHS256PublicKey, FaultUnknownKID, FaultMissingKID,
	FaultWrongIssuer, FaultWrongAudience, FaultExpired, FaultIATFuture, FaultMissingSubject,
	FaultWrongNonce, FaultWrongAtHash, FaultRefreshNotJWT,
}

// rpFaultAttribute is the client attribute that sets a client's fault.
const rpFaultAttribute = "smartmate.mock.rp-fault"

// ParseRPFault returns the fault with the given name.
func ParseRPFault(name string) (RPFault, error) {
	if name == "" {
		return FaultNone, nil
	}
	for _, f := range RPFaults {
		if string(f) == name {
			return f, nil
		}
	}
	names := make([]string, len(RPFaults))
	for i, f := range RPFaults {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown relying-party fault %q: use one of %s", name, strings.Join(names, ", "))
}

// WithClientFault makes the emulator put fault into every token it issues
// to clientID of realm.
func WithClientFault(realm, clientID string, fault RPFault) Option {
	return func(c *config) {
		c.rpFaults = append(c.rpFaults, clientFault{realm, clientID, fault})
	}
}

type clientFault struct {
	realm, clientID string
	fault           RPFault
}

// faultTable holds the current relying-party fault per realm and client.
type faultTable struct {
	mu     sync.RWMutex
	faults map[string]RPFault // "realm/clientId" → fault; guarded by mu
}

func (ft *faultTable) get(realm, clientID string) RPFault {
	ft.mu.RLock()
	defer ft.mu.RUnlock()
	return ft.faults[realm+"/"+clientID]
}

func (ft *faultTable) set(realm, clientID string, f RPFault) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if ft.faults == nil {
		ft.faults = map[string]RPFault{}
	}
	if f == FaultNone {
		delete(ft.faults, realm+"/"+clientID)
		return
	}
	ft.faults[realm+"/"+clientID] = f
}

// SetClientFault changes the fault of a client at run time; FaultNone ends
// it. It fails for an unknown realm or client.
func (s *Server) SetClientFault(realm, clientID string, fault RPFault) error {
	r, ok := s.realms[realm]
	if !ok {
		return fmt.Errorf("mockidp: realm %q not found", realm)
	}
	if _, ok := r.Client(clientID); !ok {
		return fmt.Errorf("mockidp: client %q not found in realm %q", clientID, realm)
	}
	s.rpFaults.set(realm, clientID, fault)
	return nil
}

// initFaults reads the fault attributes of every client and the options.
func (s *Server) initFaults() error {
	for _, r := range s.realms {
		for _, c := range r.Clients() {
			f, err := ParseRPFault(c.Attributes[rpFaultAttribute])
			if err != nil {
				return fmt.Errorf("mockidp: realm %q client %q: %w", r.Name, c.ClientID, err)
			}
			s.rpFaults.set(r.Name, c.ClientID, f)
		}
	}
	for _, cf := range s.cfg.rpFaults {
		if err := s.SetClientFault(cf.realm, cf.clientID, cf.fault); err != nil {
			return err
		}
	}
	return nil
}

// tokenKind is the kind of token being signed. Some faults break only
// one kind.
type tokenKind int

const (
	kindAccess tokenKind = iota
	kindID
	kindRefresh
)

// signToken signs the claims of one token, putting in the client's fault
// when it has one.
func (s *Server) signToken(c *realmContext, client *Client, kind tokenKind, claims any) (string, error) {
	signer := c.keys.signer
	if kind == kindRefresh {
		signer = c.keys.hmac
	}
	fault := s.rpFaults.get(c.realm.Name, client.ClientID)
	claimFaults := s.claimFaults(c.realm, kind)
	if (fault == FaultNone || !faultApplies(fault, kind)) && !claimFaults {
		return signJSON(signer, claims)
	}
	if !faultApplies(fault, kind) {
		fault = FaultNone
	}
	return faultyToken(c, fault, kind, claims, func(m map[string]any) { s.mutateProviderClaims(c.realm, kind, m) })
}

func faultApplies(f RPFault, kind tokenKind) bool {
	switch f {
	case FaultWrongNonce, FaultWrongAtHash:
		return kind == kindID
	case FaultRefreshNotJWT:
		return kind == kindRefresh
	default:
		return kind != kindRefresh
	}
}

// faultyToken builds a token with one defect. It is the slow path: the
// claims go through a map so that any of them can be changed.
func faultyToken(c *realmContext, fault RPFault, kind tokenKind, claims any, mutateMore func(map[string]any)) (string, error) {
	if fault == FaultRefreshNotJWT {
		return "opaque-" + base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprint(time.Now().UnixNano()))), nil
	}
	m, err := claimMap(claims)
	if err != nil {
		return "", err
	}
	mutateClaims(fault, m)
	mutateMore(m)
	payload, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	key := c.keys.signing
	switch fault {
	case FaultAlgNone:
		// go-jose refuses to produce unsigned tokens, which is right for
		// everything but this test, so the parts are joined here.
		header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
		return header + "." + base64.RawURLEncoding.EncodeToString(payload) + ".", nil
	case FaultHS256PublicKey:
		der, err := x509.MarshalPKIXPublicKey(&key.private.PublicKey)
		if err != nil {
			return "", err
		}
		secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		return signWith(jose.HS256, jose.JSONWebKey{Key: secret, KeyID: key.kid}, payload)
	case FaultUnknownKID:
		return signWith(jose.RS256, jose.JSONWebKey{Key: key.private, KeyID: "unknown-" + key.kid[:8]}, payload)
	case FaultMissingKID:
		return signWith(jose.RS256, key.private, payload)
	case FaultBadSignature:
		tok, err := signWith(jose.RS256, jose.JSONWebKey{Key: key.private, KeyID: key.kid}, payload)
		if err != nil {
			return "", err
		}
		return corruptSignature(tok), nil
	default:
		return signWith(jose.RS256, jose.JSONWebKey{Key: key.private, KeyID: key.kid}, payload)
	}
}

// mutateClaims applies the claim-level faults.
func mutateClaims(fault RPFault, m map[string]any) {
	now := time.Now()
	if iat, ok := m["iat"].(float64); ok {
		now = time.Unix(int64(iat), 0)
	}
	switch fault {
	case FaultWrongIssuer:
		if iss, ok := m["iss"].(string); ok {
			m["iss"] = iss + "-other"
		}
	case FaultWrongAudience:
		m["aud"] = "some-other-client"
	case FaultExpired:
		m["exp"] = now.Add(-time.Hour).Unix()
		m["iat"] = now.Add(-2 * time.Hour).Unix()
	case FaultIATFuture:
		m["iat"] = now.Add(24 * time.Hour).Unix()
		m["exp"] = now.Add(25 * time.Hour).Unix()
	case FaultMissingSubject:
		delete(m, "sub")
	case FaultWrongNonce:
		m["nonce"] = "not-the-nonce-you-sent"
	case FaultWrongAtHash:
		m["at_hash"] = leftHalfHash("another access token")
	}
}

func signWith(alg jose.SignatureAlgorithm, key any, payload []byte) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	return signJSONBytes(signer, payload)
}

func signJSONBytes(signer jose.Signer, payload []byte) (string, error) {
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("mockidp: signing: %w", err)
	}
	return jws.CompactSerialize()
}

// corruptSignature flips bits in the first byte of the signature, keeping
// it valid base64url.
func corruptSignature(tok string) string {
	i := strings.LastIndexByte(tok, '.') + 1
	sig, err := base64.RawURLEncoding.DecodeString(tok[i:])
	if err != nil || len(sig) == 0 {
		return tok + "x"
	}
	sig[0] ^= 0xff
	return tok[:i] + base64.RawURLEncoding.EncodeToString(sig)
}

// RotateKeys publishes a new RS256 signing key for realm and signs new
// tokens with it. With keepOld the previous signing keys stay in the JWKS,
// so tokens they signed still verify; without it they are dropped. A nil
// key generates one. It returns the new key's kid. This is a testing
// extension that Keycloak does not have; Keycloak rotates keys through its
// admin API instead.
func (s *Server) RotateKeys(realm string, key *rsa.PrivateKey, keepOld bool) (string, error) {
	r, ok := s.realms[realm]
	if !ok {
		return "", fmt.Errorf("mockidp: realm %q not found", realm)
	}
	select {
	case <-r.keys.ready:
	default:
		return "", fmt.Errorf("mockidp: keys of realm %q are still being generated", realm)
	}
	if r.keys.err != nil {
		return "", r.keys.err
	}
	next := &rsaKey{alg: "RS256", use: "sig", private: key}
	if key == nil {
		generated, err := generateRSAKey("RS256", "sig")
		if err != nil {
			return "", err
		}
		next = generated
	}
	if err := completeRSAKey(realm, next); err != nil {
		return "", err
	}

	r.keys.mu.Lock()
	defer r.keys.mu.Unlock()
	old := r.keys.cur
	published := []*rsaKey{next}
	for _, k := range old.published {
		if k.use == "enc" || keepOld {
			published = append(published, k)
		}
	}
	m, err := newKeyMaterial(next, published, old.hmacKID, old.hmacKey)
	if err != nil {
		return "", err
	}
	r.keys.cur = m
	return next.kid, nil
}
