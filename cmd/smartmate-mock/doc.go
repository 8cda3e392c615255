// Command smartmate-mock runs the Keycloak 26 emulator with the embedded
// demo realm and any realms imported with --import-realm.
//
// Usage:
//
//	smartmate-mock [start|start-dev] [flags]
//	smartmate-mock healthcheck [--url URL]
//
// Each flag has an environment variable twin: Keycloak's KC_ name where
// Keycloak has the option (KC_HTTP_PORT for --http-port), SMARTMATE_MOCK_
// otherwise. A flag given on the command line wins over its variable.
package main
