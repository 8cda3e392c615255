package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/smartmate/smartmate-mock/bench/internal/loadgen"
	"github.com/smartmate/smartmate-mock/fixtures"
)

// measureColdStarts starts the emulator again and again and records the
// time from spawning the process to the first 200 from discovery. The
// start in measureTarget is the first sample.
func (b *bench) measureColdStarts(ctx context.Context, t target) error {
	b.logf("%s cold start, %d more start(s)", t.name, b.opts.coldStarts-1)
	for range b.opts.coldStarts - 1 {
		addr, err := freeLoopbackAddr()
		if err != nil {
			return err
		}
		p, err := startServer(ctx, t.name, t.command(ctx, b.pin, addr), addr, t.readyPath, 30*time.Second)
		if err != nil {
			return err
		}
		b.report.addColdStart(t.name, p.ready)
		p.stop()
	}
	return nil
}

// sessionRun is the memory run: password grants that each create a user
// session, with the server's VmRSS sampled as they run.
type sessionRun struct {
	label    string
	idle     time.Duration
	grants   int64
	rate     float64
	before   int64
	after    int64
	peak     int64
	samples  []rssSample
	duration time.Duration
}

type rssSample struct {
	at  time.Duration
	rss int64
}

// measureSessions issues the configured number of password grants twice:
// once with the demo realm's 30-minute session idle timeout, where every
// session stays in memory, and once with a short timeout, where expired
// sessions are dropped and memory levels off.
func (b *bench) measureSessions(ctx context.Context, bin string) error {
	short, err := b.writeRealmWithIdle(b.opts.sessionIdle)
	if err != nil {
		return err
	}
	type memoryRun struct {
		label string
		idle  time.Duration
		args  []string
	}
	runs := []memoryRun{{"demo realm, 30 min session idle", 30 * time.Minute, nil}}
	if b.opts.sessionIdle > 0 {
		runs = append(runs, memoryRun{fmt.Sprintf("session idle %v", b.opts.sessionIdle), b.opts.sessionIdle, []string{"--import-realm", short}})
	}
	for _, r := range runs {
		b.logf("memory: %d password grants, %s", b.opts.sessions, r.label)
		sr, err := b.sessionRun(ctx, emulatorTarget(bin, r.args...), r.label, r.idle)
		if err != nil {
			return err
		}
		b.report.sessions = append(b.report.sessions, sr)
	}
	return nil
}

func (b *bench) sessionRun(ctx context.Context, t target, label string, idle time.Duration) (*sessionRun, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	p, err := startServer(ctx, t.name, t.command(ctx, b.pin, addr), addr, t.readyPath, 30*time.Second)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	sr := &sessionRun{label: label, idle: idle}
	time.Sleep(500 * time.Millisecond)
	sr.before, _, _ = p.rss()

	spec := loadgen.Spec{
		Addr:        addr,
		Requests:    []loadgen.Request{passwordGrant},
		Conns:       b.opts.conns,
		MaxRequests: int64(b.opts.sessions),
		// Bounded in time too: at least 100 grants per second, which
		// every build reaches.
		Duration: max(time.Minute, time.Duration(b.opts.sessions/100)*time.Second),
	}
	res, peak, err := b.runLoad(ctx, p, childLoad, spec, func(at time.Duration, rss int64) {
		sr.samples = append(sr.samples, rssSample{at: at, rss: rss})
	})
	if err != nil {
		return nil, fmt.Errorf("memory run: %w", err)
	}

	if res.Errors > 0 {
		b.report.addNote("Memory run (%s): %d of %d grants failed; first error: %s", label, res.Errors, res.Requests, res.FirstError)
	}
	sr.grants, sr.rate, sr.duration, sr.peak = res.Requests-res.Errors, res.Rate, res.Elapsed, peak
	sr.after, _, _ = p.rss()
	return sr, nil
}

// writeRealmWithIdle writes the demo realm with another SSO session idle
// timeout and returns the file's path. The emulator loads it in place of
// the embedded demo realm.
func (b *bench) writeRealmWithIdle(idle time.Duration) (string, error) {
	var realm map[string]any
	if err := json.Unmarshal(fixtures.DemoRealm(), &realm); err != nil {
		return "", fmt.Errorf("reading the demo realm: %w", err)
	}
	realm["ssoSessionIdleTimeout"] = int(idle / time.Second)
	data, err := json.Marshal(realm)
	if err != nil {
		return "", err
	}
	path := filepath.Join(b.tmp, "demo-short-sessions.json")
	return path, os.WriteFile(path, data, 0o600)
}

// peerTargets returns the peers that can run here and notes the ones
// that cannot.
func (b *bench) peerTargets(ctx context.Context) []target {
	var targets []target
	bin := filepath.Join(b.tmp, "mockoidc-peer")
	if err := goBuild(ctx, ".", bin, "./cmd/mockoidc-peer", ""); err != nil {
		b.report.addNote("mockoidc: not measured, the build failed: %v", err)
	} else {
		targets = append(targets, mockoidcTarget(bin))
	}
	nodeDir, err := filepath.Abs("node")
	if err != nil {
		return targets
	}
	if err := prepareNodePeers(ctx, nodeDir); err != nil {
		b.report.addNote("Node peers: not measured: %v", err)
		return targets
	}
	return append(targets, oauth2MockServerTarget(nodeDir), oidcProviderTarget(nodeDir))
}

// prepareNodePeers installs the Node peers from the committed lock file
// unless they are installed already.
func prepareNodePeers(ctx context.Context, dir string) error {
	if _, err := exec.LookPath("node"); err != nil {
		return fmt.Errorf("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "oidc-provider")); err == nil {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "oauth2-mock-server")); err == nil {
			return nil
		}
	}
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm ci in %s failed: %w\n%s", dir, err, out)
	}
	return nil
}
