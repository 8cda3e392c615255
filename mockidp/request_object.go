package mockidp

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/smartmate/smartmate-mock/protocol"
)

// Limits on fetching a request_uri or a client's jwks.url, so that a slow
// or huge response cannot hold the authorization endpoint.
const (
	requestURIMaxBytes = 64 << 10
	requestURITimeout  = 5 * time.Second
)

// Client attributes that Keycloak 26 reads for request objects.
const (
	attrRequestObjectAlg = "request.object.signature.alg"
	attrRequestURIs      = "request.uris"
	attrJWKSURL          = "jwks.url"
	attrJWTCertificate   = "jwt.credential.certificate"
)

// applyRequestObject merges the request object (OpenID Connect Core 1.0
// section 6) of a request with a request or request_uri parameter into its
// query parameters. As in Keycloak 26, a value in the object replaces the
// query's, and query parameters that the object lacks stay. Errors are
// redirected to the query's redirect URI when the client registered it,
// else shown as an error page.
// NOTE: the error descriptions are not confirmed against Keycloak 26's
// texts for these errors.
func (s *Server) applyRequestObject(c *realmContext, client *Client, query url.Values) (url.Values, error) {
	request, requestURI := query.Get("request"), query.Get("request_uri")
	if (request == "" && requestURI == "") || c.realm.hasFault(FaultRequestObjectIgnored) {
		return query, nil
	}
	fail := func(pe *protocol.Error) error { return requestObjectFailure(c, client, query, pe) }
	if request != "" && requestURI != "" {
		return nil, fail(protocol.New(protocol.ErrInvalidRequest, "Invalid Request: request and request_uri must not both be present"))
	}

	if requestURI != "" {
		var pe *protocol.Error
		if request, pe = s.fetchRequestObject(c, client, requestURI); pe != nil {
			return nil, fail(pe)
		}
	}
	params, pe := s.parseRequestObject(c.Request().Context(), client, request)
	if pe != nil {
		return nil, fail(pe)
	}
	if id := params.Get("client_id"); id != "" && id != client.ClientID {
		return nil, fail(protocol.New(protocol.ErrInvalidRequestObject, "Invalid Request: the request object's client_id differs from the client_id parameter"))
	}

	merged := url.Values{}
	for name, values := range query {
		merged[name] = values
	}
	for name, values := range params {
		merged[name] = values
	}
	delete(merged, "request")
	delete(merged, "request_uri")
	return merged, nil
}

// requestObjectFailure sends a request object error to the redirect URI of
// the outer query, because the object's own redirect URI cannot be trusted.
func requestObjectFailure(c *realmContext, client *Client, query url.Values, pe *protocol.Error) error {
	openid := contains(strings.Fields(query.Get("scope")), protocol.ScopeOpenID)
	target, ok := verifyRedirectURI(client, requestOrigin(c.Request()), query.Get("redirect_uri"), openid)
	if !ok {
		return &errorPage{status: http.StatusBadRequest, message: "Invalid Request", cause: pe}
	}
	mode := protocol.ResponseModeQuery
	if rt, ok := parseResponseType(query.Get("response_type")); ok && rt.implicitOrHybrid() {
		mode = protocol.ResponseModeFragment
	}
	switch m := query.Get("response_mode"); m {
	case protocol.ResponseModeQuery, protocol.ResponseModeFragment, protocol.ResponseModeFormPost:
		mode = m
	}
	return &authErrorRedirect{target: target, mode: mode, state: query.Get("state"), iss: c.issuer, err: pe}
}

