package mockapi

import "slices"

// Fault names one defect that the API puts into its own token or permission
// checks, so that a test can prove a conformance check of the smartmate
// profile able to fail. It is a testing aid: never set Config.Faults in a
// server that protects data.
type Fault string

// The API faults.
const (
	// FaultIgnoreRoles lets every valid token run queries and mutations,
	// whatever its client roles.
	FaultIgnoreRoles Fault = "api-ignores-roles"
	// FaultNoChallenge responds to a request without a token with 401 and
	// no WWW-Authenticate challenge.
	FaultNoChallenge Fault = "api-no-challenge"
	// FaultSkipSignature accepts tokens whose signature does not verify.
	FaultSkipSignature Fault = "api-skips-signature"
	// FaultAcceptIDToken accepts ID tokens as access tokens.
	FaultAcceptIDToken Fault = "api-accepts-id-token"
	// FaultRejectAll rejects every token with 401 invalid_token.
	FaultRejectAll Fault = "api-rejects-all"
)

// Faults lists every API fault.
var Faults = []Fault{FaultIgnoreRoles, FaultNoChallenge, FaultSkipSignature, FaultAcceptIDToken, FaultRejectAll}

// hasFault reports whether the configuration sets f.
func (c *Config) hasFault(f Fault) bool { return slices.Contains(c.Faults, f) }
