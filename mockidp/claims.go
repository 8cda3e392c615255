package mockidp

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
)

// audience is the "aud" claim: Keycloak 26 writes a single value as a
// string and several as an array.
type audience []string

func (a audience) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal([]string(a))
}

type roleList struct {
	Roles []string `json:"roles"`
}

// profileClaims are the claims of Keycloak 26's profile and email scopes,
// shared by access tokens, ID tokens and userinfo.
type profileClaims struct {
	EmailVerified     *bool  `json:"email_verified,omitempty"`
	Name              string `json:"name,omitempty"`
	PreferredUsername string `json:"preferred_username,omitempty"`
	GivenName         string `json:"given_name,omitempty"`
	FamilyName        string `json:"family_name,omitempty"`
	Email             string `json:"email,omitempty"`
}

// accessClaims is a Keycloak 26 access token's payload, in Keycloak's
// member order. Since Keycloak 25 the nonce and session_state claims are no
// longer in access tokens.
type accessClaims struct {
	Exp            int64               `json:"exp"`
	Iat            int64               `json:"iat"`
	AuthTime       int64               `json:"auth_time,omitempty"`
	JTI            string              `json:"jti"`
	Iss            string              `json:"iss"`
	Aud            audience            `json:"aud,omitempty"`
	Sub            string              `json:"sub"`
	Typ            string              `json:"typ"`
	Azp            string              `json:"azp"`
	Sid            string              `json:"sid,omitempty"`
	ACR            string              `json:"acr,omitempty"`
	AllowedOrigins []string            `json:"allowed-origins,omitempty"`
	RealmAccess    *roleList           `json:"realm_access,omitempty"`
	ResourceAccess map[string]roleList `json:"resource_access,omitempty"`
	Scope          string              `json:"scope"`
	ClientHost     string              `json:"clientHost,omitempty"`
	profileClaims
	ClientAddress string `json:"clientAddress,omitempty"`
	ClientID      string `json:"client_id,omitempty"`
}

// idClaims is a Keycloak 26 ID token's payload.
type idClaims struct {
	Exp      int64  `json:"exp"`
	Iat      int64  `json:"iat"`
	AuthTime int64  `json:"auth_time,omitempty"`
	JTI      string `json:"jti"`
	Iss      string `json:"iss"`
	Aud      string `json:"aud"`
	Sub      string `json:"sub"`
	Typ      string `json:"typ"`
	Azp      string `json:"azp"`
	Nonce    string `json:"nonce,omitempty"`
	Sid      string `json:"sid,omitempty"`
	AtHash   string `json:"at_hash,omitempty"`
	CHash    string `json:"c_hash,omitempty"`
	ACR      string `json:"acr,omitempty"`
	profileClaims
}

// refreshClaims is a Keycloak 26 refresh token's payload. Its audience is
// the issuer, because only the issuer reads it.
type refreshClaims struct {
	Exp   int64  `json:"exp,omitempty"`
	Iat   int64  `json:"iat"`
	JTI   string `json:"jti"`
	Iss   string `json:"iss"`
	Aud   string `json:"aud"`
	Sub   string `json:"sub"`
	Typ   string `json:"typ"`
	Azp   string `json:"azp"`
	Sid   string `json:"sid,omitempty"`
	Scope string `json:"scope"`
}

// grantContext is the state that every grant passes to the token builders.
type grantContext struct {
	realm       *Realm
	client      *Client
	user        *User
	session     *userSession // nil for a transient service-account session
	issuer      string
	now         time.Time
	scope       scopeSet
	nonce       string
	acr         string
	remoteAddr  string
	serviceAcct bool
}

// profile returns the profile and email claims of the granted scopes.
func (g *grantContext) profile() profileClaims {
	var p profileClaims
	u := g.user
	if g.scope.has("email") {
		v := u.EmailVerified
		p.EmailVerified = &v
		p.Email = u.Email
	}
	if g.scope.has("profile") {
		p.Name = u.fullName()
		p.PreferredUsername = u.Username
		p.GivenName = u.FirstName
		p.FamilyName = u.LastName
	}
	return p
}

// accessLifespan returns the access token lifespan: the client's, else the
// realm's, capped at the session's maximum lifespan as Keycloak 26 caps it.
func (g *grantContext) accessExpiry() time.Time {
	life := g.realm.AccessTokenLifespan
	if g.client.AccessTokenLifespan > 0 {
		life = g.client.AccessTokenLifespan
	}
	exp := g.now.Add(life)
	if g.session != nil && !g.session.offline {
		if maxEnd := g.session.started.Add(g.realm.SSOSessionMax); exp.After(maxEnd) {
			exp = maxEnd
		}
	}
	return exp
}

