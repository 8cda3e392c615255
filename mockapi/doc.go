// Package mockapi is the Smartmate apps GraphQL API: a gqlgen server that
// keeps each workspace's apps in memory and accepts only valid Keycloak
// access tokens of that workspace.
//
// The Handler serves POST and GET at /workspaces/{workspace}/graphql (GraphQL
// over HTTP; GET carries only queries). Every request needs an
// "Authorization: Bearer" access token that passes these checks:
//
//   - signed with an asymmetric algorithm (RS*, PS*, ES*, EdDSA; never
//     "none" or HS*) by a key of the workspace's key set, which a KeySource
//     supplies;
//   - "iss" equal to Config.Issuer(workspace);
//   - "exp" present and in the future, "nbf" and "iat" not in the future,
//     each with Config.Leeway;
//   - payload claim "typ" equal to "Bearer", because Keycloak 26 signs ID
//     and refresh tokens with the same keys and marks them "ID" and
//     "Refresh" there;
//   - "aud" containing Policy.Audience, only when that is set.
//
// Queries then need the client role Policy.ReadRole and mutations
// Policy.WriteRole, read from resource_access[Policy.ClientID].roles.
// Failures follow RFC 6750 section 3: 401 with a Bearer challenge for a
// missing or invalid token, 403 with error="insufficient_scope" for a
// missing role.
//
// The package does NOT import the emulator (mockidp): cmd/ wires a KeySource,
// either KeyFunc around the emulator's keys or a RemoteKeySource that fetches
// any Keycloak's JWKS, so the API can also sit in front of a real Keycloak.
//
// The schema is schema.graphqls, and the code gqlgen generates from it lives
// in internal/graph. After changing the schema, regenerate from the
// repository root with:
//
//	go tool gqlgen generate
//
// The gqlgen tool is declared in go.mod; it was added with
// "go get -tool github.com/99designs/gqlgen@v0.17.98".
package mockapi
