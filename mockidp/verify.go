package mockidp

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// tokenClaims are the members that the emulator reads back from tokens it
// issued: refresh tokens at the token endpoint, access tokens at userinfo,
// introspection and revocation.
type tokenClaims struct {
	Exp   int64           `json:"exp"`
	Iat   int64           `json:"iat"`
	JTI   string          `json:"jti"`
	Iss   string          `json:"iss"`
	Aud   json.RawMessage `json:"aud"`
	Sub   string          `json:"sub"`
	Typ   string          `json:"typ"`
	Azp   string          `json:"azp"`
	Sid   string          `json:"sid"`
	Scope string          `json:"scope"`
	Nonce string          `json:"nonce"`
}

var (
	errTokenMalformed = errors.New("token is not a compact JWS")
	errTokenSignature = errors.New("token signature is invalid")
	errTokenExpired   = errors.New("token is expired")
)

// verifyRefresh checks an HS512 refresh token's signature with the realm's
// HMAC key and returns its claims. Expiry is the caller's decision, since
// Keycloak 26's logout accepts expired refresh tokens.
func verifyRefresh(m *keyMaterial, raw string) (*tokenClaims, error) {
	payload, err := verifyHMACPayload(m, raw)
	if err != nil {
		return nil, err
	}
	return decodeClaims(payload)
}

// verifySigned checks an RS256 token against the realm's published keys.
func verifySigned(m *keyMaterial, raw string) (*tokenClaims, error) {
	payload, err := verifySignedPayload(m, raw)
	if err != nil {
		return nil, err
	}
	return decodeClaims(payload)
}

// verifySignedPayload checks an RS256 token against the realm's published
// keys and returns its payload.
func verifySignedPayload(m *keyMaterial, raw string) ([]byte, error) {
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, errTokenMalformed
	}
	if len(jws.Signatures) != 1 {
		return nil, errTokenMalformed
	}
	kid := jws.Signatures[0].Header.KeyID
	for _, k := range m.published {
		if k.use != "sig" || (kid != "" && k.kid != kid) {
			continue
		}
		if payload, err := jws.Verify(&k.private.PublicKey); err == nil {
			return payload, nil
		}
	}
	return nil, errTokenSignature
}

// verifyHMACPayload checks an HS512 token, such as a refresh token, with
// the realm's HMAC key and returns its payload.
func verifyHMACPayload(m *keyMaterial, raw string) ([]byte, error) {
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.HS512, jose.HS256})
	if err != nil {
		return nil, errTokenMalformed
	}
	payload, err := jws.Verify(m.hmacKey)
	if err != nil {
		return nil, errTokenSignature
	}
	return payload, nil
}

func decodeClaims(payload []byte) (*tokenClaims, error) {
	var c tokenClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, fmt.Errorf("token payload is not a JSON object: %w", err)
	}
	return &c, nil
}

// expired reports whether a token with this exp is past its expiry at now.
// Keycloak 26 allows no clock skew: a token expires when now passes exp.
func (t *tokenClaims) expired(now time.Time) bool {
	return t.Exp != 0 && now.Unix() > t.Exp
}
