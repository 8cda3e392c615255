package mockidp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// ImportError reports a realm file that cannot be loaded: the file, the JSON
// path of the offending value, and the reason.
type ImportError struct {
	File   string
	Path   string
	Reason string
}

func (e *ImportError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("mockidp: realm file %s: %s", e.File, e.Reason)
	}
	return fmt.Sprintf("mockidp: realm file %s: %s: %s", e.File, e.Path, e.Reason)
}

// importer turns one realm file into a Realm, collecting warnings about the
// fields it does not support.
type importer struct {
	file     string
	warnings []string
	warned   map[string]bool
}

// parseRealm decodes a realm file in Keycloak's realm-export format and
// applies the defaults that Keycloak 26's import applies. Warnings name each
// unsupported field once.
func parseRealm(file string, data []byte) (*Realm, []string, error) {
	im := &importer{file: file, warned: map[string]bool{}}
	r, err := im.realm(data)
	return r, im.warnings, err
}

func (im *importer) fail(path, format string, args ...any) error {
	return &ImportError{File: im.file, Path: path, Reason: fmt.Sprintf(format, args...)}
}

// decode unmarshals raw into dst, turning JSON errors into ImportErrors that
// carry the path, and warns once about each unsupported member.
func (im *importer) decode(path string, raw []byte, dst any, known, ignored map[string]bool) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return im.jsonError(path, raw, err)
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return im.jsonError(path, raw, err)
	}
	names := make([]string, 0, len(members))
	for name := range members {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if known[name] || ignored[name] {
			continue
		}
		generic := genericPath(path) + "." + name
		if !im.warned[generic] {
			im.warned[generic] = true
			im.warnings = append(im.warnings, generic)
		}
	}
	return nil
}

func (im *importer) jsonError(path string, raw []byte, err error) error {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		line, col := lineAndColumn(raw, syntax.Offset)
		return im.fail(path, "invalid JSON at line %d, column %d: %v", line, col, syntax)
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		p := path
		if typeErr.Field != "" {
			p = joinPath(path, typeErr.Field)
		}
		return im.fail(p, "expected %s, got JSON %s", describeType(typeErr.Type), typeErr.Value)
	}
	return im.fail(path, "%v", err)
}

func (im *importer) realm(data []byte) (*Realm, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, im.fail("", "the file is empty")
	}

	var rep realmRep
	if err := im.decode("$", data, &rep, realmKnown, realmIgnored); err != nil {
		return nil, err
	}
	if rep.Realm == "" {
		return nil, im.fail("$.realm", "missing realm name")
	}
	if strings.ContainsAny(rep.Realm, "/?#%") {
		return nil, im.fail("$.realm", "realm name %q contains a character that is not allowed in a URL path segment", rep.Realm)
	}

	r := &Realm{
		Name:                 rep.Realm,
		DisplayName:          rep.DisplayName,
		Enabled:              boolOr(rep.Enabled, true),
		AccessTokenLifespan:  seconds(rep.AccessTokenLifespan, 300),
		AccessCodeLifespan:   seconds(rep.AccessCodeLifespan, 60),
		LoginLifespan:        seconds(rep.AccessCodeLifespanLogin, 1800),
		SSOSessionIdle:       seconds(rep.SSOSessionIdleTimeout, 1800),
		SSOSessionMax:        seconds(rep.SSOSessionMaxLifespan, 36000),
		RevokeRefreshToken:   boolOr(rep.RevokeRefreshToken, false),
		RefreshTokenMaxReuse: int(int64Or(rep.RefreshTokenMaxReuse, 0)),
		NotBefore:            int64Or(rep.NotBefore, 0),
		LoginWithEmail:       boolOr(rep.LoginWithEmailAllowed, true),
		Attributes:           rep.Attributes,
		clients:              map[string]*Client{},
		users:                map[string]*User{},
		usersByID:            map[string]*User{},
		usersByMail:          map[string]*User{},
		realmRoles:           map[string]*Role{},
		clientRoles:          map[string]map[string]*Role{},
	}
	if err := im.checkLifespans(&rep); err != nil {
		return nil, err
	}
	if alg := rep.DefaultSignatureAlgorithm; alg != "" && alg != "RS256" {
		return nil, im.fail("$.defaultSignatureAlgorithm", "unsupported algorithm %q: only RS256 is supported", alg)
	}
	if r.RevokeRefreshToken {
		// NOTE: refresh tokens stay reusable, as with Keycloak's default;
		// the revocation on use that this setting requires is not emulated.
		im.warnings = append(im.warnings, "$.revokeRefreshToken: true is not enforced, refresh tokens stay reusable")
	}

	for i, raw := range rep.Clients {
		if err := im.client(r, fmt.Sprintf("$.clients[%d]", i), raw); err != nil {
			return nil, err
		}
	}
	addBuiltinClients(r)
	if err := im.roles(r, &rep); err != nil {
		return nil, err
	}
	for i, raw := range rep.Users {
		if err := im.user(r, fmt.Sprintf("$.users[%d]", i), raw); err != nil {
			return nil, err
		}
	}
	if err := im.linkServiceAccounts(r); err != nil {
		return nil, err
	}

	keys, err := im.keyComponents(r.Name, rep.Components)
	if err != nil {
		return nil, err
	}
	r.keys = keys
	return r, nil
}

