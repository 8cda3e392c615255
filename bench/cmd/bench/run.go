package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/smartmate/smartmate-mock/bench/internal/loadgen"
)

// bench is one benchmark run.
type bench struct {
	opts   *options
	pin    pinning
	self   string // this executable, for the child processes
	signer string // the executable that runs the signing loop
	tmp    string
	out    io.Writer
	log    io.Writer
	report *report
}

func run(ctx context.Context, opts *options, stdout, stderr io.Writer) error {
	began := time.Now()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	benchDir, err := benchModuleDir()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "smartmate-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	b := &bench{opts: opts, self: self, signer: self, tmp: tmp, out: stdout, log: stderr, report: newReport(opts)}
	b.pin = b.choosePinning()

	b.logf("building smartmate-mock and mockoidc-peer")
	emulatorBin := filepath.Join(tmp, "smartmate-mock")
	// The emulator is built in the main module, with its own go.sum and
	// versions, exactly as users build it.
	if err := goBuild(ctx, filepath.Dir(benchDir), emulatorBin, "./cmd/smartmate-mock", opts.goexperiment); err != nil {
		return err
	}
	if opts.goexperiment != "" {
		b.signer = filepath.Join(tmp, "bench-signer")
		if err := goBuild(ctx, benchDir, b.signer, "./cmd/bench", opts.goexperiment); err != nil {
			return err
		}
		b.report.addNote("The emulator and the raw signing loop were built with GOEXPERIMENT=%s.", opts.goexperiment)
	}

	targets := []target{emulatorTarget(emulatorBin)}
	if opts.graphql {
		apiTargets, err := b.graphQLTargets(ctx)
		if err != nil {
			return err
		}
		targets = append(targets, apiTargets...)
	}
	if opts.peers {
		targets = append(targets, b.peerTargets(ctx)...)
	}
	if err := b.measureThroughput(ctx, targets); err != nil {
		return err
	}
	if err := b.measureColdStarts(ctx, targets[0]); err != nil {
		return err
	}
	if err := b.measureSessions(ctx, emulatorBin); err != nil {
		return err
	}
	b.report.wallTime = time.Since(began)
	return b.report.write(b.out, opts.docsDir)
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "bench: "+format+"\n", args...)
}

// benchModuleDir returns the bench/ folder and makes sure the command runs
// inside it: its go.mod lists the peers' dependencies, and its parent is
// the main module.
func benchModuleDir() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	data, err := os.ReadFile(gomod)
	if err != nil || !bytes.Contains(data, []byte("module github.com/smartmate/smartmate-mock/bench")) {
		return "", fmt.Errorf("run the benchmark inside the bench/ folder of the repository (current module file: %q)", gomod)
	}
	return filepath.Dir(gomod), nil
}

// choosePinning pins servers and load to the requested cores when the
// machine has two cores or more and taskset exists.
func (b *bench) choosePinning() pinning {
	if !b.opts.pin {
		b.report.addNote("Servers and load generator were not pinned (-pin=false); they shared all %d cores.", runtime.NumCPU())
		return pinning{}
	}
	if runtime.NumCPU() < 2 {
		b.report.addNote("Only one core: servers and load generator shared it, so rates are lower than with pinning.")
		return pinning{}
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		b.report.addNote("taskset was not found, so nothing was pinned; install util-linux for pinned figures.")
		return pinning{}
	}
	b.report.pinned = fmt.Sprintf("servers and raw signing on core %s (taskset -c %s), load generator on core %s", b.opts.serverCPU, b.opts.serverCPU, b.opts.loadCPU)
	return pinning{serverCPU: b.opts.serverCPU, loadCPU: b.opts.loadCPU}
}

// goBuild builds pkg in the module at dir.
func goBuild(ctx context.Context, dir, out, pkg, goexperiment string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	if goexperiment != "" {
		cmd.Env = append(cmd.Env, "GOEXPERIMENT="+goexperiment, "CGO_ENABLED=1")
	}
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, msg)
	}
	return nil
}

