package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case childLoad:
			exitOn(runLoadChild(os.Stdin, os.Stdout))
			return
		case childSign:
			exitOn(runSignChild(os.Args[2:], os.Stdout))
			return
		case childFlow:
			exitOn(runFlowChild(os.Stdin, os.Stdout))
			return
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts, err := parseOptions(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	exitOn(run(ctx, opts, os.Stdout, os.Stderr))
}

func exitOn(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	duration     time.Duration
	warmup       time.Duration
	rounds       int
	conns        int
	coldStarts   int
	sessions     int
	sessionIdle  time.Duration
	peers        bool
	graphql      bool
	quick        bool
	pin          bool
	serverCPU    string
	loadCPU      string
	goexperiment string
	docsDir      string
	args         []string // as given, for the report
}

func parseOptions(args []string, stderr io.Writer) (*options, error) {
	o := &options{args: args}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "length of each measurement round")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unrecorded load before the first round of each operation")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds per operation; the report gives their median, minimum and maximum")
	fs.IntVar(&o.conns, "conns", 16, "concurrent keep-alive connections of the load generator")
	fs.IntVar(&o.coldStarts, "cold-starts", 5, "how many times to start the emulator to measure its cold start")
	fs.IntVar(&o.sessions, "sessions", 20_000, "password grants, each creating a user session, for the memory run (1000000 for the full run)")
	fs.DurationVar(&o.sessionIdle, "session-idle", 3*time.Second, "SSO session idle timeout of the realm in the memory run, so that sessions expire during it; 0 skips that run")
	fs.BoolVar(&o.peers, "peers", true, "also measure mockoidc, oauth2-mock-server and oidc-provider")
	fs.BoolVar(&o.graphql, "graphql", true, "also measure the GraphQL API")
	fs.BoolVar(&o.quick, "quick", false, "smoke test: one short round of everything, for CI")
	fs.BoolVar(&o.pin, "pin", true, "pin servers and the load generator to separate cores with taskset (needs two cores)")
	fs.StringVar(&o.serverCPU, "server-cpu", "0", "core for the servers and the raw signing loop")
	fs.StringVar(&o.loadCPU, "load-cpu", "1", "core for the load generator")
	fs.StringVar(&o.goexperiment, "goexperiment", "", "GOEXPERIMENT for building the emulator and the signing loop, such as boringcrypto (needs cgo)")
	fs.StringVar(&o.docsDir, "docs", "", "folder of benchmarks.md: write the plots there and replace the results section of benchmarks.md")

	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	if o.quick {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		quick := map[string]func(){
			"duration":    func() { o.duration = time.Second },
			"warmup":      func() { o.warmup = 200 * time.Millisecond },
			"rounds":      func() { o.rounds = 1 },
			"cold-starts": func() { o.coldStarts = 3 },
			"sessions":    func() { o.sessions = 2000 },
		}
		for name, apply := range quick {
			if !set[name] {
				apply()
			}
		}
	}

	switch {
	case o.duration <= 0:
		return nil, fmt.Errorf("invalid -duration %v: must be positive", o.duration)
	case o.rounds < 1:
		return nil, fmt.Errorf("invalid -rounds %d: must be at least 1", o.rounds)
	case o.conns < 1:
		return nil, fmt.Errorf("invalid -conns %d: must be at least 1", o.conns)
	case o.coldStarts < 1:
		return nil, fmt.Errorf("invalid -cold-starts %d: must be at least 1", o.coldStarts)
	case o.sessions < 1:
		return nil, fmt.Errorf("invalid -sessions %d: must be at least 1", o.sessions)
	case o.sessionIdle != 0 && o.sessionIdle < time.Second:
		return nil, fmt.Errorf("invalid -session-idle %v: must be 0 or at least 1s, because realm files count seconds", o.sessionIdle)
	}
	return o, nil
}
