package conformance

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// KeySet is a fetched JWKS: the raw members of each key and the keys that
// go-jose could parse.
type KeySet struct {
	Raw []map[string]any
	Set jose.JSONWebKeySet
	// Invalid lists a parse error for each key go-jose rejected.
	Invalid []string
}

// KeySet fetches and parses the provider's JWKS; a fetch or decoding failure
// stops the check.
func (c *C) KeySet() *KeySet {
	r := c.Get(c.requireEndpoint("jwks_uri", c.Discovery().JWKSURI))
	if r.Status != 200 {
		c.Fatalf("jwks_uri returned HTTP %d, want 200", r.Status)
	}
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		c.Fatalf("JWKS does not decode: %v", err)
	}
	if doc.Keys == nil {
		c.Fatalf("JWKS has no keys array (RFC 7517 section 5)")
	}
	ks := &KeySet{}
	for i, raw := range doc.Keys {
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			ks.Invalid = append(ks.Invalid, fmt.Sprintf("key %d is not a JSON object", i))
			continue
		}
		ks.Raw = append(ks.Raw, m)
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil {
			ks.Invalid = append(ks.Invalid, fmt.Sprintf("key %d (kid %v): %v", i, m["kid"], err))
			continue
		}
		ks.Set.Keys = append(ks.Set.Keys, k)
	}
	return ks
}

// privateMembers are JWK members that only private or symmetric keys have
// (RFC 7518 sections 6.2.2, 6.3.2 and 6.4.1).
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// checkKeySet applies the JWKS rules the OpenID suite checks: every key has
// kty and a unique kid, no private members, RSA keys of at least 2048 bits.
func checkKeySet(c *C, ks *KeySet) {
	for _, msg := range ks.Invalid {
		c.Errorf("JWKS key does not parse: %s", msg)
	}
	seen := map[string]bool{}
	for i, m := range ks.Raw {
		kid, _ := m["kid"].(string)
		if _, ok := m["kty"].(string); !ok {
			c.Errorf("JWKS key %d has no kty (RFC 7517 section 4.1)", i)
		}
		if kid == "" {
			c.Errorf("JWKS key %d has no kid (OpenID Connect Core section 10.1)", i)
		} else if seen[kid] {
			c.Errorf("JWKS kid %q appears twice (RFC 7517 section 4.5)", kid)
		}
		seen[kid] = true
		for _, p := range privateMembers {
			if _, ok := m[p]; ok {
				c.Errorf("JWKS key %q has the private member %q", kid, p)
			}
		}
	}
	for _, k := range ks.Set.Keys {
		if pub, ok := k.Key.(*rsa.PublicKey); ok && pub.N.BitLen() < 2048 {
			c.Errorf("RSA key %q has %d bits, want at least 2048 (RFC 7518 section 3.3)", k.KeyID, pub.N.BitLen())
		}
	}
}

// jwksChecks returns the JWKS checks of RFC 7517 and RFC 7518.
func jwksChecks() []*Check {
	return []*Check{
		oidcCheck("rfc7517-jwks-well-formed", "JWKS keys have kty and unique kid, and no private members",
			"RFC 7517 sections 4 and 5, OpenID Connect Core 1.0 section 10.1", func(c *C) {
				ks := c.KeySet()
				if len(ks.Raw) == 0 {
					c.Fatalf("the JWKS has no keys")
				}
				checkKeySet(c, ks)
			}),
		oidcCheck("rfc7517-token-kid-resolves", "The kid of an issued token resolves in the JWKS and verifies it",
			"RFC 7515 section 4.1.4 and OpenID Connect Core 1.0 section 10.1", func(c *C) {
				f := c.CodeFlow(c.NewAuthRequest("openid"))
				ks := c.KeySet()
				for name, raw := range map[string]string{"ID token": f.Tokens.IDToken, "access token": f.Tokens.AccessToken} {
					h, _, err := c.VerifyJWT(raw, &ks.Set)
					if err != nil && name == "access token" && !looksLikeJWT(raw) {
						c.Logf("the access token is opaque, so only the ID token is checked")
						continue
					}
					if err != nil {
						c.Errorf("%s: %v", name, err)
						continue
					}
					c.Logf("%s kid %q verified with the JWKS", name, h.KeyID)
				}
			}),
	}
}

// looksLikeJWT reports whether s has the three dot-separated segments of a
// compact JWS.
func looksLikeJWT(s string) bool {
	n := 0
	for _, r := range s {
		if r == '.' {
			n++
		}
	}
	return n == 2
}