func (im *importer) checkLifespans(rep *realmRep) error {
	fields := []struct {
		name  string
		value *int64
	}{
		{"accessTokenLifespan", rep.AccessTokenLifespan},
		{"accessCodeLifespan", rep.AccessCodeLifespan},
		{"accessCodeLifespanLogin", rep.AccessCodeLifespanLogin},
		{"ssoSessionIdleTimeout", rep.SSOSessionIdleTimeout},
		{"ssoSessionMaxLifespan", rep.SSOSessionMaxLifespan},
	}
	for _, f := range fields {
		if f.value != nil && *f.value <= 0 {
			return im.fail("$."+f.name, "must be a positive number of seconds, got %d", *f.value)
		}
	}
	return nil
}

func (im *importer) client(r *Realm, path string, raw json.RawMessage) error {
	var rep clientRep
	if err := im.decode(path, raw, &rep, clientKnown, clientIgnored); err != nil {
		return err
	}
	if rep.ClientID == "" {
		return im.fail(path+".clientId", "missing clientId")
	}
	if _, dup := r.clients[rep.ClientID]; dup {
		return im.fail(path+".clientId", "duplicate clientId %q", rep.ClientID)
	}
	if rep.Protocol != "" && rep.Protocol != "openid-connect" {
		// SAML clients are skipped, not rejected: exports of mixed realms
		// carry them and the emulator speaks OpenID Connect only.
		im.warnings = append(im.warnings, fmt.Sprintf("%s: client %q uses protocol %q and is skipped", path, rep.ClientID, rep.Protocol))
		return nil
	}

	// Keycloak 26's realm import keeps the model defaults for absent
	// booleans: enabled and standard flow on, everything else off, so a
	// client without publicClient is confidential.
	c := &Client{
		ID:                 rep.ID,
		ClientID:           rep.ClientID,
		Name:               rep.Name,
		Enabled:            boolOr(rep.Enabled, true),
		Protocol:           "openid-connect",
		Public:             boolOr(rep.PublicClient, false),
		BearerOnly:         boolOr(rep.BearerOnly, false),
		Secret:             rep.Secret,
		RootURL:            strings.TrimSuffix(rep.RootURL, "/"),
		RedirectURIs:       rep.RedirectURIs,
		WebOrigins:         rep.WebOrigins,
		StandardFlow:       boolOr(rep.StandardFlowEnabled, true),
		ImplicitFlow:       boolOr(rep.ImplicitFlowEnabled, false),
		DirectAccessGrants: boolOr(rep.DirectAccessGrantsEnabled, false),
		ServiceAccounts:    boolOr(rep.ServiceAccountsEnabled, false),
		ConsentRequired:    boolOr(rep.ConsentRequired, false),
		// NOTE: an absent frontchannelLogout is read as false, believed to
		// be the model default of Keycloak 26's realm import. Its admin
		// API turns the setting on for new clients.
		FrontchannelLogout: boolOr(rep.FrontchannelLogout, false),
		DefaultScopes:      rep.DefaultClientScopes,
		OptionalScopes:     rep.OptionalClientScopes,
		Attributes:         rep.Attributes,
	}

	if c.ID == "" {
		c.ID = uuid.NewString()
	}
	c.FullScopeAllowed = boolOr(rep.FullScopeAllowed, !c.ConsentRequired)
	if c.Attributes == nil {
		c.Attributes = map[string]string{}
	}
	if c.DefaultScopes == nil {
		c.DefaultScopes = defaultClientScopes
	}
	if c.OptionalScopes == nil {
		c.OptionalScopes = optionalClientScopes
	}

	if !c.Public && !c.BearerOnly && c.Secret == "" {
		// Keycloak generates a random secret here, which no test could know,
		// so the file is more likely wrong than meant.
		return im.fail(path+".secret", "confidential client %q has no secret; set \"secret\" or \"publicClient\": true", c.ClientID)
	}
	if rep.ClientAuthenticatorType != "" && rep.ClientAuthenticatorType != "client-secret" && !c.Public {
		return im.fail(path+".clientAuthenticatorType", "unsupported client authenticator %q: only client-secret is supported", rep.ClientAuthenticatorType)
	}
	if err := im.clientAttributes(c, path+".attributes"); err != nil {
		return err
	}
	r.clients[c.ClientID] = c
	r.clientOrder = append(r.clientOrder, c.ClientID)
	return nil
}

