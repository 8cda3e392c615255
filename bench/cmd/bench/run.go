package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
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

	if err := b.measureSigning(ctx); err != nil {
		return err
	}
	emulator := emulatorTarget(emulatorBin)
	if err := b.measureTarget(ctx, emulator); err != nil {
		return err
	}
	b.probeAuthorizationEndpoint(ctx, emulatorBin)
	if err := b.measureColdStarts(ctx, emulator); err != nil {
		return err
	}
	if err := b.measureSessions(ctx, emulatorBin); err != nil {
		return err
	}
	if opts.graphql {
		if err := b.measureGraphQL(ctx); err != nil {
			return err
		}
	}
	if opts.peers {
		b.measurePeers(ctx)
	}
	b.report.wallTime = time.Since(began)
	return b.report.write(b.out, opts.docsDir)
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "bench: "+format+"\n", args...)
}

// benchModuleDir returns the bench/ folder and makes sure the command runs
// inside it: its go.mod holds the peers' dependencies, and its parent is
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

// measureSigning runs the raw go-jose RS256 loop pinned to the server's
// core, the ceiling of every endpoint that signs one token per request.
func (b *bench) measureSigning(ctx context.Context) error {
	b.logf("raw RS256 signing, %d round(s) of %v", b.opts.rounds, b.opts.duration)
	res := &opResult{target: "go-jose", op: opSign}
	for range b.opts.rounds {
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
	}
	b.report.add(res)
	return nil
}

// measureTarget starts a target, records its cold start and idle memory,
// runs every scenario and stops it.
func (b *bench) measureTarget(ctx context.Context, t target) error {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return err
	}
	b.logf("starting %s on %s", t.name, addr)
	p, err := startServer(ctx, t.name, t.command(ctx, b.pin, addr), addr, t.readyPath, 60*time.Second)
	if err != nil {
		return err
	}
	defer p.stop()
	b.report.addColdStart(t.name, p.ready)
	time.Sleep(time.Second)
	if rss, _, err := p.rss(); err == nil {
		b.report.setMemory(t.name, memIdle, rss)
	}
	for _, sc := range t.scenarios {
		if err := b.measureScenario(ctx, p, t.name, sc); err != nil {
			return err
		}
	}
	_, peak, err := p.rss()
	if err == nil {
		b.report.setMemory(t.name, memPeak, peak)
	}
	if t.note != "" {
		b.report.addNote("%s: %s.", t.name, t.note)
	}
	return nil
}

// measureScenario checks that one request succeeds, then runs the rounds
// and samples the server's memory while they run.
func (b *bench) measureScenario(ctx context.Context, p *serverProcess, name string, sc scenario) error {
	res := &opResult{target: name, op: sc.op}
	defer b.report.add(res)
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
		b.logf("%s %s: %s", name, sc.op, res.skipped)
		return nil
	}
	b.logf("%s %s: %d round(s) of %v", name, sc.op, b.opts.rounds, b.opts.duration)
	for round := range b.opts.rounds {
		spec := loadgen.Spec{
			Addr:     p.addr,
			Requests: reqs,
			Conns:    b.opts.conns,
			Duration: b.opts.duration,
			// A bound on the count as well as on time, far above any
			// rate this machine reaches.
			MaxRequests: int64(b.opts.duration.Seconds() * 1_000_000),
		}
		if round == 0 {
			spec.Warmup = b.opts.warmup
		}
		lr, peak, err := b.runLoad(ctx, p, spec, nil)
		if err != nil {
			return fmt.Errorf("%s %s: %w", name, sc.op, err)
		}
		res.addRound(lr)
		b.report.raiseMemory(name, memLoad, peak)
	}
	return nil
}

// runLoad runs the load generator as a pinned child process and samples
// the server's VmRSS every 100 ms. It returns the result and the largest
// sample. sample, when not nil, receives each sample with the time since
// the load began.
func (b *bench) runLoad(ctx context.Context, p *serverProcess, spec loadgen.Spec, sample func(time.Duration, int64)) (loadgen.Result, int64, error) {
	in, err := json.Marshal(spec)
	if err != nil {
		return loadgen.Result{}, 0, err
	}
	cmd := b.pin.command(ctx, b.pin.loadCPU, b.self, childLoad)
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

// exitDetail adds a failed child's stderr to its error.
func exitDetail(err error) error {
	if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
		return fmt.Errorf("%w: %s", err, bytes.TrimSpace(ee.Stderr))
	}
	return err
}