// signRound runs the raw go-jose RS256 loop once, pinned to the servers'
// core: the ceiling of every endpoint that signs one token per request.
func (b *bench) signRound(ctx context.Context, res *opResult) error {
	cmd := b.pin.command(ctx, b.pin.serverCPU, b.signer, childSign, "-duration", b.opts.duration.String())
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("signing loop: %w", exitDetail(err))
	}
	var sr signResult
	if err := json.Unmarshal(out, &sr); err != nil {
		return fmt.Errorf("signing loop output %q: %w", out, err)
	}
	res.rates = append(res.rates, sr.Rate)
	res.cpuRates = append(res.cpuRates, sr.CPURate)
	return nil
}

// running is a started target with the results of its scenarios.
type running struct {
	target  target
	process *serverProcess
	results []*opResult // one per scenario, in order
}

// measureThroughput starts every target, records cold start and idle
// memory, and then runs the rounds. Each round measures raw signing and
// every scenario of every target once, so that load from other processes
// on the machine spreads over all servers instead of skewing one.
func (b *bench) measureThroughput(ctx context.Context, targets []target) error {
	var started []*running
	defer func() {
		for _, r := range started {
			r.process.stop()
		}
	}()
	for i, t := range targets {
		addr, err := freeLoopbackAddr()
		if err != nil {
			return err
		}
		b.logf("starting %s on %s", t.name, addr)
		p, err := startServer(ctx, t.name, t.command(ctx, b.pin, addr), addr, t.readyPath, 60*time.Second)
		if err != nil {
			if i == 0 {
				return err
			}
			b.report.addNote("%s: not measured, it did not start: %v", t.name, err)
			continue
		}
		r := &running{target: t, process: p}
		started = append(started, r)
		for _, sc := range t.scenarios {
			res := &opResult{target: t.name, op: sc.op}
			r.results = append(r.results, res)
			b.report.add(res)
		}
		if !t.noStartup {
			b.report.addColdStart(t.name, p.ready)
		}
		if t.note != "" {
			b.report.addNote("%s: %s.", t.name, t.note)
		}
	}
	time.Sleep(time.Second)
	for _, r := range started {
		if rss, _, err := r.process.rss(); err == nil && !r.target.noStartup {
			b.report.setMemory(r.target.name, memIdle, rss)
		}
	}

	sign := &opResult{target: "go-jose", op: opSign}
	b.report.add(sign)
	for round := range b.opts.rounds {
		b.logf("round %d of %d: raw signing, then %d server(s), %v per operation", round+1, b.opts.rounds, len(started), b.opts.duration)
		if err := b.signRound(ctx, sign); err != nil {
			return err
		}
		for _, r := range started {
			for i, sc := range r.target.scenarios {
				if err := b.measureRound(ctx, r, sc, r.results[i], round == 0); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// measureRound builds a scenario's requests, checks that one of them
// succeeds and runs one round of load, sampling the server's memory. A
// scenario whose check fails is marked skipped and not run again.
func (b *bench) measureRound(ctx context.Context, r *running, sc scenario, res *opResult, warmup bool) error {
	if res.skipped != "" {
		return nil
	}
	p := r.process
	if sc.authCode {
		return b.measureAuthCodeRound(ctx, r, res, warmup)
	}
	// Requests are built again every round, because access tokens in
	// them expire after the demo realm's five minutes.
	reqs, err := sc.requests(ctx, p.addr)
	if err == nil {
		var body []byte
		body, err = send(ctx, p.addr, reqs[0])
		if err == nil && !bytes.Contains(body, []byte(sc.expect)) {
			err = fmt.Errorf("response has no %s: %.300s", sc.expect, body)
		}
	}
	if err != nil {
		res.skipped = "check request failed: " + err.Error()
		b.logf("%s %s: %s", r.target.name, sc.op, res.skipped)
		return nil
	}

	spec := loadgen.Spec{
		Addr:     p.addr,
		Requests: reqs,
		Conns:    b.opts.conns,
		Duration: b.opts.duration,
		// A bound on the count as well as on time, far above any rate
		// this machine reaches.
		MaxRequests: int64(b.opts.duration.Seconds() * 1_000_000),
	}
	var warm any
	if warmup && b.opts.warmup > 0 {
		w := spec
		w.Duration = b.opts.warmup
		warm = w
	}
	return b.runRound(ctx, r, res, childLoad, spec, warm)
}

// runRound runs one measured round of a load child and records its rate,
// its rate per CPU-second of the server and the server's memory. A
// non-nil warm spec runs first as its own child, so that the CPU time
// measured leaves the warm-up out.
func (b *bench) runRound(ctx context.Context, r *running, res *opResult, child string, spec, warm any) error {
	p := r.process
	if warm != nil {
		if _, _, err := b.runLoad(ctx, p, child, warm, nil); err != nil {
			return fmt.Errorf("%s %s warm-up: %w", r.target.name, res.op, err)
		}
	}
	cpuBefore, err := p.cpuTime()
	if err != nil {
		return err
	}
	lr, peak, err := b.runLoad(ctx, p, child, spec, nil)
	if err != nil {
		return fmt.Errorf("%s %s: %w", r.target.name, res.op, err)
	}
	cpuAfter, err := p.cpuTime()
	if err != nil {
		return err
	}
	res.addRound(lr)
	if cpu := cpuAfter - cpuBefore; cpu > 0 {
		res.cpuRates = append(res.cpuRates, float64(lr.Requests-lr.Errors)/cpu.Seconds())
	}
	if !r.target.noStartup {
		b.report.raiseMemory(r.target.name, memLoad, peak)
	}
	return nil
}

// runLoad runs a load child (childLoad with a loadgen.Spec, childFlow
// with a flowSpec) as a pinned process and samples the server's VmRSS
// every 100 ms. It returns the result and the largest sample. sample, when
// not nil, receives each sample with the time since the load began.
func (b *bench) runLoad(ctx context.Context, p *serverProcess, child string, spec any, sample func(time.Duration, int64)) (loadgen.Result, int64, error) {
	in, err := json.Marshal(spec)
	if err != nil {
		return loadgen.Result{}, 0, err
	}
	cmd := b.pin.command(ctx, b.pin.loadCPU, b.self, child)
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr

	var peak int64
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		began := time.Now()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			rss, _, err := p.rss()
			if err != nil {
				continue
			}
			peak = max(peak, rss)
			if sample != nil {
				sample(time.Since(began), rss)
			}
		}
	}()
	err = cmd.Run()
	close(done)
	wg.Wait()
	if err != nil {
		return loadgen.Result{}, 0, fmt.Errorf("load generator: %w: %s", err, stderr.String())
	}
	var res loadgen.Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return loadgen.Result{}, 0, fmt.Errorf("load generator output %q: %w", stdout.String(), err)
	}
	return res, peak, nil
}

// measureAuthCodeRound checks one auth-code round trip and runs one round
// of them. A build of the emulator without the authorization endpoint
// fails the check, and the operation is reported as skipped.
func (b *bench) measureAuthCodeRound(ctx context.Context, r *running, res *opResult, warmup bool) error {
	p := r.process
	if err := authCodeRoundTrip(ctx, http.DefaultTransport, p.addr); err != nil {
		res.skipped = "check round trip failed: " + err.Error()
		b.logf("%s %s: %s", r.target.name, res.op, res.skipped)
		return nil
	}
	spec := flowSpec{Addr: p.addr, Conns: b.opts.conns, Duration: b.opts.duration, MaxRequests: int64(b.opts.duration.Seconds() * 100_000)}
	var warm any
	if warmup && b.opts.warmup > 0 {
		w := spec
		w.Duration = b.opts.warmup
		warm = w
	}
	return b.runRound(ctx, r, res, childFlow, spec, warm)
}

// exitDetail adds a failed child's stderr to its error.
func exitDetail(err error) error {
	if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
		return fmt.Errorf("%w: %s", err, bytes.TrimSpace(ee.Stderr))
	}
	return err
}