// fetchRequestObject downloads the request object that a request_uri
// points to. Only http and https are fetched, within requestURITimeout and
// up to requestURIMaxBytes. Keycloak 26 fetches only registered request
// URIs, so that clients cannot make it fetch arbitrary URLs. The URI must
// therefore match one of the client's "Valid Request URIs" (attribute
// request.uris, "##"-separated) under the redirect URI rules.
func (s *Server) fetchRequestObject(c *realmContext, client *Client, raw string) (string, *protocol.Error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", protocol.New(protocol.ErrInvalidRequestURI, "Invalid parameter: request_uri")
	}
	if !requestURIRegistered(c, client, raw) {
		return "", protocol.New(protocol.ErrInvalidRequestURI, "Specified request_uri not allowed for this client.")
	}
	body, err := s.fetchBounded(c.Request().Context(), u.String())
	if err != nil {
		return "", protocol.New(protocol.ErrInvalidRequestURI, "Invalid Request: fetching request_uri failed").WithCause(err)
	}
	return strings.TrimSpace(string(body)), nil
}

// requestURIRegistered reports whether raw matches one of the client's
// request.uris.
func requestURIRegistered(c *realmContext, client *Client, raw string) bool {
	registered := client.Attributes[attrRequestURIs]
	if registered == "" {
		return false
	}
	alt := *client
	alt.RedirectURIs = strings.Split(registered, "##")
	_, ok := verifyRedirectURI(&alt, requestOrigin(c.Request()), raw, true)
	return ok
}

