// Package loadgen is a closed-loop HTTP/1.1 load generator for loopback
// benchmarks. Each connection sends one request, reads the whole response
// and sends the next, so the rate it reports is the server's throughput at
// that concurrency.
//
// It writes pre-encoded requests straight to TCP connections and parses
// only the status line and the headers that frame the body. net/http's
// client costs more CPU per request, which on a machine with one core for
// the load generator could cap the measured rate of a fast server at the
// client's own speed.
package loadgen
