package mockidp

import (
	"sort"
	"strings"
	"time"
)

// Realm is one loaded realm: its settings, clients, users and roles, which
// never change after loading, and its keys and sessions, which have their
// own locks.
type Realm struct {
	Name        string
	DisplayName string
	Enabled     bool

	AccessTokenLifespan  time.Duration
	AccessCodeLifespan   time.Duration
	LoginLifespan        time.Duration
	SSOSessionIdle       time.Duration
	SSOSessionMax        time.Duration
	RevokeRefreshToken   bool
	RefreshTokenMaxReuse int
	NotBefore            int64
	Attributes           map[string]string
	LoginWithEmail       bool

	faults faultSet // provider faults, set by New

	clients     map[string]*Client // by clientId
	clientOrder []string
	users       map[string]*User // by lower-cased username
	usersByID   map[string]*User
	usersByMail map[string]*User // by lower-cased e-mail; ambiguous addresses left out
	realmRoles  map[string]*Role
	clientRoles map[string]map[string]*Role // clientId → role name → role
	defaultRole *Role

	keys     *realmKeys
	sessions *sessionStore
	browser  *browserState
}

// Client is a registered client with Keycloak's settings.
type Client struct {
	ID                          string
	ClientID                    string
	Name                        string
	Enabled                     bool
	Protocol                    string
	Public                      bool
	BearerOnly                  bool
	Secret                      string
	RootURL                     string
	RedirectURIs                []string
	WebOrigins                  []string
	StandardFlow                bool
	ImplicitFlow                bool
	DirectAccessGrants          bool
	ServiceAccounts             bool
	ConsentRequired             bool
	FullScopeAllowed            bool
	DefaultScopes               []string
	OptionalScopes              []string
	Attributes                  map[string]string
	AccessTokenLifespan         time.Duration // zero means the realm's
	PKCEMethod                  string
	UseRefreshTokens            bool
	ClientCredentialsRefresh    bool
	PostLogoutRedirectURIs      []string // nil means the redirect URIs
	BackchannelLogoutURL        string
	BackchannelLogoutSessionReq bool
	FrontchannelLogout          bool
	FrontchannelLogoutURL       string
	FrontchannelLogoutSession   bool // frontchannel.logout.session.required

	serviceAccount *User
}

// User is a user of a realm, a service-account user included.
type User struct {
	ID               string
	Username         string
	Enabled          bool
	Email            string
	EmailVerified    bool
	FirstName        string
	LastName         string
	Attributes       map[string][]string
	RequiredActions  []string
	ServiceAccountOf string // clientId, for service-account users
	NotBefore        int64

	password passwordVerifier // nil when the user has no password
	roles    []*Role          // directly granted
}

// Role is a realm role or, when ClientID is set, a client role.
type Role struct {
	Name       string
	ClientID   string
	Composites []*Role

	compositeRep *roleCompositesRep
}

// Client returns the client with the given clientId.
func (r *Realm) Client(clientID string) (*Client, bool) {
	c, ok := r.clients[clientID]
	return c, ok
}

// User returns the user with the given username, matched without regard to
// case because Keycloak 26 stores usernames in lower case.
func (r *Realm) User(username string) (*User, bool) {
	u, ok := r.users[strings.ToLower(username)]
	return u, ok
}

// LoginUser finds the user that a login name identifies: the username,
// or, when the realm allows login with e-mail as Keycloak 26 realms do by
// default, an e-mail address that exactly one user has.
func (r *Realm) LoginUser(name string) (*User, bool) {
	if u, ok := r.User(name); ok {
		return u, true
	}
	if !r.LoginWithEmail || !strings.Contains(name, "@") {
		return nil, false
	}
	u, ok := r.usersByMail[strings.ToLower(name)]
	return u, ok && u != nil
}

// UserByID returns the user with the given id (the "sub" of its tokens).
func (r *Realm) UserByID(id string) (*User, bool) {
	u, ok := r.usersByID[id]
	return u, ok
}

// Clients returns the realm's clients in file order, built-in clients last.
func (r *Realm) Clients() []*Client {
	out := make([]*Client, 0, len(r.clientOrder))
	for _, id := range r.clientOrder {
		out = append(out, r.clients[id])
	}
	return out
}

// effectiveRoles expands u's roles through their composites and returns the
// realm role names and the client role names per clientId, each sorted.
func (u *User) effectiveRoles() (realm []string, client map[string][]string) {
	seen := map[*Role]bool{}
	var walk func(*Role)
	walk = func(role *Role) {
		if seen[role] {
			return
		}
		seen[role] = true
		for _, c := range role.Composites {
			walk(c)
		}
	}
	for _, role := range u.roles {
		walk(role)
	}
	client = map[string][]string{}
	for role := range seen {
		if role.ClientID == "" {
			realm = append(realm, role.Name)
		} else {
			client[role.ClientID] = append(client[role.ClientID], role.Name)
		}
	}
	sort.Strings(realm)
	for _, names := range client {
		sort.Strings(names)
	}
	return realm, client
}

// fullName joins the first and last name as Keycloak's full-name mapper does.
func (u *User) fullName() string {
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}

// hasRequiredActions reports whether the user must complete an action such
// as UPDATE_PASSWORD before signing in.
func (u *User) hasRequiredActions() bool { return len(u.RequiredActions) > 0 }
