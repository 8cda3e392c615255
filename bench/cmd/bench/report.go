package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/smartmate/smartmate-mock/bench/internal/loadgen"
)

const emulatorName = "smartmate-mock"

// peerNames lists the peers in the order of the comparison table.
var peerNames = []string{"mockoidc", "oauth2-mock-server", "oidc-provider"}

// opResult is the rounds of one operation on one server.
type opResult struct {
	target string
	op     string
	rates  []float64 // per round, successful requests per second
	// cpuRates are per round, successful requests per second of CPU time
	// that the server used, which other processes on the machine do not
	// change much.
	cpuRates   []float64
	p50        []time.Duration
	p99        []time.Duration
	errors     int64
	requests   int64
	firstError string
	skipped    string // reason the operation was not measured
}

func (r *opResult) addRound(lr loadgen.Result) {
	r.rates = append(r.rates, lr.Rate)
	r.p50 = append(r.p50, lr.P50)
	r.p99 = append(r.p99, lr.P99)
	r.errors += lr.Errors
	r.requests += lr.Requests
	if r.firstError == "" {
		r.firstError = lr.FirstError
	}
}

// summary is the median, minimum and maximum of a set of rounds.
type summary struct{ median, min, max float64 }

func summarize(values []float64) summary {
	if len(values) == 0 {
		return summary{}
	}
	s := slices.Clone(values)
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return summary{median: med, min: s[0], max: s[len(s)-1]}
}

func durations(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = float64(d)
	}
	return out
}

// Memory figures per server.
const (
	memIdle = "idle"
	memLoad = "load"
)

// report collects a run's figures and writes them as text and Markdown.
type report struct {
	opts       *options
	pinned     string
	results    []*opResult
	coldStarts map[string][]time.Duration
	memory     map[string]map[string]int64
	sessions   []*sessionRun
	notes      []string
	wallTime   time.Duration
}

func newReport(opts *options) *report {
	return &report{opts: opts, coldStarts: map[string][]time.Duration{}, memory: map[string]map[string]int64{}}
}

func (r *report) add(res *opResult) { r.results = append(r.results, res) }

