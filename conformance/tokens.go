package conformance

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// signingAlgs are the JWS algorithms the kit accepts in tokens. "none" and
// the HMAC algorithms are absent on purpose: a client cannot verify them
// against a public key set.
var signingAlgs = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
}

// algNames returns signingAlgs as strings for go-oidc.
func algNames() []string {
	out := make([]string, len(signingAlgs))
	for i, a := range signingAlgs {
		out[i] = string(a)
	}
	return out
}

// IDClaims are the verified claims of an ID token.
type IDClaims struct {
	Token  *oidc.IDToken
	Header jose.Header
	Claims map[string]any
}

// Subject returns the sub claim.
func (i *IDClaims) Subject() string { return i.Token.Subject }

// AuthTime returns the auth_time claim, or zero when absent.
func (i *IDClaims) AuthTime() time.Time {
	n, ok := numberClaim(i.Claims, "auth_time")
	if !ok {
		return time.Time{}
	}
	return time.Unix(n, 0)
}

// numberClaim reads a numeric claim, accepting integers and floats.
func numberClaim(m map[string]any, name string) (int64, bool) {
	switch v := m[name].(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n, true
		}
		if f, err := v.Float64(); err == nil {
			return int64(f), true
		}
	case float64:
		return int64(v), true
	}
	return 0, false
}

// decodeClaims decodes a JWT payload without verifying it.
func decodeClaims(raw string) (jose.Header, map[string]any, error) {
	tok, err := jwt.ParseSigned(raw, signingAlgsWithNone())
	if err != nil {
		return jose.Header{}, nil, fmt.Errorf("conformance: parse JWT: %w", err)
	}
	var claims map[string]any
	if err := tok.UnsafeClaimsWithoutVerification(&claims); err != nil {
		return jose.Header{}, nil, fmt.Errorf("conformance: decode JWT claims: %w", err)
	}
	// Re-decode with json.Number so that large integers stay exact.
	return tok.Headers[0], renumber(claims), nil
}

// signingAlgsWithNone adds the HMAC algorithms for decoding (not verifying)
// Keycloak's HS512 refresh tokens.
func signingAlgsWithNone() []jose.SignatureAlgorithm {
	return append(append([]jose.SignatureAlgorithm(nil), signingAlgs...), jose.HS256, jose.HS384, jose.HS512)
}

// renumber converts float64 values into json.Number.
func renumber(m map[string]any) map[string]any {
	data, err := json.Marshal(m)
	if err != nil {
		return m
	}
	var out map[string]any
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if dec.Decode(&out) != nil {
		return m
	}
	return out
}

// VerifyIDToken verifies an ID token with go-oidc (signature against the
// provider's JWKS, iss, aud, exp) and applies the OpenID suite's standard
// ID token checks (OpenID Connect Core section 3.1.3.7): nonce, iat and
// auth_time plausibility, kid present, at_hash if present. A token that does
// not verify stops the check.
func (c *C) VerifyIDToken(raw, nonce, clientID, accessToken string) *IDClaims {
	d := c.Discovery()
	ks := c.session.remoteKeySet(d.JWKSURI)
	v := oidc.NewVerifier(d.Issuer, ks, &oidc.Config{
		ClientID:             clientID,
		SupportedSigningAlgs: algNames(),
		// The kit checks expiry itself with a five-minute tolerance, as the
		// OpenID suite does, so a small clock difference is no failure.
		SkipExpiryCheck: true,
	})
	tok, err := v.Verify(c.ctx, raw)
	if err != nil {
		c.Fatalf("ID token does not verify: %v", err)
	}
	header, claims, err := decodeClaims(raw)
	if err != nil {
		c.Fatalf("%v", err)
	}
	c.Logf("ID token header alg=%s kid=%q; claims %s", header.Algorithm, header.KeyID, claimSummary(claims))
	id := &IDClaims{Token: tok, Header: header, Claims: claims}
	checkIDTokenClaims(c, id, nonce, clientID)
	if accessToken != "" && tok.AccessTokenHash != "" {
		if err := tok.VerifyAccessToken(accessToken); err != nil {
			c.Errorf("at_hash does not match the access token: %v (OpenID Connect Core section 3.1.3.8)", err)
		}
	}
	return id
}

