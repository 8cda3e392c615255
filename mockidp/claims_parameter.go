package mockidp

import (
	"encoding/json"

	"github.com/smartmate/smartmate-mock/protocol"
)

// checkClaimsParameter checks that the claims parameter (OpenID Connect
// Core 1.0 section 5.5), when present, is a JSON object. Its content is
// then ignored: Keycloak 26 advertises claims_parameter_supported, but its
// default protocol mappers put the same claims into tokens and userinfo
// whatever the parameter requests.
func checkClaimsParameter(v string) *protocol.Error {
	if v == "" {
		return nil
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal([]byte(v), &members); err != nil || members == nil {
		return protocol.New(protocol.ErrInvalidRequest, "Invalid parameter: claims")
	}
	return nil
}
