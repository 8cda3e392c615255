package mockidp

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// RealmBuilder describes a realm in Go and produces it as Keycloak
// realm-export JSON, which New loads through the same import as a realm
// file, with the same defaults and the same errors. Methods return the
// builder, so calls chain:
//
//	realm := mockidp.NewRealm("acme").
//		Client(mockidp.ClientSpec{ClientID: "acme-backend", Secret: "s3cret", ServiceAccount: true}).
//		User(mockidp.UserSpec{Username: "ada", Password: "ada-password"})
//
// The builder does NOT check references: a user granted a role that no
// Role or ClientRole call defines fails in New with an *ImportError that
// names the JSON path.
type RealmBuilder struct {
	name                  string
	accessTokenLifespan   time.Duration
	ssoSessionIdleTimeout time.Duration
	ssoSessionMaxLifespan time.Duration
	realmRoles            []builtRole
	clientRoles           map[string][]builtRole
	clients               []ClientSpec
	users                 []UserSpec
	signingKey            *rsa.PrivateKey
	encryptionKey         *rsa.PrivateKey
}

// ClientSpec is a client of a RealmBuilder realm. A client is confidential
// unless Public or BearerOnly is set, and a confidential client needs a
// Secret.
type ClientSpec struct {
	ClientID string
	Name     string
	Secret   string
	Public   bool
	// BearerOnly marks a resource server that only validates tokens and
	// never obtains any.
	BearerOnly bool
	// RedirectURIs enables the authorization code flow when not empty. A
	// trailing "*" matches any suffix, as in Keycloak.
	RedirectURIs []string
	// WebOrigins are the allowed CORS origins, where "+" means the origins
	// of RedirectURIs.
	WebOrigins []string
	// DirectAccessGrants enables the resource owner password grant.
	DirectAccessGrants bool
	// ServiceAccount enables the client credentials grant and creates the
	// user service-account-{clientId}, which holds the realm's default role
	// and the roles below.
	ServiceAccount            bool
	ServiceAccountRealmRoles  []string
	ServiceAccountClientRoles map[string][]string // clientId → role names
	// Attributes are Keycloak client attributes, for example
	// "access.token.lifespan" in seconds or "pkce.code.challenge.method".
	Attributes map[string]string
}

// UserSpec is a user of a RealmBuilder realm. Each user holds the realm's
// default role, default-roles-{realm}, as a user created in Keycloak's admin
// console does, plus RealmRoles and ClientRoles.
type UserSpec struct {
	// ID is the user's id and the "sub" of its tokens. When empty, it is a
	// name-based UUID (version 5) of the realm and username, so it is the
	// same in every run.
	ID            string
	Username      string
	Password      string // in plain text, empty for a user without one
	Email         string
	EmailVerified bool
	FirstName     string
	LastName      string
	Disabled      bool
	RealmRoles    []string
	ClientRoles   map[string][]string // clientId → role names
	Attributes    map[string][]string
	// RequiredActions such as "UPDATE_PASSWORD" make the password grant
	// reject the user with "Account is not fully set up".
	RequiredActions []string
}

type builtRole struct {
	name       string
	composites []string
}

// NewRealm starts the description of the realm called name.
func NewRealm(name string) *RealmBuilder {
	return &RealmBuilder{name: name, clientRoles: map[string][]builtRole{}}
}

// Name returns the realm name.
func (b *RealmBuilder) Name() string { return b.name }

// Client adds a client.
func (b *RealmBuilder) Client(c ClientSpec) *RealmBuilder {
	b.clients = append(b.clients, c)
	return b
}

// User adds a user.
func (b *RealmBuilder) User(u UserSpec) *RealmBuilder {
	b.users = append(b.users, u)
	return b
}

// Role adds a realm role. A role with composites grants the named realm
// roles too.
func (b *RealmBuilder) Role(name string, composites ...string) *RealmBuilder {
	b.realmRoles = append(b.realmRoles, builtRole{name: name, composites: composites})
	return b
}

// ClientRole adds a role of the client clientID, which tokens list under
// resource_access.{clientId}.roles. The client must be added with Client.
func (b *RealmBuilder) ClientRole(clientID, name string) *RealmBuilder {
	b.clientRoles[clientID] = append(b.clientRoles[clientID], builtRole{name: name})
	return b
}

// AccessTokenLifespan sets the realm's access token lifespan, 5 minutes by
// default. Keycloak stores it in whole seconds.
func (b *RealmBuilder) AccessTokenLifespan(d time.Duration) *RealmBuilder {
	b.accessTokenLifespan = d
	return b
}

