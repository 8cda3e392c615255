package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// pinning places the server processes and the load generator on separate
// cores with taskset. A zero pinning runs every process unpinned.
type pinning struct {
	serverCPU string
	loadCPU   string
}

func (p pinning) enabled() bool { return p.serverCPU != "" }

// command returns a command for bin, pinned to cpu when pinning is on.
// taskset execs bin in its own process, so the PID is bin's.
func (p pinning) command(ctx context.Context, cpu, bin string, args ...string) *exec.Cmd {
	if !p.enabled() {
		return exec.CommandContext(ctx, bin, args...)
	}
	return exec.CommandContext(ctx, "taskset", append([]string{"-c", cpu, bin}, args...)...)
}

// serverProcess is a started server under test.
type serverProcess struct {
	name    string
	cmd     *exec.Cmd
	addr    string // 127.0.0.1:port
	log     *lockedWriter
	exited  chan struct{} // closed when the process has exited
	started time.Time
	ready   time.Duration // from start to the first 200 from readyPath
}

// freeLoopbackAddr returns a loopback address with a port that was free a
// moment ago.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startServer runs a server and waits until GET readyPath returns 200,
// polling every half millisecond. The time it took is the cold start.
func startServer(ctx context.Context, name string, cmd *exec.Cmd, addr, readyPath string, timeout time.Duration) (*serverProcess, error) {
	var log bytes.Buffer
	out := &lockedWriter{w: &log}
	cmd.Stdout, cmd.Stderr = out, out
	p := &serverProcess{name: name, cmd: cmd, addr: addr, log: out, exited: make(chan struct{})}
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	exited := p.exited
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()

	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	url := "http://" + addr + readyPath
	deadline := time.Now().Add(timeout)
	for {
		resp, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				p.ready = time.Since(p.started)
				return p, nil
			}
		}
		select {
		case <-exited:
			return nil, fmt.Errorf("%s exited before responding to GET %s; its output:\n%s", name, readyPath, out.String())
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		case <-time.After(500 * time.Microsecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s did not respond to GET %s with 200 within %v; check its output:\n%s", name, readyPath, timeout, out.String())
		}
	}
}

// stop sends SIGTERM and waits for the process, killing it after five
// seconds.
func (p *serverProcess) stop() {
	if p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// rss returns the process's resident set size (VmRSS) and its peak
// (VmHWM) from /proc, in bytes.
func (p *serverProcess) rss() (rss, peak int64, err error) {
	return readRSS(p.cmd.Process.Pid)
}

func readRSS(pid int) (rss, peak int64, err error) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("parsing %s %q: %w", name, value, err)
		}
		if name == "VmRSS" {
			rss = kib << 10
		} else {
			peak = kib << 10
		}
	}
	if rss == 0 {
		return 0, 0, errors.New("no VmRSS line in /proc/PID/status")
	}
	return rss, peak, sc.Err()
}

// clockTicksPerSecond is the unit of the CPU times in /proc/PID/stat,
// USER_HZ, which Linux fixes at 100 on every architecture it exports to
// user space.
const clockTicksPerSecond = 100

// cpuTime returns the CPU time, user and system, that the process and all
// its threads have used, from /proc/PID/stat.
func (p *serverProcess) cpuTime() (time.Duration, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p.cmd.Process.Pid), "stat"))
	if err != nil {
		return 0, err
	}
	// The command name, field 2, is in parentheses and may contain
	// spaces, so the fields are counted from the last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc/PID/stat: %.80q", data)
	}
	fields := strings.Fields(string(data[i+1:]))
	// fields[0] is field 3 (state), so utime (14) and stime (15) are at
	// 11 and 12.
	if len(fields) < 13 {
		return 0, fmt.Errorf("malformed /proc/PID/stat: %.80q", data)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed CPU times in /proc/PID/stat: %q %q", fields[11], fields[12])
	}
	return time.Duration(utime+stime) * time.Second / clockTicksPerSecond, nil
}

// lockedWriter lets a command's stdout and stderr share one buffer.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}