func (g *grantContext) accessClaims(exp time.Time) *accessClaims {
	realmRoles, clientRoles := g.user.effectiveRoles()
	c := &accessClaims{
		Exp:           exp.Unix(),
		Iat:           g.now.Unix(),
		JTI:           uuid.NewString(),
		Iss:           g.issuer,
		Sub:           g.user.ID,
		Typ:           "Bearer",
		Azp:           g.client.ClientID,
		ACR:           g.acr,
		Scope:         g.scope.tokenScope(),
		profileClaims: g.profile(),
	}
	if g.session != nil {
		c.Sid = g.session.id
		c.AuthTime = g.session.authenticatedAt().Unix()
	}
	if g.scope.has("web-origins") {
		c.AllowedOrigins = resolveWebOrigins(g.client)
	}
	if g.scope.has("roles") {
		if len(realmRoles) > 0 {
			c.RealmAccess = &roleList{Roles: realmRoles}
		}
		if len(clientRoles) > 0 {
			c.ResourceAccess = map[string]roleList{}
			for id, roles := range clientRoles {
				c.ResourceAccess[id] = roleList{Roles: roles}
			}
		}
		// Keycloak's audience-resolve mapper adds every client the user
		// holds roles of, except the client that gets the token.
		for _, id := range sortedKeys(clientRoles) {
			if id != g.client.ClientID {
				c.Aud = append(c.Aud, id)
			}
		}
	}
	if g.serviceAcct {
		// Keycloak 26 puts these session notes into service-account
		// tokens through the client's service-account mappers.
		c.ClientHost = g.remoteAddr
		c.ClientAddress = g.remoteAddr
		c.ClientID = g.client.ClientID
	}
	return c
}

func (g *grantContext) idClaims(exp time.Time, accessToken, code string) *idClaims {
	c := &idClaims{
		Exp:           exp.Unix(),
		Iat:           g.now.Unix(),
		JTI:           uuid.NewString(),
		Iss:           g.issuer,
		Aud:           g.client.ClientID,
		Sub:           g.user.ID,
		Typ:           "ID",
		Azp:           g.client.ClientID,
		Nonce:         g.nonce,
		ACR:           g.acr,
		profileClaims: g.profile(),
	}
	if g.session != nil {
		c.Sid = g.session.id
		c.AuthTime = g.session.authenticatedAt().Unix()
	}
	if accessToken != "" {
		c.AtHash = leftHalfHash(accessToken)
	}
	if code != "" {
		c.CHash = leftHalfHash(code)
	}
	return c
}

func (g *grantContext) refreshClaims(exp time.Time) *refreshClaims {
	c := &refreshClaims{
		Iat:   g.now.Unix(),
		JTI:   uuid.NewString(),
		Iss:   g.issuer,
		Aud:   g.issuer,
		Sub:   g.user.ID,
		Typ:   "Refresh",
		Azp:   g.client.ClientID,
		Scope: g.scope.refreshScope(),
	}
	if g.session != nil {
		c.Sid = g.session.id
		if g.session.offline {
			c.Typ = "Offline"
		}
	}
	if c.Typ == "Refresh" {
		c.Exp = exp.Unix()
	}
	return c
}

// leftHalfHash is the at_hash and c_hash value for RS256 (OpenID Connect
// Core 1.0 section 3.1.3.6): the base64url left half of the SHA-256 hash.
func leftHalfHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// resolveWebOrigins expands a client's web origins as Keycloak 26 does:
// "+" stands for the origins of its http and https redirect URIs, relative
// ones resolved against the root URL.
func resolveWebOrigins(c *Client) []string {
	seen := map[string]bool{}
	var out []string
	add := func(o string) {
		if o != "" && !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	for _, o := range c.WebOrigins {
		if o != "+" {
			add(o)
			continue
		}
		for _, ru := range c.RedirectURIs {
			if strings.HasPrefix(ru, "/") {
				ru = c.RootURL + ru
			}
			add(originOf(ru))
		}
	}
	sort.Strings(out)
	return out
}

// originOf returns scheme://host[:port] of an http or https URL, or "".
func originOf(raw string) string {
	u, err := url.Parse(strings.TrimSuffix(raw, "*"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