// SSOSessionIdleTimeout sets how long a session lives without use, 30
// minutes by default. A refresh token expires with its session.
func (b *RealmBuilder) SSOSessionIdleTimeout(d time.Duration) *RealmBuilder {
	b.ssoSessionIdleTimeout = d
	return b
}

// SSOSessionMaxLifespan sets the longest a session lives, 10 hours by
// default.
func (b *RealmBuilder) SSOSessionMaxLifespan(d time.Duration) *RealmBuilder {
	b.ssoSessionMaxLifespan = d
	return b
}

// SigningKey sets the realm's RS256 signing key. Without it, New generates
// a 2048-bit key in the background. That took 10 to 80 ms per key on a
// 2-core test machine, and up to 200 ms under the race detector, so tests
// should pass a fixed key.
func (b *RealmBuilder) SigningKey(key *rsa.PrivateKey) *RealmBuilder {
	b.signingKey = key
	return b
}

// EncryptionKey sets the realm's RSA-OAEP encryption key, which the JWKS
// publishes with use "enc". Without it, New generates one in the
// background, as for SigningKey.
func (b *RealmBuilder) EncryptionKey(key *rsa.PrivateKey) *RealmBuilder {
	b.encryptionKey = key
	return b
}

// WithRealm loads the realm that b describes. A later change to b does not
// change the loaded realm.
func WithRealm(b *RealmBuilder) Option {
	data, err := b.JSON()
	source := realmSource{file: "realm " + strconv.Quote(b.name) + " (RealmBuilder)", data: data, err: err}
	return func(c *config) { c.sources = append(c.sources, source) }
}

// The types below are the subset of Keycloak's realm representation that
// the builder writes, with empty members left out so the output reads like
// a hand-written realm file.
type builtRealm struct {
	Realm                 string                          `json:"realm"`
	Enabled               bool                            `json:"enabled"`
	AccessTokenLifespan   int64                           `json:"accessTokenLifespan,omitempty"`
	SSOSessionIdleTimeout int64                           `json:"ssoSessionIdleTimeout,omitempty"`
	SSOSessionMaxLifespan int64                           `json:"ssoSessionMaxLifespan,omitempty"`
	Roles                 *builtRoles                     `json:"roles,omitempty"`
	Clients               []builtClient                   `json:"clients,omitempty"`
	Users                 []builtUser                     `json:"users,omitempty"`
	Components            map[string][]keyComponentOutput `json:"components,omitempty"`
}

type builtRoles struct {
	Realm  []builtRoleOutput            `json:"realm,omitempty"`
	Client map[string][]builtRoleOutput `json:"client,omitempty"`
}

type builtRoleOutput struct {
	Name       string              `json:"name"`
	Composite  bool                `json:"composite"`
	Composites *roleCompositesRep  `json:"composites,omitempty"`
	Attributes map[string][]string `json:"attributes,omitempty"`
}

type builtClient struct {
	ClientID                  string            `json:"clientId"`
	Name                      string            `json:"name,omitempty"`
	Enabled                   bool              `json:"enabled"`
	Protocol                  string            `json:"protocol"`
	PublicClient              bool              `json:"publicClient"`
	BearerOnly                bool              `json:"bearerOnly"`
	Secret                    string            `json:"secret,omitempty"`
	StandardFlowEnabled       bool              `json:"standardFlowEnabled"`
	DirectAccessGrantsEnabled bool              `json:"directAccessGrantsEnabled"`
	ServiceAccountsEnabled    bool              `json:"serviceAccountsEnabled"`
	RedirectURIs              []string          `json:"redirectUris,omitempty"`
	WebOrigins                []string          `json:"webOrigins,omitempty"`
	Attributes                map[string]string `json:"attributes,omitempty"`
}

type builtUser struct {
	ID                     string              `json:"id"`
	Username               string              `json:"username"`
	Enabled                bool                `json:"enabled"`
	Email                  string              `json:"email,omitempty"`
	EmailVerified          bool                `json:"emailVerified"`
	FirstName              string              `json:"firstName,omitempty"`
	LastName               string              `json:"lastName,omitempty"`
	Attributes             map[string][]string `json:"attributes,omitempty"`
	Credentials            []builtCredential   `json:"credentials,omitempty"`
	RequiredActions        []string            `json:"requiredActions,omitempty"`
	RealmRoles             []string            `json:"realmRoles,omitempty"`
	ClientRoles            map[string][]string `json:"clientRoles,omitempty"`
	ServiceAccountClientID string              `json:"serviceAccountClientId,omitempty"`
}