// clientAttributes reads the attributes that change behaviour and checks
// their values.
func (im *importer) clientAttributes(c *Client, path string) error {
	a := c.Attributes
	if v := a["access.token.lifespan"]; v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < -1 {
			return im.fail(attrPath(path, "access.token.lifespan"), "expected a number of seconds, got %q", v)
		}
		if n > 0 {
			c.AccessTokenLifespan = time.Duration(n) * time.Second
		}
	}
	switch m := a["pkce.code.challenge.method"]; m {
	case "", "S256", "plain":
		c.PKCEMethod = m
	default:
		return im.fail(attrPath(path, "pkce.code.challenge.method"), "expected S256 or plain, got %q", m)
	}
	var err error
	if c.UseRefreshTokens, err = im.boolAttr(a, path, "use.refresh.tokens", true); err != nil {
		return err
	}
	if c.ClientCredentialsRefresh, err = im.boolAttr(a, path, "client_credentials.use_refresh_token", false); err != nil {
		return err
	}
	if c.BackchannelLogoutSessionReq, err = im.boolAttr(a, path, "backchannel.logout.session.required", true); err != nil {
		return err
	}
	c.BackchannelLogoutURL = a["backchannel.logout.url"]
	if c.FrontchannelLogoutSession, err = im.boolAttr(a, path, "frontchannel.logout.session.required", true); err != nil {
		return err
	}
	c.FrontchannelLogoutURL = a["frontchannel.logout.url"]
	// Keycloak 26 joins post-logout redirect URIs with "##". A missing
	// value or a leading "+" means the client's redirect URIs, a leading
	// "-" means none.
	switch v := a["post.logout.redirect.uris"]; {
	case v == "" || strings.HasPrefix(v, "+"):
		c.PostLogoutRedirectURIs = nil
	case strings.HasPrefix(v, "-"):
		c.PostLogoutRedirectURIs = []string{}
	default:
		c.PostLogoutRedirectURIs = strings.Split(v, "##")
	}
	return nil
}

