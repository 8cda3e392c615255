// Package mockidp emulates the per-realm OpenID Connect endpoints of
// Keycloak 26. They are discovery, JWKS, the token endpoint, userinfo and the
// health endpoints, plus the browser flows. Those are the authorization
// endpoint with its login page, SSO cookies and request objects,
// RP-initiated logout with front-channel and back-channel notifications,
// the session check iframe of keycloak-js, introspection and revocation. Paths, token claims, error
// bodies, page texts and headers are Keycloak's, so that code written
// against Keycloak works against it unchanged.
//
// A Server is an http.Handler. Realms are loaded from Keycloak's realm-export
// JSON, the format of `kc.sh export` and `kc.sh import`, and the embedded demo
// realm is loaded unless WithoutDefaultRealm is given.
//
// The issuer of a realm is {frontend URL}{relative path}/realms/{realm}. The
// frontend URL is fixed when the server is created, like Keycloak's
// --hostname option, and never follows a request's Host header unless
// WithHostnameFromRequest is given. A fixed issuer is what token validation
// needs: a browser and a backend often reach the same server by different
// host names, and with a per-request issuer the tokens that one of them gets
// would fail validation in the other.
//
// Testing aids that Keycloak does not have: the client attribute
// "smartmate.mock.auto-login-user" signs a user in without the login form;
// the endpoints POST /realms/{realm}/testing/rotate-keys and
// POST /realms/{realm}/testing/clients/{clientId}/rp-fault rotate keys and
// set relying-party faults (RPFault), which damage one client's tokens; and
// provider faults (ProviderFault), set with the realm attribute
// "smartmate.mock.faults" or WithProviderFaults, break one behaviour of a
// realm so that a test can prove a conformance check able to fail.
// docs/testing-extensions.md lists them all.
//
// References: OpenID Connect Core 1.0, OpenID Connect Discovery 1.0,
// OpenID Connect RP-Initiated Logout 1.0, OpenID Connect Front-Channel
// Logout 1.0, OpenID Connect Back-Channel Logout 1.0, OpenID Connect
// Session Management 1.0, RFC 6749, RFC 6750, RFC 7009, RFC 7517,
// RFC 7636, RFC 7662, RFC 8414, RFC 9207.
package mockidp