type builtCredential struct {
	Type      string `json:"type"`
	Value     string `json:"value"`
	Temporary bool   `json:"temporary"`
}

// keyComponentOutput is a key provider component of a realm file.
type keyComponentOutput struct {
	Name       string              `json:"name"`
	ProviderID string              `json:"providerId"`
	Config     map[string][]string `json:"config"`
}

const keyProviderType = "org.keycloak.keys.KeyProvider"

// JSON returns the realm in Keycloak's realm-export format, indented. It
// fails only when a key set with SigningKey or EncryptionKey is not a
// valid RSA key.
func (b *RealmBuilder) JSON() ([]byte, error) {
	realm := builtRealm{
		Realm:                 b.name,
		Enabled:               true,
		AccessTokenLifespan:   int64(b.accessTokenLifespan / time.Second),
		SSOSessionIdleTimeout: int64(b.ssoSessionIdleTimeout / time.Second),
		SSOSessionMaxLifespan: int64(b.ssoSessionMaxLifespan / time.Second),
		Roles:                 b.roles(),
	}
	defaultRole := "default-roles-" + strings.ToLower(b.name)
	for _, c := range b.clients {
		realm.Clients = append(realm.Clients, builtClient{
			ClientID:                  c.ClientID,
			Name:                      c.Name,
			Enabled:                   true,
			Protocol:                  "openid-connect",
			PublicClient:              c.Public,
			BearerOnly:                c.BearerOnly,
			Secret:                    c.Secret,
			StandardFlowEnabled:       len(c.RedirectURIs) > 0,
			DirectAccessGrantsEnabled: c.DirectAccessGrants,
			ServiceAccountsEnabled:    c.ServiceAccount,
			RedirectURIs:              c.RedirectURIs,
			WebOrigins:                c.WebOrigins,
			Attributes:                c.Attributes,
		})
		if c.ServiceAccount {
			username := "service-account-" + strings.ToLower(c.ClientID)
			realm.Users = append(realm.Users, builtUser{
				ID:                     b.userID(username),
				Username:               username,
				Enabled:                true,
				RealmRoles:             append([]string{defaultRole}, c.ServiceAccountRealmRoles...),
				ClientRoles:            c.ServiceAccountClientRoles,
				ServiceAccountClientID: c.ClientID,
			})
		}
	}
	for _, u := range b.users {
		realm.Users = append(realm.Users, b.user(u, defaultRole))
	}
	components, err := rsaKeyComponents(b.signingKey, b.encryptionKey)
	if err != nil {
		return nil, fmt.Errorf("mockidp: realm %q: %w", b.name, err)
	}
	if len(components) > 0 {
		realm.Components = map[string][]keyComponentOutput{keyProviderType: components}
	}
	return json.MarshalIndent(realm, "", "  ")
}

func (b *RealmBuilder) roles() *builtRoles {
	if len(b.realmRoles) == 0 && len(b.clientRoles) == 0 {
		return nil
	}
	roles := &builtRoles{}
	for _, r := range b.realmRoles {
		out := builtRoleOutput{Name: r.name}
		if len(r.composites) > 0 {
			out.Composite = true
			out.Composites = &roleCompositesRep{Realm: r.composites}
		}
		roles.Realm = append(roles.Realm, out)
	}
	if len(b.clientRoles) > 0 {
		roles.Client = map[string][]builtRoleOutput{}
		for clientID, list := range b.clientRoles {
			for _, r := range list {
				roles.Client[clientID] = append(roles.Client[clientID], builtRoleOutput{Name: r.name})
			}
		}
	}
	return roles
}

func (b *RealmBuilder) user(u UserSpec, defaultRole string) builtUser {
	id := u.ID
	if id == "" {
		id = b.userID(strings.ToLower(u.Username))
	}
	out := builtUser{
		ID:              id,
		Username:        u.Username,
		Enabled:         !u.Disabled,
		Email:           u.Email,
		EmailVerified:   u.EmailVerified,
		FirstName:       u.FirstName,
		LastName:        u.LastName,
		Attributes:      u.Attributes,
		RequiredActions: u.RequiredActions,
		RealmRoles:      append([]string{defaultRole}, u.RealmRoles...),
		ClientRoles:     u.ClientRoles,
	}
	if u.Password != "" {
		out.Credentials = []builtCredential{{Type: "password", Value: u.Password}}
	}
	return out
}

