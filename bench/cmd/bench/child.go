package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"syscall"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/smartmate/smartmate-mock/bench/internal/loadgen"
	"github.com/smartmate/smartmate-mock/internal/testkeys"
)

// The benchmark runs its load generator and its signing loop as child
// processes of itself, so that each can be pinned to its own core with
// taskset while the parent only waits.
const (
	childLoad = "load"
	childSign = "sign"
)

// runLoadChild reads a loadgen.Spec as JSON from stdin, runs it and writes
// the loadgen.Result as JSON to stdout.
func runLoadChild(stdin io.Reader, stdout io.Writer) error {
	var spec loadgen.Spec
	if err := json.NewDecoder(stdin).Decode(&spec); err != nil {
		return fmt.Errorf("reading the load spec from stdin: %w", err)
	}
	res, err := loadgen.Run(context.Background(), spec)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(res)
}

// signResult is the output of the signing child.
type signResult struct {
	Signatures int64         `json:"signatures"`
	Elapsed    time.Duration `json:"elapsed"`
	CPU        time.Duration `json:"cpu"` // user and system time of the process
	Rate       float64       `json:"rate"`
	CPURate    float64       `json:"cpu_rate"` // signatures per CPU-second
}

// signPayload has the size and shape of a client-credentials access token
// of the demo realm, so that the raw rate signs as many bytes as the token
// endpoint does.
const signPayload = `{"exp":1796414532,"iat":1796414232,"jti":"4f1c2a9e-6b1d-4e39-8a57-0c1f7d2b9e61","iss":"http://127.0.0.1:18080/realms/demo","aud":"smartmate-api","sub":"8d1b0c5e-2f6a-4d83-9b7e-3a5c1e9f0d24","typ":"Bearer","azp":"demo-backend","acr":"1","realm_access":{"roles":["default-roles-demo","offline_access","uma_authorization"]},"resource_access":{"smartmate-api":{"roles":["apps:read","apps:write"]}},"scope":"profile email","clientHost":"127.0.0.1","email_verified":false,"preferred_username":"service-account-demo-backend","clientAddress":"127.0.0.1","client_id":"demo-backend"}`

// runSignChild signs JWTs with go-jose RS256 in one goroutine for the
// given duration and writes a signResult as JSON to stdout.
func runSignChild(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet(childSign, flag.ContinueOnError)
	duration := fs.Duration("duration", 5*time.Second, "how long to sign")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// The demo realm's key is 2048 bits like this one, so the cost per
	// signature is the same.
	key := testkeys.RSA(1)
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "bench"}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		return err
	}

	payload := []byte(signPayload)
	var n int64
	start := time.Now()
	deadline := start.Add(*duration)
	for time.Now().Before(deadline) {
		jws, err := signer.Sign(payload)
		if err != nil {
			return err
		}
		if _, err := jws.CompactSerialize(); err != nil {
			return err
		}
		n++
	}
	elapsed := time.Since(start)

	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return fmt.Errorf("getrusage: %w", err)
	}
	cpu := time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
	return json.NewEncoder(stdout).Encode(signResult{
		Signatures: n, Elapsed: elapsed, CPU: cpu,
		Rate: float64(n) / elapsed.Seconds(), CPURate: float64(n) / cpu.Seconds(),
	})
}
