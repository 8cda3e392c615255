// Command mockoidc-peer serves github.com/oauth2-proxy/mockoidc on a
// loopback address, so that the benchmark can measure it in its own
// process like the other servers.
//
//	mockoidc-peer -addr 127.0.0.1:18080
//
// It prints "ready" once it accepts connections and stops on SIGTERM or
// interrupt.
package main
