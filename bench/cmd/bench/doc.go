// Command bench measures smartmate-mock's throughput, latency, cold start
// and memory, and the same work on peer servers, in one run. Run it inside
// the bench/ folder:
//
//	go run ./cmd/bench            # about five minutes
//	go run ./cmd/bench -quick     # smoke test, under a minute
//	go run ./cmd/bench -docs ../docs
//
// Every server listens on 127.0.0.1 only. On machines with two or more
// cores, servers run pinned to one core with taskset and the load
// generator, a child process of this command, to another. The command
// prints figures and compares them with the project's goals. A missed goal
// is reported in the table and does not change the exit status.
package main