// fetchBounded GETs target with the server's HTTP client and returns the
// body of a 200 response.
func (s *Server) fetchBounded(ctx context.Context, target string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, requestURITimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.cfg.httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("mockidp: GET %q: status %d, want 200", target, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, requestURIMaxBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > requestURIMaxBytes {
		return nil, fmt.Errorf("mockidp: GET %q: body exceeds the maximum of %d bytes", target, requestURIMaxBytes)
	}
	return body, nil
}

// parseRequestObject checks a request object and returns its members as
// parameters. Objects with alg "none" are accepted, and RS256 objects are
// verified with the key of the client's jwks.url or
// jwt.credential.certificate attribute. Encrypted objects are rejected.
func (s *Server) parseRequestObject(ctx context.Context, client *Client, raw string) (url.Values, *protocol.Error) {
	invalid := func(reason string) *protocol.Error {
		return protocol.New(protocol.ErrInvalidRequestObject, "Invalid Request: "+reason)
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, invalid("the request object is not a signed or unsigned JWT")
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if err := decodeSegment(parts[0], &header); err != nil || header.Alg == "" {
		return nil, invalid("the request object's header is malformed")
	}
	if want := client.Attributes[attrRequestObjectAlg]; want != "" && want != "any" && want != header.Alg {
		return nil, invalid(fmt.Sprintf("the request object is signed with %s, but the client requires %s", header.Alg, want))
	}

	var payload []byte
	switch header.Alg {
	case "none":
		// go-jose does not parse alg "none" JWTs, so the payload is decoded
		// here. There is no signature to check, and the third segment of
		// an unsecured JWT is empty (RFC 7519 section 6.1).
		if parts[2] != "" {
			return nil, invalid("an unsigned request object must have an empty signature")
		}
		var err error
		if payload, err = base64.RawURLEncoding.DecodeString(parts[1]); err != nil {
			return nil, invalid("the request object's payload is not base64url")
		}
	case string(jose.RS256):
		var pe *protocol.Error
		if payload, pe = s.verifyRequestObject(ctx, client, raw); pe != nil {
			return nil, pe
		}
	default:
		return nil, invalid(fmt.Sprintf("unsupported request object algorithm %q", header.Alg))
	}
	params, err := requestObjectParams(payload)
	if err != nil {
		return nil, invalid(err.Error())
	}
	return params, nil
}

// verifyRequestObject checks the RS256 signature of a request object and
// returns its payload.
func (s *Server) verifyRequestObject(ctx context.Context, client *Client, raw string) ([]byte, *protocol.Error) {
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, protocol.New(protocol.ErrInvalidRequestObject, "Invalid Request: the request object is malformed")
	}
	keys, err := s.clientVerificationKeys(ctx, client)
	if err != nil {
		return nil, protocol.New(protocol.ErrInvalidRequestObject, "Invalid Request: no key to verify the request object's signature").WithCause(err)
	}
	kid := jws.Signatures[0].Header.KeyID
	for _, k := range keys {
		if kid != "" && k.KeyID != "" && k.KeyID != kid {
			continue
		}
		if payload, err := jws.Verify(k); err == nil {
			return payload, nil
		}
	}
	return nil, protocol.New(protocol.ErrInvalidRequestObject, "Invalid Request: the request object's signature is invalid")
}

// clientVerificationKeys returns the client's public RSA keys: those of the
// JWKS at its jwks.url attribute, else the key of the X.509 certificate in
// its jwt.credential.certificate attribute, the two places where Keycloak
// 26 keeps a client's keys.
func (s *Server) clientVerificationKeys(ctx context.Context, client *Client) ([]jose.JSONWebKey, error) {
	if jwksURL := client.Attributes[attrJWKSURL]; jwksURL != "" {
		u, err := url.Parse(jwksURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("mockidp: client %q: jwks.url %q is not an http or https URL", client.ClientID, jwksURL)
		}
		body, err := s.fetchBounded(ctx, jwksURL)
		if err != nil {
			return nil, err
		}
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(body, &set); err != nil {
			return nil, fmt.Errorf("mockidp: client %q: jwks.url %q: %w", client.ClientID, jwksURL, err)
		}
		var keys []jose.JSONWebKey
		for _, k := range set.Keys {
			if _, ok := k.Key.(*rsa.PublicKey); ok && (k.Use == "" || k.Use == "sig") {
				keys = append(keys, k)
			}
		}
		return keys, nil
	}
	if cert := client.Attributes[attrJWTCertificate]; cert != "" {
		key, err := parseCertificateKey(cert)
		if err != nil {
			return nil, fmt.Errorf("mockidp: client %q: jwt.credential.certificate: %w", client.ClientID, err)
		}
		return []jose.JSONWebKey{{Key: key}}, nil
	}
	return nil, fmt.Errorf("mockidp: client %q has neither a jwks.url nor a jwt.credential.certificate attribute", client.ClientID)
}

// parseCertificateKey returns the RSA key of a certificate stored as
// Keycloak stores it: base64 DER, or PEM.
func parseCertificateKey(v string) (*rsa.PublicKey, error) {
	var der []byte
	if block, _ := pem.Decode([]byte(v)); block != nil {
		der = block.Bytes
	} else {
		var err error
		if der, err = base64.StdEncoding.DecodeString(strings.TrimSpace(v)); err != nil {
			return nil, fmt.Errorf("not base64 DER or PEM: %w", err)
		}
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	key, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("the certificate's key is not an RSA key")
	}
	return key, nil
}

// requestObjectParams turns the members of a request object's payload into
// authorization parameters: strings as they are, numbers and booleans in
// their JSON text, and objects such as claims as compact JSON. A nested
// request or request_uri is dropped, as OpenID Connect Core 1.0 section
// 6.1 forbids them inside the object.
func requestObjectParams(payload []byte) (url.Values, error) {
	var members map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&members); err != nil || members == nil {
		return nil, errors.New("the request object's payload is not a JSON object")
	}
	params := url.Values{}
	for name, raw := range members {
		if name == "request" || name == "request_uri" {
			continue
		}
		var s string
		switch {
		case bytes.Equal(raw, []byte("null")):
			continue
		case json.Unmarshal(raw, &s) == nil:
			params.Set(name, s)
		default:
			var compact bytes.Buffer
			if err := json.Compact(&compact, raw); err != nil {
				return nil, fmt.Errorf("member %q is malformed", name)
			}
			params.Set(name, compact.String())
		}
	}
	return params, nil
}

// decodeSegment decodes a base64url JWT segment holding JSON into v.
func decodeSegment(segment string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(segment)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
