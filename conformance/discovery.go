package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
)

// Discovery is the provider metadata of OpenID Connect Discovery 1.0
// section 3 and RFC 8414 section 2, as far as the checks read it. Raw keeps
// every member, with numbers as json.Number.
type Discovery struct {
	Raw map[string]any `json:"-"`

	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	RegistrationEndpoint              string   `json:"registration_endpoint"`
	EndSessionEndpoint                string   `json:"end_session_endpoint"`
	IntrospectionEndpoint             string   `json:"introspection_endpoint"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	ACRValuesSupported                []string `json:"acr_values_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
	RequestObjectSigningAlgs          []string `json:"request_object_signing_alg_values_supported"`
	RequestParameterSupported         *bool    `json:"request_parameter_supported"`
	RequestURIParameterSupported      *bool    `json:"request_uri_parameter_supported"`
	ClaimsParameterSupported          *bool    `json:"claims_parameter_supported"`
	BackchannelLogoutSupported        *bool    `json:"backchannel_logout_supported"`
	BackchannelLogoutSessionSupported *bool    `json:"backchannel_logout_session_supported"`
	FrontchannelLogoutSupported       *bool    `json:"frontchannel_logout_supported"`
}

// SupportsScope reports whether scopes_supported lists scope.
func (d *Discovery) SupportsScope(scope string) bool {
	return slices.Contains(d.ScopesSupported, scope)
}

// TokenAuthMethods returns token_endpoint_auth_methods_supported, or its
// default of RFC 8414 section 2 (client_secret_basic) when absent.
func (d *Discovery) TokenAuthMethods() []string {
	if len(d.TokenEndpointAuthMethodsSupported) == 0 {
		return []string{"client_secret_basic"}
	}
	return d.TokenEndpointAuthMethodsSupported
}

// GrantTypes returns grant_types_supported, or its default of RFC 8414
// section 2 when absent.
func (d *Discovery) GrantTypes() []string {
	if len(d.GrantTypesSupported) == 0 {
		return []string{"authorization_code", "implicit"}
	}
	return d.GrantTypesSupported
}

// parseDiscovery decodes a discovery document.
func parseDiscovery(body []byte) (*Discovery, error) {
	var d Discovery
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, fmt.Errorf("decode discovery document: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&d.Raw); err != nil {
		return nil, fmt.Errorf("decode discovery document: %w", err)
	}
	return &d, nil
}

// fetchDiscovery loads and decodes the discovery document, and returns the
// request line and a response excerpt as evidence. It returns an error for
// a transport failure, a non-200 status or an undecodable body.
func fetchDiscovery(ctx context.Context, hc *http.Client, rawURL string) (*Discovery, []string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid discovery URL %q: %w; check --issuer or --discovery-url", rawURL, err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("fetch discovery document: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, nil, fmt.Errorf("read discovery document %s: %w", rawURL, err)
	}
	r := &Response{Status: resp.StatusCode, Header: resp.Header, Body: body, Request: req}
	evidence := []string{requestLine(req), responseExcerpt(r)}
	if resp.StatusCode != http.StatusOK {
		return nil, evidence, &DiscoveryStatusError{URL: rawURL, Status: resp.StatusCode}
	}
	d, err := parseDiscovery(body)
	return d, evidence, err
}

// DiscoveryStatusError is a discovery document fetched with a status other
// than 200, such as 404 for an unknown realm.
type DiscoveryStatusError struct {
	URL    string
	Status int
}

func (e *DiscoveryStatusError) Error() string {
	return fmt.Sprintf("discovery returned HTTP %d at %s; check --issuer or --discovery-url", e.Status, e.URL)
}

// Discovery returns the provider metadata, fetched once per run. A provider
// without a usable discovery document fails the check.
func (c *C) Discovery() *Discovery {
	d, err := c.session.discovery(c.ctx)
	if err != nil {
		c.Fatalf("no usable discovery document: %v", err)
	}
	return d
}

// discoveryWithEvidence returns the provider metadata like Discovery and
// records the discovery request and a response excerpt as evidence, for
// checks that judge the document itself.
func (c *C) discoveryWithEvidence() *Discovery {
	d := c.Discovery()
	c.evidence = append(c.evidence, c.session.discoveryEvidence()...)
	return d
}

// requireEndpoint returns the named endpoint of the discovery document, or
// skips the check when the provider does not advertise it.
func (c *C) requireEndpoint(name, value string) string {
	if value == "" {
		c.Skipf("the discovery document has no %s", name)
	}
	return value
}
