package mockapi

import (
	"errors"
	"log/slog"
	"maps"
	"net/url"
	"strings"
	"time"

	"github.com/smartmate/smartmate-mock/clock"
	"github.com/smartmate/smartmate-mock/fixtures"
)

// Defaults of Config and Policy.
const (
	DefaultClientID       = "smartmate-api"
	DefaultReadRole       = "apps:read"
	DefaultWriteRole      = "apps:write"
	DefaultMaxBodyBytes   = 1 << 20
	DefaultMaxDepth       = 8
	DefaultMaxComplexity  = 500
	DefaultTokenCacheSize = 10_000
)

// Config configures a Handler. Issuer and Keys are required unless
// InsecureDisableAuth is set. Zero values of the other fields select the
// defaults named on each field.
type Config struct {
	// Issuer returns the "iss" that tokens of workspace must carry, such as
	// "http://localhost:8080/realms/demo" for workspace "demo". IssuerTemplate
	// builds one from a URL template.
	Issuer func(workspace string) string

	// Keys returns each workspace's token verification keys.
	Keys KeySource

	// Clock is the time source for token validation and app timestamps.
	// Default: clock.System.
	Clock clock.Clock

	// Logger receives one line per rejected request. Default: discard.
	Logger *slog.Logger

	// Policy is the permission policy of every workspace that
	// WorkspacePolicies does not override. Empty fields take the defaults
	// DefaultClientID, DefaultReadRole and DefaultWriteRole.
	Policy Policy

	// WorkspacePolicies overrides Policy for single workspaces. Empty fields
	// of an override take the value from Policy.
	WorkspacePolicies map[string]Policy

	// Leeway is the clock skew allowed when checking "exp", "nbf" and "iat".
	// Default: 0, the same as Keycloak 26, which checks "exp" and "nbf"
	// with no clock skew, because the emulator and the API share one clock
	// in most setups.
	Leeway time.Duration

	// TokenCacheSize is the maximum number of validated tokens kept, so that
	// a repeated token skips signature verification. Default:
	// DefaultTokenCacheSize. A negative value turns the cache off.
	TokenCacheSize int

	// MaxBodyBytes is the maximum size of a POST body; a larger body gets
	// 413. Default: DefaultMaxBodyBytes (1 MiB).
	MaxBodyBytes int64

	// MaxDepth is the maximum nesting of selection sets in an operation,
	// counting the root fields as depth 1. Default: DefaultMaxDepth.
	MaxDepth int

	// MaxComplexity is the maximum complexity of an operation as gqlgen
	// computes it (one point per field, by default). Default:
	// DefaultMaxComplexity.
	MaxComplexity int

	// Seed returns the seed file of a workspace in the format of
	// fixtures.Apps, or false for a workspace that starts empty. Default:
	// fixtures.AppsFile.
	Seed func(workspace string) ([]byte, bool)

	// Faults break single token or permission checks, to prove the
	// conformance kit's smartmate checks able to fail. It is a testing aid
	// that Smartmate's API does not have. Default: none.
	Faults []Fault

	// InsecureDisableAuth skips token validation and permission checks. It
	// exists for BenchmarkQueryNoAuth, which measures the handler without
	// authentication. Never set it in a server.
	InsecureDisableAuth bool
}

// Policy defines which client roles grant access to the API. The roles are read
// from the token's resource_access[ClientID].roles, where Keycloak puts the
// client roles of a user or service account.
type Policy struct {
	// ClientID is the client whose roles are read. Default: "smartmate-api".
	ClientID string
	// ReadRole allows queries. Default: "apps:read".
	ReadRole string
	// WriteRole allows mutations. Default: "apps:write". It does NOT imply
	// ReadRole: Keycloak's demo realm grants both roles where both apply.
	WriteRole string
	// Audience, when not empty, must be one of the token's "aud" values.
	// Default: not checked. See docs/api.md for why Keycloak's "aud" is a
	// poor gate: the client roles are the check that matters.
	Audience string
}

// merge returns p with its empty fields taken from base.
func (p Policy) merge(base Policy) Policy {
	if p.ClientID == "" {
		p.ClientID = base.ClientID
	}
	if p.ReadRole == "" {
		p.ReadRole = base.ReadRole
	}
	if p.WriteRole == "" {
		p.WriteRole = base.WriteRole
	}
	if p.Audience == "" {
		p.Audience = base.Audience
	}
	return p
}

// withDefaults returns c with defaults filled in, or an error for a missing
// required field.
func (c Config) withDefaults() (Config, error) {
	if !c.InsecureDisableAuth {
		if c.Issuer == nil {
			return c, errors.New("mockapi: Config.Issuer is required")
		}
		if c.Keys == nil {
			return c, errors.New("mockapi: Config.Keys is required")
		}
	}
	if c.Leeway < 0 {
		return c, errors.New("mockapi: Config.Leeway must not be negative")
	}
	// The Handler must not see later changes to the caller's map.
	c.WorkspacePolicies = maps.Clone(c.WorkspacePolicies)
	if c.Clock == nil {
		c.Clock = clock.System{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.Policy = c.Policy.merge(Policy{
		ClientID:  DefaultClientID,
		ReadRole:  DefaultReadRole,
		WriteRole: DefaultWriteRole,
	})
	if c.TokenCacheSize == 0 {
		c.TokenCacheSize = DefaultTokenCacheSize
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxDepth <= 0 {
		c.MaxDepth = DefaultMaxDepth
	}
	if c.MaxComplexity <= 0 {
		c.MaxComplexity = DefaultMaxComplexity
	}
	if c.Seed == nil {
		c.Seed = fixtures.AppsFile
	}
	return c, nil
}

// policy returns the effective policy of workspace.
func (c *Config) policy(workspace string) Policy {
	if p, ok := c.WorkspacePolicies[workspace]; ok {
		return p.merge(c.Policy)
	}
	return c.Policy
}

// IssuerTemplate returns an Issuer function that replaces "{workspace}" in
// template with the path-escaped workspace name, for example
// IssuerTemplate("http://localhost:8080/realms/{workspace}").
func IssuerTemplate(template string) func(workspace string) string {
	return func(workspace string) string {
		return expandWorkspace(template, workspace)
	}
}

func expandWorkspace(template, workspace string) string {
	return strings.ReplaceAll(template, "{workspace}", url.PathEscape(workspace))
}
