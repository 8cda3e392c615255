// Command smartmate-conformance grades an OpenID Connect provider (real
// Keycloak, a Smartmate deployment, or the smartmate-mock emulator) with the
// conformance kit's checks and prints a text, JSON or JUnit report.
//
// With no flags it tests the emulator's demo realm on 127.0.0.1:8080:
//
//	smartmate-conformance --issuer http://127.0.0.1:8080/realms/demo
//
// Exit status: 0 when no check failed, 1 when a check failed, 2 for a usage
// error or a provider that cannot be reached.
package main