// userID derives a stable user id from the realm and username.
func (b *RealmBuilder) userID(username string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("smartmate-mock:realm/"+b.name+"/user/"+username)).String()
}

// rsaKeyComponents returns the key provider components for the keys that are
// set: Keycloak 26's "rsa" provider for the signing key and "rsa-enc" for
// the encryption key, each with a PKCS #8 private key in standard base64,
// which is how Keycloak exports imported keys.
// NOTE: the "rsa-enc" provider id and the "keyUse" setting are believed,
// not confirmed against a Keycloak 26 export, and the emulator reads both.
func rsaKeyComponents(signing, encryption *rsa.PrivateKey) ([]keyComponentOutput, error) {
	var out []keyComponentOutput
	for _, k := range []struct {
		key                        *rsa.PrivateKey
		providerID, use, algorithm string
	}{
		{signing, "rsa", "sig", "RS256"},
		{encryption, "rsa-enc", "enc", "RSA-OAEP"},
	} {
		if k.key == nil {
			continue
		}
		der, err := x509.MarshalPKCS8PrivateKey(k.key)
		if err != nil {
			return nil, fmt.Errorf("invalid %s key: %w", k.use, err)
		}
		out = append(out, keyComponentOutput{
			Name:       k.providerID,
			ProviderID: k.providerID,
			Config: map[string][]string{
				"privateKey": {base64.StdEncoding.EncodeToString(der)},
				"keyUse":     {k.use},
				"algorithm":  {k.algorithm},
				"priority":   {"100"},
				"active":     {"true"},
				"enabled":    {"true"},
			},
		})
	}
	return out, nil
}

// realmKeyPair is the pair of keys that WithRealmKeys sets for a realm.
type realmKeyPair struct {
	signing, encryption *rsa.PrivateKey
}

// WithRealmKeys replaces the RSA keys of the realm called realm, whichever
// file or builder it comes from, with fixed keys. A nil key keeps the
// file's key of that use, or has one generated when the file has none.
// Tests pass fixed keys for realms whose files have none, because
// generating keys is slow (see RealmBuilder.SigningKey).
func WithRealmKeys(realm string, signing, encryption *rsa.PrivateKey) Option {
	return func(c *config) {
		if c.realmKeys == nil {
			c.realmKeys = map[string]realmKeyPair{}
		}
		c.realmKeys[realm] = realmKeyPair{signing: signing, encryption: encryption}
	}
}

// replaceRealmKeys rewrites a realm file's RSA key providers when
// WithRealmKeys gave keys for its realm. A file that is not a JSON object
// is returned unchanged, so that the import reports the error with its
// line and column.
func (c *config) replaceRealmKeys(file string, data []byte) ([]byte, error) {
	if len(c.realmKeys) == 0 {
		return data, nil
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(data, &members) != nil {
		return data, nil
	}
	var name string
	if json.Unmarshal(members["realm"], &name) != nil {
		return data, nil
	}
	pair, ok := c.realmKeys[name]
	if !ok {
		return data, nil
	}

	components := map[string][]json.RawMessage{}
	if raw, ok := members["components"]; ok && json.Unmarshal(raw, &components) != nil {
		return data, nil
	}
	var providers []json.RawMessage
	for _, raw := range components[keyProviderType] {
		var comp componentRep
		if json.Unmarshal(raw, &comp) == nil && replacedByPair(&comp, pair) {
			continue
		}
		providers = append(providers, raw)
	}

	added, err := rsaKeyComponents(pair.signing, pair.encryption)
	if err != nil {
		return nil, &ImportError{File: file, Path: "$.components", Reason: fmt.Sprintf("WithRealmKeys for realm %q: %v", name, err)}
	}
	for _, comp := range added {
		raw, err := json.Marshal(comp)
		if err != nil {
			return nil, err
		}
		providers = append(providers, raw)
	}

	components[keyProviderType] = providers
	if members["components"], err = json.Marshal(components); err != nil {
		return nil, err
	}
	return json.Marshal(members)
}

// replacedByPair reports whether comp is an RSA key provider of a use that
// pair sets a key for.
func replacedByPair(comp *componentRep, pair realmKeyPair) bool {
	if !strings.HasPrefix(comp.ProviderID, "rsa") {
		return false
	}
	enc := strings.HasPrefix(comp.ProviderID, "rsa-enc")
	if v := comp.Config["keyUse"]; len(v) > 0 && strings.EqualFold(v[0], "enc") {
		enc = true
	}
	if enc {
		return pair.encryption != nil
	}
	return pair.signing != nil
}
