package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
)

// Client is an OAuth 2.0 client registered at the provider under test.
type Client struct {
	// ID is the client_id.
	ID string `json:"client_id"`
	// Secret is the client secret. Empty means a public client.
	Secret string `json:"client_secret,omitempty"`
	// RedirectURI is a redirect URI registered for the client, used for
	// browser logins. The kit never listens on it: it stops at the redirect.
	RedirectURI string `json:"redirect_uri,omitempty"`
}

// User is an account at the provider.
type User struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Target is the deployment under test and the accounts the checks use.
type Target struct {
	// Issuer is the provider's issuer identifier.
	Issuer string `json:"issuer"`
	// DiscoveryURL is the OpenID discovery document's URL. Empty means
	// Issuer + "/.well-known/openid-configuration".
	DiscoveryURL string `json:"discovery_url,omitempty"`
	// PublicClient logs users in through the browser flow. It uses PKCE
	// S256, and client_secret_basic when it has a secret.
	PublicClient Client `json:"public_client"`
	// ConfidentialClient has a secret and the client_credentials grant.
	ConfidentialClient Client `json:"confidential_client"`
	// SecondClient is another client, for checks that a token or code of
	// one client is useless to another. It uses the password grant when the
	// provider allows it for this client.
	SecondClient Client `json:"second_client"`
	// User is an account that may use the API.
	User User `json:"user"`
	// SecondUser is an account without API roles.
	SecondUser User `json:"second_user"`
	// APIURL is the Smartmate GraphQL endpoint. Empty means
	// {base}/workspaces/{realm}/graphql derived from a Keycloak-style
	// Issuer when a run starts (see DeriveAPIURL). The smartmate profile
	// applies only when this is set or derivable.
	APIURL string `json:"api_url,omitempty"`
	// PostLogoutRedirectURI is a registered post-logout redirect URI. Empty
	// means PublicClient.RedirectURI.
	PostLogoutRedirectURI string `json:"post_logout_redirect_uri,omitempty"`
	// BackchannelLogoutURL is the public client's registered back-channel
	// logout URI. It must be a loopback http URL: the kit listens there to
	// receive the logout token. Empty skips the back-channel logout check.
	BackchannelLogoutURL string `json:"backchannel_logout_url,omitempty"`
}

// DefaultIssuer is the emulator's demo realm on its default port.
const DefaultIssuer = "http://127.0.0.1:8080/realms/demo"

// DefaultTarget returns the target that matches the emulator's demo realm
// on its default address. It leaves APIURL empty, so a caller that changes
// Issuer gets the API URL derived from the new issuer when the run starts.
func DefaultTarget() Target {
	return Target{
		Issuer:             DefaultIssuer,
		PublicClient:       Client{ID: "demo-web", RedirectURI: "http://127.0.0.1/callback"},
		ConfidentialClient: Client{ID: "demo-backend", Secret: "demo-backend-secret"},
		SecondClient:       Client{ID: "demo-cli"},
		User:               User{Username: "alice", Password: "alice-password"},
		SecondUser:         User{Username: "bob", Password: "bob-password"},
	}
}

// DeriveAPIURL returns the Smartmate API URL that belongs to a Keycloak-style
// issuer {base}/realms/{realm}, which is {base}/workspaces/{realm}/graphql,
// or "" when the issuer has no realm path.
func DeriveAPIURL(issuer string) string {
	base, realm, ok := splitRealmIssuer(issuer)
	if !ok {
		return ""
	}
	return base + "/workspaces/" + realm + "/graphql"
}

// splitRealmIssuer splits a Keycloak issuer {base}/realms/{realm}.
func splitRealmIssuer(issuer string) (base, realm string, ok bool) {
	i := strings.LastIndex(issuer, "/realms/")
	if i < 0 {
		return "", "", false
	}
	realm = issuer[i+len("/realms/"):]
	if realm == "" || strings.Contains(realm, "/") {
		return "", "", false
	}
	return issuer[:i], realm, true
}

// Realm returns the Keycloak realm name of the issuer, or "".
func (t Target) Realm() string {
	_, realm, _ := splitRealmIssuer(t.Issuer)
	return realm
}

// discoveryURL returns the configured or derived discovery URL.
func (t Target) discoveryURL() string {
	if t.DiscoveryURL != "" {
		return t.DiscoveryURL
	}
	return strings.TrimSuffix(t.Issuer, "/") + "/.well-known/openid-configuration"
}

// postLogoutRedirectURI returns the registered post-logout redirect URI.
func (t Target) postLogoutRedirectURI() string {
	if t.PostLogoutRedirectURI != "" {
		return t.PostLogoutRedirectURI
	}
	return t.PublicClient.RedirectURI
}

