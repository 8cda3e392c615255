package mockidp

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/smartmate/smartmate-mock/protocol"
)

// The provider fault hooks of the discovery and JWKS documents, of realm
// lookup and of the HTML pages.

// discoveryWithFaults returns the discovery or RFC 8414 document body with
// the discovery faults of the realm.
func (s *Server) discoveryWithFaults(c *realmContext, body []byte) ([]byte, error) {
	r := c.realm
	oauth := strings.HasSuffix(c.Request().URL.Path, "/oauth-authorization-server")
	if len(r.faults) == 0 {
		return body, nil
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, err
	}

	if r.hasFault(FaultDiscoveryIssuerMismatch) {
		doc["issuer"] = c.issuer + "/"
	}
	if r.hasFault(FaultOAuthMetadataDiffers) && oauth {
		doc["issuer"] = c.issuer + "-oauth"
		delete(doc, "claims_supported")
	}
	if r.hasFault(FaultDiscoveryNoS256) {
		doc["code_challenge_methods_supported"] = []string{protocol.PKCEMethodPlain}
	}
	if r.hasFault(FaultDiscoveryEmptyArray) {
		doc["acr_values_supported"] = []string{}
	}
	if r.hasFault(FaultDiscoveryNoneAuthAlg) {
		doc["token_endpoint_auth_signing_alg_values_supported"] = []string{"none", "RS256"}
	}

	if r.hasFault(FaultDiscoveryNoEndSession) {
		delete(doc, "end_session_endpoint")
	}
	if r.hasFault(FaultDiscoveryNoBackchannel) {
		doc["backchannel_logout_supported"] = false
		doc["backchannel_logout_session_supported"] = false
	}
	// NOTE: this fault changes only issuers on 127.0.0.1, the host of the
	// test servers.
	if r.hasFault(FaultDiscoveryEndpointHost) {
		if v, ok := doc["revocation_endpoint"].(string); ok {
			doc["revocation_endpoint"] = strings.Replace(v, "://127.0.0.1:", "://localhost:", 1)
		}
	}

	return json.Marshal(doc)
}

// jwksWithFaults returns the JWKS body with the JWKS faults of the realm.
func (s *Server) jwksWithFaults(c *realmContext) ([]byte, error) {
	r := c.realm
	if !r.hasFault(FaultJWKSPrivateKey) && !r.hasFault(FaultJWKSDuplicateKID) && !r.hasFault(FaultJWKSNoX5C) {
		return c.keys.jwks, nil
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(c.keys.jwks, &set); err != nil {
		return nil, err
	}
	if len(set.Keys) > 0 && r.hasFault(FaultJWKSPrivateKey) {
		// A made-up value: the fault shows that a private member is
		// published, not a usable private key.
		set.Keys[0]["d"] = base64.RawURLEncoding.EncodeToString([]byte("private exponent"))
	}
	if len(set.Keys) > 0 && r.hasFault(FaultJWKSDuplicateKID) {
		dup := map[string]any{}
		for k, v := range set.Keys[0] {
			dup[k] = v
		}
		set.Keys = append(set.Keys, dup)
	}
	if r.hasFault(FaultJWKSNoX5C) {
		for _, k := range set.Keys {
			delete(k, "x5c")
		}
	}
	return json.Marshal(set)
}

// fallbackRealm returns the realm that serves unknown realm names: the one
// with FaultUnknownRealmServed, if any.
func (s *Server) fallbackRealm() (*Realm, bool) {
	for _, name := range s.RealmNames() {
		if r := s.realms[name]; r.hasFault(FaultUnknownRealmServed) {
			return r, true
		}
	}
	return nil, false
}

// changePageTexts replaces the Keycloak texts of a page with
// FaultPageTextsChanged.
func (s *Server) changePageTexts(c echo.Context, p *page) {
	if !s.requestFault(c, FaultPageTextsChanged) {
		return
	}
	for _, text := range []*string{&p.Heading, &p.Text, &p.Message, &p.InputError} {
		if *text != "" {
			*text = "Something went wrong"
		}
	}
}

// pageWithFaults returns the HTML of a page with FaultLoginFormRenamed.
func (s *Server) pageWithFaults(c echo.Context, html []byte) []byte {
	if !s.requestFault(c, FaultLoginFormRenamed) {
		return html
	}
	return bytes.ReplaceAll(html, []byte(`id="kc-form-login"`), []byte(`id="login-form"`))
}