func (r *report) addNote(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

func (r *report) addColdStart(name string, d time.Duration) {
	r.coldStarts[name] = append(r.coldStarts[name], d)
}

func (r *report) setMemory(name, kind string, bytes int64) {
	if r.memory[name] == nil {
		r.memory[name] = map[string]int64{}
	}
	r.memory[name][kind] = bytes
}

func (r *report) raiseMemory(name, kind string, bytes int64) {
	if bytes > r.memory[name][kind] {
		r.setMemory(name, kind, bytes)
	}
}

func (r *report) find(target, op string) *opResult {
	for _, res := range r.results {
		if res.target == target && res.op == op && res.skipped == "" && len(res.rates) > 0 {
			return res
		}
	}
	return nil
}

// rate returns the median requests per second of an operation, or 0.
func (r *report) rate(target, op string) float64 {
	if res := r.find(target, op); res != nil {
		return summarize(res.rates).median
	}
	return 0
}

// cpuRate returns the median requests per CPU-second of an operation, or 0.
func (r *report) cpuRate(target, op string) float64 {
	if res := r.find(target, op); res != nil {
		return summarize(res.cpuRates).median
	}
	return 0
}

// fastestPeer returns the peer with the highest median requests per
// CPU-second for op.
func (r *report) fastestPeer(op string) (string, float64) {
	best, rate := "", 0.0
	for _, name := range peerNames {
		if v := r.cpuRate(name, op); v > rate {
			best, rate = name, v
		}
	}
	return best, rate
}

// goal is one of the project's performance goals, with the measured value.
type goal struct {
	name     string
	want     string
	measured string
	met      string // "yes", "no" or "not measured"
}

func ratioGoal(name string, num, den, min float64, detail string) goal {
	g := goal{name: name, want: fmt.Sprintf(">= %.2f", min)}
	if num == 0 || den == 0 {
		g.measured, g.met = "–", "not measured"
		return g
	}
	ratio := num / den
	g.measured = fmt.Sprintf("%.2f (%s)", ratio, detail)
	g.met = yesNo(ratio >= min)
	return g
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

func (r *report) goals() []goal {
	cc := r.cpuRate(emulatorName, opClientCredentials)
	sign := r.cpuRate("go-jose", opSign)
	peerCC := r.cpuRate("oauth2-mock-server", opClientCredentials)

	out := []goal{
		ratioGoal("client credentials / raw RS256 signing, same core", cc, sign, 0.85,
			fmt.Sprintf("%.0f / %.0f per CPU-s", cc, sign)),
		ratioGoal("client credentials / oauth2-mock-server", cc, peerCC, 1.5,
			fmt.Sprintf("%.0f / %.0f per CPU-s", cc, peerCC)),
	}
	for _, op := range []string{opDiscovery, opJWKS} {
		mine := r.cpuRate(emulatorName, op)
		peer, best := r.fastestPeer(op)
		out = append(out, ratioGoal(op+" / fastest peer", mine, best, 1.2,
			fmt.Sprintf("%.0f / %.0f per CPU-s, %s", mine, best, peer)))
	}

	cold := goal{name: "cold start to first discovery answer", want: "<= 50 ms", measured: "–", met: "not measured"}
	if s := r.coldStarts[emulatorName]; len(s) > 0 {
		med := time.Duration(summarize(durations(s)).median)
		cold.measured = fmt.Sprintf("%.1f ms (median of %d)", ms(med), len(s))
		cold.met = yesNo(med <= 50*time.Millisecond)
	}
	idle := goal{name: "resident memory, idle", want: "<= 30 MiB", measured: "–", met: "not measured"}
	if v, ok := r.memory[emulatorName][memIdle]; ok {
		idle.measured = mib(v)
		idle.met = yesNo(v <= 30<<20)
	}
	out = append(out, cold, idle)
	cached, noAuth := r.cpuRate(emulatorName, opGraphQLCached), r.cpuRate(emulatorName, opGraphQLNoAuth)
	out = append(out, ratioGoal("GraphQL with cached token / auth off", cached, noAuth, 0.9,
		fmt.Sprintf("%.0f / %.0f per CPU-s", cached, noAuth)))
	return out
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func fmtLatency(d float64) string {
	switch {
	case d == 0:
		return "–"
	case d < float64(time.Millisecond):
		return fmt.Sprintf("%.0f µs", d/float64(time.Microsecond))
	default:
		return fmt.Sprintf("%.2f ms", d/float64(time.Millisecond))
	}
}

// machine describes the host for the report.
func machine() []string {
	cpu := "unknown"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if name, value, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(name) == "model name" {
				cpu = strings.TrimSpace(value)
				break
			}
		}
		f.Close()
	}
	kernel := "unknown"
	if out, err := exec.Command("uname", "-sr").Output(); err == nil {
		kernel = strings.TrimSpace(string(out))
	}
	node := "not installed"
	if out, err := exec.Command("node", "--version").Output(); err == nil {
		node = strings.TrimSpace(string(out))
	}
	return []string{
		fmt.Sprintf("CPU: %s, %d cores (nproc)", cpu, runtime.NumCPU()),
		fmt.Sprintf("OS: %s", kernel),
		fmt.Sprintf("Go: %s, Node: %s", runtime.Version(), node),
	}
}

// markdown renders the results as Markdown tables.
func (r *report) markdown() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	w("Command: `cd bench && go run ./cmd/bench %s`, %d round(s) of %v per operation, %d connections, run took %v.\n\n",
		strings.Join(r.opts.args, " "), r.opts.rounds, r.opts.duration, r.opts.conns, r.wallTime.Round(time.Second))
	for _, line := range machine() {
		w("- %s\n", line)
	}
	if r.pinned != "" {
		w("- Pinning: %s\n", r.pinned)
	}
	w("\n")

	w("### Goals\n\n| goal | target | measured | met |\n|---|---|---|---|\n")
	for _, g := range r.goals() {
		w("| %s | %s | %s | %s |\n", g.name, g.want, g.measured, g.met)
	}

	w("\n### Throughput and latency\n\nreq/s: successful requests per second of wall-clock time, the median of the rounds with the minimum and maximum. per CPU-s: successful requests per second of CPU time that the server used, the median of the rounds; the goals and the comparison use it, because other processes on a shared machine lower the first figure but hardly the second. Latency: median over the rounds of each round's p50 and p99.\n\n")
	w("| server | operation | req/s | min | max | per CPU-s | p50 | p99 | errors |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, res := range r.results {
		if res.skipped != "" {
			w("| %s | %s | skipped: %s | | | | | | |\n", res.target, res.op, escapePipes(res.skipped))
			continue
		}
		s := summarize(res.rates)
		p50, p99 := "–", "–"
		if len(res.p50) > 0 {
			p50 = fmtLatency(summarize(durations(res.p50)).median)
			p99 = fmtLatency(summarize(durations(res.p99)).median)
		}
		w("| %s | %s | %.0f | %.0f | %.0f | %s | %s | %s | %d |\n", res.target, res.op, s.median, s.min, s.max,
			fmtRate(summarize(res.cpuRates).median), p50, p99, res.errors)
	}

	w("\n### Same work, side by side\n\nMedian requests per CPU-second of each server; the last column is smartmate-mock divided by the fastest peer.\n\n")
	w("| operation | %s | %s | ratio |\n|---|---:|%s---:|\n", emulatorName, strings.Join(peerNames, " | "), strings.Repeat("---:|", len(peerNames)))
	for _, op := range []string{opDiscovery, opJWKS, opClientCredentials} {
		w("| %s | %s |", op, fmtRate(r.cpuRate(emulatorName, op)))
		for _, p := range peerNames {
			w(" %s |", fmtRate(r.cpuRate(p, op)))
		}
		_, best := r.fastestPeer(op)
		if mine := r.cpuRate(emulatorName, op); mine > 0 && best > 0 {
			w(" %.2f |\n", mine/best)
		} else {
			w(" – |\n")
		}
	}

	w("\n### Cold start and memory\n\nCold start: from spawning the process to the first 200 from its discovery endpoint, polled every 0.5 ms. Memory: VmRSS from /proc, 1 s after start (idle) and the highest sample during the load runs.\n\n")
	w("| server | cold start (median, min–max) | starts | RSS idle | RSS under load |\n|---|---:|---:|---:|---:|\n")
	for _, name := range append([]string{emulatorName}, peerNames...) {
		s, ok := r.coldStarts[name]
		if !ok {
			continue
		}
		cs := summarize(durations(s))
		w("| %s | %.1f ms (%.1f–%.1f) | %d | %s | %s |\n", name,
			cs.median/1e6, cs.min/1e6, cs.max/1e6, len(s),
			fmtMem(r.memory[name], memIdle), fmtMem(r.memory[name], memLoad))
	}

	if len(r.sessions) > 0 {
		w("\n### Memory over many sessions\n\nEach password grant creates a user session. Expired sessions are dropped when new ones arrive.\n\n")
		w("| run | grants | grants/s | RSS before | RSS after | RSS peak |\n|---|---:|---:|---:|---:|---:|\n")
		for _, s := range r.sessions {
			w("| %s | %d | %.0f | %s | %s | %s |\n", s.label, s.grants, s.rate, mib(s.before), mib(s.after), mib(s.peak))
		}
	}

	if len(r.notes) > 0 {
		w("\n### Notes\n\n")
		for _, n := range r.notes {
			w("- %s\n", n)
		}
	}
	return b.String()
}

