package mockidp

import (
	"strings"

	"github.com/smartmate/smartmate-mock/protocol"
)

// scopeSet is the set of client scopes granted to one client session:
// openid when requested, the client's default scopes, and the requested
// optional scopes.
type scopeSet struct {
	openid bool
	names  []string // client scope names in grant order
}

// Keycloak 26 adds these client scopes to the "scope" claim; the others,
// such as roles, web-origins, acr and basic, shape claims but are not
// listed.
var includedInTokenScope = map[string]bool{
	"profile": true, "email": true, "address": true, "phone": true,
	"offline_access": true, "microprofile-jwt": true, "organization": true,
}

// grantScopes resolves the requested scope parameter against the client's
// scopes. A value that is neither openid nor one of the client's scopes
// fails as Keycloak 26 fails it: invalid_scope naming the whole request.
func grantScopes(c *Client, requested string) (scopeSet, error) {
	set := scopeSet{names: append([]string{}, c.DefaultScopes...)}
	for _, s := range strings.Fields(requested) {
		switch {
		case s == protocol.ScopeOpenID:
			set.openid = true
		case contains(c.DefaultScopes, s):
		case contains(c.OptionalScopes, s):
			if !contains(set.names, s) {
				set.names = append(set.names, s)
			}
		default:
			return scopeSet{}, protocol.Errorf(protocol.ErrInvalidScope, "Invalid scopes: %s", requested)
		}
	}
	return set, nil
}

func (s scopeSet) has(name string) bool {
	if name == protocol.ScopeOpenID {
		return s.openid
	}
	return contains(s.names, name)
}

// tokenScope is the "scope" claim and response member, for example
// "openid profile email".
func (s scopeSet) tokenScope() string {
	var parts []string
	if s.openid {
		parts = append(parts, protocol.ScopeOpenID)
	}
	for _, order := range []string{"profile", "email", "address", "phone", "offline_access", "microprofile-jwt", "organization"} {
		if contains(s.names, order) && includedInTokenScope[order] {
			parts = append(parts, order)
		}
	}
	return strings.Join(parts, " ")
}

// refreshScope lists every granted scope, as Keycloak 26's refresh tokens
// do, so that a refresh grants the same scopes again.
func (s scopeSet) refreshScope() string {
	parts := []string{}
	if s.openid {
		parts = append(parts, protocol.ScopeOpenID)
	}
	return strings.Join(append(parts, s.names...), " ")
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