// checkIDTokenClaims applies the claim checks of OpenID Connect Core
// section 3.1.3.7 that go-oidc leaves to the caller.
func checkIDTokenClaims(c *C, id *IDClaims, nonce, clientID string) {
	now := time.Now()
	const skew = 5 * time.Minute
	if id.Header.KeyID == "" {
		c.Errorf("ID token header has no kid (OpenID Connect Core section 10.1 requires one when the JWKS has several keys)")
	}
	if id.Token.Subject == "" {
		c.Errorf("ID token has no sub")
	}
	if exp, ok := numberClaim(id.Claims, "exp"); !ok {
		c.Errorf("ID token has no numeric exp")
	} else if t := time.Unix(exp, 0); t.Before(now.Add(-skew)) {
		c.Errorf("ID token expired at %s", t.UTC().Format(time.RFC3339))
	} else if t.After(now.AddDate(50, 0, 0)) {
		c.Errorf("ID token exp %d is more than 50 years ahead; milliseconds instead of seconds?", exp)
	}
	if iat, ok := numberClaim(id.Claims, "iat"); !ok {
		c.Errorf("ID token has no numeric iat")
	} else if t := time.Unix(iat, 0); t.After(now.Add(skew)) || t.Before(now.Add(-skew)) {
		c.Errorf("ID token iat %s is more than 5 minutes from now", t.UTC().Format(time.RFC3339))
	}
	if at, ok := numberClaim(id.Claims, "auth_time"); ok {
		t := time.Unix(at, 0)
		if t.After(now.Add(skew)) {
			c.Errorf("ID token auth_time %s is in the future", t.UTC().Format(time.RFC3339))
		} else if t.Before(now.AddDate(-1, 0, 0)) {
			c.Errorf("ID token auth_time %s is more than a year old", t.UTC().Format(time.RFC3339))
		}
	}
	if acr, ok := id.Claims["acr"]; ok && acr == "" {
		c.Errorf("ID token acr is an empty string")
	}
	if nonce != "" && id.Token.Nonce != nonce {
		c.Errorf("ID token nonce = %q, want %q (OpenID Connect Core section 3.1.3.7 step 11)", id.Token.Nonce, nonce)
	}
	if azp, ok := id.Claims["azp"].(string); ok && len(id.Token.Audience) > 1 && azp != clientID {
		c.Errorf("ID token azp = %q, want the client id %q", azp, clientID)
	}
}

// claimSummary lists claim names and short values for evidence.
func claimSummary(claims map[string]any) string {
	return maskJSONValue(claims)
}

// maskJSONValue encodes a decoded value with long strings truncated.
func maskJSONValue(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return excerpt(maskJSON(data), 600)
}

// VerifyJWT verifies a JWS against the provider's JWKS and returns its
// header and claims. It does not check any claim.
func (c *C) VerifyJWT(raw string, set *jose.JSONWebKeySet) (jose.Header, map[string]any, error) {
	tok, err := jwt.ParseSigned(raw, signingAlgs)
	if err != nil {
		return jose.Header{}, nil, fmt.Errorf("conformance: parse JWT: %w", err)
	}
	h := tok.Headers[0]
	keys := set.Keys
	if h.KeyID != "" {
		keys = set.Key(h.KeyID)
	}
	for _, k := range keys {
		if k.Use == "enc" {
			continue
		}
		var claims map[string]any
		if err := tok.Claims(k.Key, &claims); err == nil {
			return h, renumber(claims), nil
		}
	}
	return h, nil, fmt.Errorf("conformance: no key of the JWKS verifies the token (kid %q)", h.KeyID)
}

// audience returns the aud claim as a list, accepting a string or an array.
func audience(claims map[string]any) []string {
	switch v := claims["aud"].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, a := range v {
			if s, ok := a.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
