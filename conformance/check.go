package conformance

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Status is the outcome of one check.
type Status string

// The four outcomes. There is deliberately no "review": where a person would
// judge a page, the check decides from the HTTP exchange.
const (
	StatusPass    Status = "pass"
	StatusWarning Status = "warning"
	StatusFail    Status = "fail"
	StatusSkip    Status = "skip"
)

// Statuses lists every outcome in report order.
var Statuses = []Status{StatusPass, StatusWarning, StatusFail, StatusSkip}

// Severity is the weight of a check's requirement: a violated MUST fails
// the check, a violated SHOULD only raises a warning.
type Severity string

// Severities of a check's main requirement.
const (
	SeverityMust   Severity = "must"
	SeverityShould Severity = "should"
)

// Profile groups checks by what they grade.
type Profile string

// The profiles.
const (
	ProfileOIDC      Profile = "oidc"
	ProfileKeycloak  Profile = "keycloak"
	ProfileSmartmate Profile = "smartmate"
)

// Profiles lists every profile in run order.
var Profiles = []Profile{ProfileOIDC, ProfileKeycloak, ProfileSmartmate}

// ParseProfile returns the profile named s.
func ParseProfile(s string) (Profile, error) {
	p := Profile(strings.TrimSpace(strings.ToLower(s)))
	if !slices.Contains(Profiles, p) {
		return "", fmt.Errorf("unknown profile %q, expected one of oidc, keycloak, smartmate", s)
	}
	return p, nil
}

// Check is one conformance requirement and the procedure that tests it.
type Check struct {
	// ID names the check. Checks that mirror an OpenID Foundation test
	// module use the module's name, such as "oidcc-server".
	ID string
	// Title is a one-line summary of what the check expects.
	Title string
	// Spec is the specification section enforced, such as
	// "OpenID Connect Core 1.0 section 3.1.2.1".
	Spec string
	// Severity is the outcome when the main requirement is violated.
	Severity Severity
	// Profile is the profile the check belongs to.
	Profile Profile
	// Run performs the check. It reports through c and may stop early with
	// c.Fatalf or c.Skipf.
	Run func(c *C)
}

// Result is the verdict of one check with the evidence behind it.
type Result struct {
	Check    *Check
	Status   Status
	Reason   string
	Duration time.Duration
	Evidence []string
}

// Registry is an ordered set of checks with unique ids.
type Registry struct {
	checks []*Check
	byID   map[string]*Check
}

// NewRegistry returns a registry holding checks, in order. It panics on a
// duplicate or empty id, because that is a programming error in the kit.
func NewRegistry(checks ...*Check) *Registry {
	r := &Registry{byID: make(map[string]*Check)}
	for _, c := range checks {
		r.Add(c)
	}
	return r
}

// Add appends c. It panics on a duplicate or empty id.
func (r *Registry) Add(c *Check) {
	if c.ID == "" || c.Run == nil {
		panic("conformance: check without id or run function")
	}
	if _, dup := r.byID[c.ID]; dup {
		panic(fmt.Sprintf("conformance: duplicate check id %q", c.ID))
	}
	r.byID[c.ID] = c
	r.checks = append(r.checks, c)
}

// Checks returns every check in registration order.
func (r *Registry) Checks() []*Check { return slices.Clone(r.checks) }

// Lookup returns the check with the given id, or nil.
func (r *Registry) Lookup(id string) *Check { return r.byID[id] }

// Filter returns the checks that belong to one of profiles (all profiles
// when empty) and whose id matches run (every id when nil).
func (r *Registry) Filter(profiles []Profile, run *regexp.Regexp) []*Check {
	var out []*Check
	for _, c := range r.checks {
		if len(profiles) > 0 && !slices.Contains(profiles, c.Profile) {
			continue
		}
		if run != nil && !run.MatchString(c.ID) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// Count returns the number of checks per profile.
func (r *Registry) Count() map[Profile]int {
	n := make(map[Profile]int)
	for _, c := range r.checks {
		n[c.Profile]++
	}
	return n
}

// DefaultRegistry returns a new registry with every check of the kit.
func DefaultRegistry() *Registry {
	r := NewRegistry()
	for _, group := range [][]*Check{
		discoveryChecks(),
		basicChecks(),
		logoutChecks(),
		rfcChecks(),
		keycloakChecks(),
		smartmateChecks(),
	} {
		for _, c := range group {
			r.Add(c)
		}
	}
	return r
}
