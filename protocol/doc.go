// Package protocol contains the OAuth 2.0 and OpenID Connect vocabulary that
// the emulator (mockidp), the GraphQL API (mockapi) and the conformance kit
// (conformance) share. That is error codes, grant and response types, claim
// names, Keycloak's token "typ" values, and the one typed protocol error
// with its writers.
//
// It imports none of the packages that use it, so it stays small and each of
// them can depend on it without depending on the others.
//
// References: RFC 6749 sections 4 and 5.2 (grants and token errors), RFC 6750
// section 3 (bearer challenges), OpenID Connect Core 1.0 sections 2 and 5.1
// (claims).
package protocol