func fmtRate(v float64) string {
	if v == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f", v)
}

func fmtMem(m map[string]int64, kind string) string {
	if v, ok := m[kind]; ok && v > 0 {
		return mib(v)
	}
	return "–"
}

func escapePipes(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return strings.ReplaceAll(s, "|", `\|`)
}

// Markers around the generated section of docs/benchmarks.md.
const (
	docsBegin = "<!-- bench:results:begin -->"
	docsEnd   = "<!-- bench:results:end -->"
)

// write prints the report and, with a docs folder, writes the plots and
// replaces the results section of benchmarks.md.
func (r *report) write(out io.Writer, docsDir string) error {
	md := r.markdown()
	if _, err := io.WriteString(out, "\n"+md); err != nil {
		return err
	}
	if docsDir == "" {
		return nil
	}
	if err := r.writePlots(docsDir); err != nil {
		return err
	}
	path := filepath.Join(docsDir, "benchmarks.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	begin, end := bytes.Index(doc, []byte(docsBegin)), bytes.Index(doc, []byte(docsEnd))
	if begin < 0 || end < begin {
		return fmt.Errorf("%s has no %s … %s section to replace", path, docsBegin, docsEnd)
	}
	var next bytes.Buffer
	next.Write(doc[:begin+len(docsBegin)])
	next.WriteString("\n" + md + "\n")
	next.Write(doc[end:])
	if err := os.WriteFile(path, next.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nwrote %s and the plots next to it\n", path)
	return nil
}