func (im *importer) boolAttr(a map[string]string, path, name string, def bool) (bool, error) {
	v, ok := a[name]
	if !ok || v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, im.fail(attrPath(path, name), "expected \"true\" or \"false\", got %q", v)
	}
	return b, nil
}

func (im *importer) roles(r *Realm, rep *realmRep) error {
	// Every Keycloak realm has these realm roles; an export lists them,
	// a hand-written file may not.
	if rep.Roles != nil {
		for i, rr := range rep.Roles.Realm {
			p := fmt.Sprintf("$.roles.realm[%d]", i)
			if rr.Name == "" {
				return im.fail(p+".name", "missing role name")
			}
			r.realmRoles[rr.Name] = &Role{Name: rr.Name, compositeRep: rr.Composites}
		}
		clientIDs := sortedKeys(rep.Roles.Client)
		for _, clientID := range clientIDs {
			if _, ok := r.clients[clientID]; !ok {
				return im.fail("$.roles.client."+clientID, "roles for client %q, which the file does not define", clientID)
			}
			for i, rr := range rep.Roles.Client[clientID] {
				p := fmt.Sprintf("$.roles.client.%s[%d]", clientID, i)
				if rr.Name == "" {
					return im.fail(p+".name", "missing role name")
				}
				addClientRole(r, clientID, &Role{Name: rr.Name, ClientID: clientID, compositeRep: rr.Composites})
			}
		}
	}
	addBuiltinRoles(r)
	r.defaultRole = im.defaultRole(r, rep)

	// Composites are resolved after every role exists, because a
	// composite may name a role defined later in the file.
	resolve := func(role *Role, path string) error {
		if role.compositeRep == nil {
			return nil
		}
		for _, name := range role.compositeRep.Realm {
			c, ok := r.realmRoles[name]
			if !ok {
				return im.fail(path, "composite realm role %q not found", name)
			}
			role.Composites = append(role.Composites, c)
		}
		for _, clientID := range sortedKeys(role.compositeRep.Client) {
			for _, name := range role.compositeRep.Client[clientID] {
				c, ok := r.clientRoles[clientID][name]
				if !ok {
					return im.fail(path, "composite client role %q of client %q not found", name, clientID)
				}
				role.Composites = append(role.Composites, c)
			}
		}
		return nil
	}
	for _, name := range sortedKeys(r.realmRoles) {
		if err := resolve(r.realmRoles[name], "$.roles.realm["+name+"].composites"); err != nil {
			return err
		}
	}
	for _, clientID := range sortedKeys(r.clientRoles) {
		for _, name := range sortedKeys(r.clientRoles[clientID]) {
			if err := resolve(r.clientRoles[clientID][name], "$.roles.client."+clientID+"["+name+"].composites"); err != nil {
				return err
			}
		}
	}
	return nil
}

// defaultRole finds the realm's default role: the one named by defaultRole,
// or default-roles-{realm}, created as a new Keycloak 26 realm creates it
// when the file has neither.
func (im *importer) defaultRole(r *Realm, rep *realmRep) *Role {
	name := "default-roles-" + strings.ToLower(r.Name)
	if rep.DefaultRole != nil && rep.DefaultRole.Name != "" {
		name = rep.DefaultRole.Name
	}
	if role, ok := r.realmRoles[name]; ok {
		return role
	}
	role := &Role{Name: name, compositeRep: &roleCompositesRep{
		Realm:  []string{"offline_access", "uma_authorization"},
		Client: map[string][]string{"account": {"view-profile", "manage-account"}},
	}}
	// Keycloak before 13 listed default roles by name instead.
	role.compositeRep.Realm = append(role.compositeRep.Realm, rep.DefaultRoles...)
	r.realmRoles[name] = role
	return role
}

