// Package interop runs real relying-party libraries against the emulator:
// go-oidc v3 with x/oauth2 in Go, openid-client 6 on Node.js, and
// keycloak-js 26 in headless Chromium. It has only tests.
//
// Each library is used as its documentation shows, through discovery,
// client credentials, the password grant, the authorization code flow with
// PKCE through the emulator's login page, refresh, userinfo, introspection,
// revocation and RP-initiated logout. A library that rejects a correct
// response is a bug in the emulator and fails the tests.
//
// The fault matrix drives each library through the same flow once per
// relying-party fault of mockidp (a token with a bad signature, a wrong
// issuer and so on) and records whether the library rejected the defective
// response. The observed matrix must equal testdata/rp-fault-matrix.json;
// `go test ./interop/ -run TestRPFaultMatrix -update` rewrites that file
// and docs/rp-fault-matrix.md.
//
// The Node.js tests start one `node node/openid-client.mjs` process for the
// package and call it over stdin and stdout, one JSON object per line. The
// browser tests start one Chromium for the package. The npm packages come
// from scripts/install-node-deps.sh, which the tests run, and Chromium from
// scripts/install-chromium.sh. Without Node.js or Chromium the tests that
// need them are skipped, unless CI is "true", where they fail.
package interop
