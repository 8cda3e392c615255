// Command api-server serves the emulator and the apps GraphQL API on a
// loopback address, wired as cmd/smartmate-mock wires them, with the
// API's authentication and token cache set by flags. The benchmark uses it
// to compare the query with a bearer token against the same query with
// authentication off.
//
//	api-server -addr 127.0.0.1:18080 -auth=false
//	api-server -addr 127.0.0.1:18080 -token-cache=-1
//
// It prints "ready" once it accepts connections and stops on SIGTERM or
// interrupt.
package main