func (im *importer) user(r *Realm, path string, raw json.RawMessage) error {
	var rep userRep
	if err := im.decode(path, raw, &rep, userKnown, userIgnored); err != nil {
		return err
	}
	if rep.Username == "" {
		return im.fail(path+".username", "missing username")
	}
	key := strings.ToLower(rep.Username)
	if _, dup := r.users[key]; dup {
		return im.fail(path+".username", "duplicate username %q", rep.Username)
	}
	u := &User{
		ID:               rep.ID,
		Username:         key,
		Enabled:          boolOr(rep.Enabled, true),
		Email:            rep.Email,
		EmailVerified:    rep.EmailVerified,
		FirstName:        rep.FirstName,
		LastName:         rep.LastName,
		Attributes:       rep.Attributes,
		RequiredActions:  rep.RequiredActions,
		ServiceAccountOf: rep.ServiceAccountClientID,
		NotBefore:        rep.NotBefore,
	}
	if u.ID == "" {
		u.ID = uuid.NewString()
	}
	if _, dup := r.usersByID[u.ID]; dup {
		return im.fail(path+".id", "duplicate user id %q", u.ID)
	}
	for i, cred := range rep.Credentials {
		if cred.Type != "password" {
			continue
		}
		v, err := parsePasswordCredential(cred)
		if err != nil {
			return im.fail(fmt.Sprintf("%s.credentials[%d]", path, i), "%v", err)
		}
		u.password = v
		if cred.Temporary {
			u.RequiredActions = append(u.RequiredActions, "UPDATE_PASSWORD")
		}
	}
	for i, name := range rep.RealmRoles {
		role, ok := r.realmRoles[name]
		if !ok {
			return im.fail(fmt.Sprintf("%s.realmRoles[%d]", path, i), "realm role %q not found", name)
		}
		u.roles = append(u.roles, role)
	}
	for _, clientID := range sortedKeys(rep.ClientRoles) {
		for i, name := range rep.ClientRoles[clientID] {
			role, ok := r.clientRoles[clientID][name]
			if !ok {
				return im.fail(fmt.Sprintf("%s.clientRoles.%s[%d]", path, clientID, i), "role %q of client %q not found", name, clientID)
			}
			u.roles = append(u.roles, role)
		}
	}
	r.users[key] = u
	r.usersByID[u.ID] = u
	if mail := strings.ToLower(u.Email); mail != "" {
		if _, shared := r.usersByMail[mail]; shared {
			// A nil entry marks an address that two users share, which
			// then identifies no user.
			r.usersByMail[mail] = nil
		} else {
			r.usersByMail[mail] = u
		}
	}
	return nil
}

// linkServiceAccounts attaches each service-account user to its client, and
// creates the user, with the realm's default role as the admin API would,
// for a client with service accounts enabled that the file gives none.
func (im *importer) linkServiceAccounts(r *Realm) error {
	for _, u := range r.usersByID {
		if u.ServiceAccountOf == "" {
			continue
		}
		c, ok := r.clients[u.ServiceAccountOf]
		if !ok {
			return im.fail("$.users", "user %q is the service account of client %q, which the file does not define", u.Username, u.ServiceAccountOf)
		}
		c.serviceAccount = u
	}
	for _, id := range r.clientOrder {
		c := r.clients[id]
		if !c.ServiceAccounts || c.serviceAccount != nil {
			continue
		}
		u := &User{
			ID:               uuid.NewString(),
			Username:         "service-account-" + strings.ToLower(c.ClientID),
			Enabled:          true,
			ServiceAccountOf: c.ClientID,
			roles:            []*Role{r.defaultRole},
		}
		r.users[u.Username] = u
		r.usersByID[u.ID] = u
		c.serviceAccount = u
	}
	return nil
}

// Keycloak 26 attaches these client scopes to new OpenID Connect clients.
var (
	defaultClientScopes  = []string{"web-origins", "acr", "profile", "roles", "basic", "email"}
	optionalClientScopes = []string{"address", "phone", "offline_access", "organization", "microprofile-jwt"}
)