// withAPIURL returns t with APIURL derived from the issuer when it is empty.
func (t Target) withAPIURL() Target {
	if t.APIURL == "" {
		t.APIURL = DeriveAPIURL(t.Issuer)
	}
	return t
}

// ApplicableProfiles returns the profiles that make sense for the target:
// oidc always, keycloak when the issuer has a /realms/{realm} path, and
// smartmate when an API URL is set or derivable from the issuer.
func (t Target) ApplicableProfiles() []Profile {
	p := []Profile{ProfileOIDC}
	if t.Realm() != "" {
		p = append(p, ProfileKeycloak)
	}
	if t.withAPIURL().APIURL != "" {
		p = append(p, ProfileSmartmate)
	}
	return p
}

// Validate reports the first missing or malformed setting.
func (t Target) Validate() error {
	if t.Issuer == "" && t.DiscoveryURL == "" {
		return fmt.Errorf("missing issuer: set --issuer or SMARTMATE_CONFORMANCE_ISSUER")
	}
	for name, raw := range map[string]string{
		"issuer":                     t.Issuer,
		"discovery URL":              t.DiscoveryURL,
		"public client redirect URI": t.PublicClient.RedirectURI,
		"API URL":                    t.APIURL,
	} {
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("invalid %s %q: expected an absolute http or https URL", name, raw)
		}
	}
	if t.PublicClient.ID == "" {
		return fmt.Errorf("missing public client id: set --client-id or public_client.client_id")
	}
	if t.PublicClient.RedirectURI == "" {
		return fmt.Errorf("missing redirect URI for public client %q", t.PublicClient.ID)
	}
	return nil
}

// LoadTargetFile reads a target from a JSON file whose members have the
// names of the Target fields' JSON tags (TargetFileKeys). Members that are
// absent keep the values of base, and an unknown member is an error that
// names it.
func LoadTargetFile(path string, base Target) (Target, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return base, fmt.Errorf("read target file: %w", err)
	}
	t := base
	dec := json.NewDecoder(bytes.NewReader(data))
	// A misspelt key would otherwise leave its default silently in place.
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		if key, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return base, fmt.Errorf("parse target file %q: unknown key %s; the keys are %s", path, key, TargetFileKeys)
		}
		return base, fmt.Errorf("parse target file %q: %w", path, err)
	}
	return t, nil
}

// TargetFileKeys describes the JSON members of a target file, for help
// texts and errors.
const TargetFileKeys = `issuer, discovery_url, public_client, confidential_client, second_client ` +
	`(each {"client_id", "client_secret", "redirect_uri"}), user, second_user (each {"username", "password"}), ` +
	`api_url, post_logout_redirect_uri, backchannel_logout_url`

// EnvPrefix starts the name of every environment variable the kit reads.
const EnvPrefix = "SMARTMATE_CONFORMANCE_"

// envFields maps environment variable suffixes to the target field they set.
func envFields(t *Target) map[string]*string {
	return map[string]*string{
		"ISSUER":                   &t.Issuer,
		"DISCOVERY_URL":            &t.DiscoveryURL,
		"CLIENT_ID":                &t.PublicClient.ID,
		"CLIENT_SECRET":            &t.PublicClient.Secret,
		"REDIRECT_URI":             &t.PublicClient.RedirectURI,
		"CONFIDENTIAL_CLIENT_ID":   &t.ConfidentialClient.ID,
		"CONFIDENTIAL_SECRET":      &t.ConfidentialClient.Secret,
		"SECOND_CLIENT_ID":         &t.SecondClient.ID,
		"SECOND_CLIENT_SECRET":     &t.SecondClient.Secret,
		"USERNAME":                 &t.User.Username,
		"PASSWORD":                 &t.User.Password,
		"SECOND_USERNAME":          &t.SecondUser.Username,
		"SECOND_PASSWORD":          &t.SecondUser.Password,
		"API_URL":                  &t.APIURL,
		"POST_LOGOUT_REDIRECT_URI": &t.PostLogoutRedirectURI,
		"BACKCHANNEL_LOGOUT_URL":   &t.BackchannelLogoutURL,
	}
}

// EnvNames returns the sorted names of the environment variables the kit
// reads, for help texts.
func EnvNames() []string {
	var t Target
	names := make([]string, 0, 16)
	for suffix := range envFields(&t) {
		names = append(names, EnvPrefix+suffix)
	}
	slices.Sort(names)
	return names
}

// ApplyEnv overrides fields of t with the SMARTMATE_CONFORMANCE_* variables
// that lookup finds (os.LookupEnv in production). A variable set to the
// empty string clears the field.
func ApplyEnv(t Target, lookup func(string) (string, bool)) Target {
	for suffix, field := range envFields(&t) {
		if v, ok := lookup(EnvPrefix + suffix); ok {
			*field = v
		}
	}
	return t
}