// addBuiltinClients adds the clients that every Keycloak 26 realm has, when
// the file does not define them.
func addBuiltinClients(r *Realm) {
	builtin := []*Client{
		{ClientID: "account", Name: "${client_account}", Public: true, StandardFlow: true,
			RedirectURIs: []string{"/realms/" + r.Name + "/account/*"}},
		{ClientID: "account-console", Name: "${client_account-console}", Public: true, StandardFlow: true,
			RedirectURIs: []string{"/realms/" + r.Name + "/account/*"}, PKCEMethod: "S256"},
		{ClientID: "admin-cli", Name: "${client_admin-cli}", Public: true, DirectAccessGrants: true},
		{ClientID: "broker", Name: "${client_broker}", BearerOnly: true},
		{ClientID: "realm-management", Name: "${client_realm-management}", BearerOnly: true},
		{ClientID: "security-admin-console", Name: "${client_security-admin-console}", Public: true,
			StandardFlow: true, RedirectURIs: []string{"/admin/" + r.Name + "/console/*"}, PKCEMethod: "S256"},
	}
	for _, c := range builtin {
		if _, ok := r.clients[c.ClientID]; ok {
			continue
		}
		c.ID = uuid.NewString()
		c.Enabled = true
		c.Protocol = "openid-connect"
		c.FullScopeAllowed = c.ClientID != "account-console"
		c.UseRefreshTokens = true
		c.DefaultScopes = defaultClientScopes
		c.OptionalScopes = optionalClientScopes
		c.Attributes = map[string]string{}
		r.clients[c.ClientID] = c
		r.clientOrder = append(r.clientOrder, c.ClientID)
	}
}

// addBuiltinRoles adds the realm roles and account-client roles that every
// Keycloak 26 realm has, when the file does not define them.
func addBuiltinRoles(r *Realm) {
	for _, name := range []string{"offline_access", "uma_authorization"} {
		if _, ok := r.realmRoles[name]; !ok {
			r.realmRoles[name] = &Role{Name: name}
		}
	}
	if len(r.clientRoles["account"]) > 0 {
		return
	}
	account := []*Role{
		{Name: "view-profile"}, {Name: "manage-account-links"}, {Name: "view-applications"},
		{Name: "view-consent"}, {Name: "view-groups"}, {Name: "delete-account"},
		{Name: "manage-account", compositeRep: &roleCompositesRep{Client: map[string][]string{"account": {"manage-account-links"}}}},
		{Name: "manage-consent", compositeRep: &roleCompositesRep{Client: map[string][]string{"account": {"view-consent"}}}},
	}
	for _, role := range account {
		role.ClientID = "account"
		addClientRole(r, "account", role)
	}
}

func addClientRole(r *Realm, clientID string, role *Role) {
	if r.clientRoles[clientID] == nil {
		r.clientRoles[clientID] = map[string]*Role{}
	}
	r.clientRoles[clientID][role.Name] = role
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

func int64Or(p *int64, def int64) int64 {
	if p == nil {
		return def
	}
	return *p
}

func seconds(p *int64, def int64) time.Duration {
	return time.Duration(int64Or(p, def)) * time.Second
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// fieldSet returns the JSON member names of a struct type.
func fieldSet(v any) map[string]bool {
	t := reflect.TypeOf(v)
	set := map[string]bool{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		set[name] = true
	}
	return set
}

// genericPath drops array indices, so that a warning about one client's
// field covers every client.
func genericPath(path string) string {
	var b strings.Builder
	skip := false
	for _, r := range path {
		switch {
		case r == '[':
			skip = true
			b.WriteString("[]")
		case r == ']':
			skip = false
		case !skip:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func joinPath(base, field string) string {
	return base + "." + field
}

func attrPath(path, name string) string {
	return fmt.Sprintf("%s[%q]", path, name)
}

func lineAndColumn(data []byte, offset int64) (line, col int) {
	line, col = 1, 1
	for i, b := range data {
		if int64(i) >= offset-1 {
			break
		}
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "a boolean"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Slice:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	default:
		return t.String()
	}
}
