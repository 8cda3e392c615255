package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Request is one HTTP request to send.
type Request struct {
	Method string            `json:"method"`
	Path   string            `json:"path"`
	Header map[string]string `json:"header,omitempty"`
	Body   string            `json:"body,omitempty"`
}

// Encode returns the request as HTTP/1.1 bytes for host, with a
// Content-Length header when it has a body.
func (r Request) Encode(host string) []byte {
	var b bytes.Buffer
	method := r.Method
	if method == "" {
		method = "GET"
	}
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, r.Path, host)
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\r\n", k, r.Header[k])
	}
	if r.Body != "" || method == "POST" {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(r.Body))
	}
	b.WriteString("\r\n")
	b.WriteString(r.Body)
	return b.Bytes()
}

// Spec describes one load run.
type Spec struct {
	Addr string `json:"addr"` // host:port on loopback
	// Requests are sent in turn by each connection, starting at an offset
	// that differs per connection.
	Requests    []Request     `json:"requests"`
	Conns       int           `json:"conns"`
	Warmup      time.Duration `json:"warmup"`
	Duration    time.Duration `json:"duration"`
	MaxRequests int64         `json:"max_requests"` // 0: bounded by Duration only
}

// Result is the outcome of a run, warm-up excluded.
type Result struct {
	Requests int64         `json:"requests"`
	Errors   int64         `json:"errors"` // transport errors and statuses other than 2xx and 3xx
	Elapsed  time.Duration `json:"elapsed"`
	Rate     float64       `json:"rate"` // successful requests per second
	P50      time.Duration `json:"p50"`
	P99      time.Duration `json:"p99"`
	Max      time.Duration `json:"max"`
	// FirstError describes the first failure, for the report.
	FirstError string `json:"first_error,omitempty"`
}

// Run drives the load described by spec until its duration ends, it has
// sent MaxRequests requests, or ctx ends.
func Run(ctx context.Context, spec Spec) (Result, error) {
	if len(spec.Requests) == 0 {
		return Result{}, errors.New("loadgen: no requests")
	}
	if spec.Conns <= 0 {
		spec.Conns = 1
	}
	if spec.Duration <= 0 {
		return Result{}, errors.New("loadgen: duration must be positive, because every load is bounded in time")
	}
	encoded := make([][]byte, len(spec.Requests))
	for i, r := range spec.Requests {
		encoded[i] = r.Encode(spec.Addr)
	}
	if spec.Warmup > 0 {
		warm := spec
		warm.Duration, warm.Warmup, warm.MaxRequests = spec.Warmup, 0, 0
		if _, err := run(ctx, warm, encoded); err != nil {
			return Result{}, err
		}
	}
	return run(ctx, spec, encoded)
}

type worker struct {
	latencies []time.Duration
	requests  int64
	errors    int64
	firstErr  error
}

func run(ctx context.Context, spec Spec, encoded [][]byte) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, spec.Duration)
	defer cancel()
	var budget atomic.Int64
	budget.Store(spec.MaxRequests)
	workers := make([]*worker, spec.Conns)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range workers {
		w := &worker{latencies: make([]time.Duration, 0, 4096)}
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop(ctx, spec, encoded, i, &budget)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	res := Result{Elapsed: elapsed}
	var all []time.Duration
	for _, w := range workers {
		res.Requests += w.requests
		res.Errors += w.errors
		all = append(all, w.latencies...)
		if res.FirstError == "" && w.firstErr != nil {
			res.FirstError = w.firstErr.Error()
		}
	}
	if res.Requests == 0 && res.FirstError != "" {
		return res, fmt.Errorf("loadgen: every request failed: %s", res.FirstError)
	}
	slices.Sort(all)
	res.P50, res.P99 = Percentile(all, 0.50), Percentile(all, 0.99)
	if len(all) > 0 {
		res.Max = all[len(all)-1]
	}
	res.Rate = float64(res.Requests-res.Errors) / elapsed.Seconds()
	return res, nil
}

// Percentile returns the q-quantile (0 to 1) of sorted durations by the
// nearest-rank method, or 0 for none.
func Percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func (w *worker) fail(err error) {
	w.errors++
	if w.firstErr == nil {
		w.firstErr = err
	}
}

// loop sends requests over one connection, reconnecting after errors and
// after responses that close the connection.
func (w *worker) loop(ctx context.Context, spec Spec, encoded [][]byte, offset int, budget *atomic.Int64) {
	var conn net.Conn
	var br *bufio.Reader
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	dialer := net.Dialer{Timeout: 5 * time.Second}
	for n := offset; ctx.Err() == nil; n++ {
		if spec.MaxRequests > 0 && budget.Add(-1) < 0 {
			return
		}
		if conn == nil {
			c, err := dialer.DialContext(ctx, "tcp", spec.Addr)
			if err != nil {
				if ctx.Err() == nil {
					w.requests++
					w.fail(err)
					time.Sleep(10 * time.Millisecond)
				}
				continue
			}
			conn, br = c, bufio.NewReaderSize(c, 32<<10)
		}
		deadline, _ := ctx.Deadline()
		_ = conn.SetDeadline(deadline.Add(5 * time.Second))
		began := time.Now()
		status, keep, err := roundTrip(conn, br, encoded[n%len(encoded)])
		took := time.Since(began)
		if err != nil {
			if ctx.Err() != nil && errors.Is(err, io.EOF) {
				return
			}
			w.requests++
			w.fail(err)
			conn.Close()
			conn = nil
			continue
		}
		w.requests++
		w.latencies = append(w.latencies, took)
		if status < 200 || status >= 400 {
			w.fail(fmt.Errorf("status %d", status))
		}
		if !keep {
			conn.Close()
			conn = nil
		}
	}
}

// roundTrip writes one request and reads its response, discarding the
// body. keep reports whether the connection can carry another request.
func roundTrip(conn net.Conn, br *bufio.Reader, req []byte) (status int, keep bool, err error) {
	if _, err := conn.Write(req); err != nil {
		return 0, false, err
	}
	return ReadResponse(br)
}

// ReadResponse reads one HTTP/1.1 response from br and discards its body,
// framed by Content-Length, chunked transfer coding or the end of the
// connection.
func ReadResponse(br *bufio.Reader) (status int, keep bool, err error) {
	line, err := readLine(br)
	if err != nil {
		return 0, false, err
	}
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, fmt.Errorf("malformed status line %q", line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, fmt.Errorf("malformed status line %q", line)
	}
	keep = line[7] == '1'
	length, chunked := int64(-1), false
	for {
		h, err := readLine(br)
		if err != nil {
			return 0, false, err
		}
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			return 0, false, fmt.Errorf("malformed header %q", h)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			length, err = strconv.ParseInt(string(value), 10, 64)
			if err != nil || length < 0 {
				return 0, false, fmt.Errorf("malformed Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			if bytes.EqualFold(value, []byte("close")) {
				keep = false
			} else if bytes.EqualFold(value, []byte("keep-alive")) {
				keep = true
			}
		}
	}
	switch {
	case status == 204 || status == 304 || (status >= 100 && status < 200):
		return status, keep, nil
	case chunked:
		return status, keep, discardChunked(br)
	case length >= 0:
		_, err := br.Discard(int(length))
		return status, keep, err
	default:
		_, err := io.Copy(io.Discard, br)
		return status, false, err
	}
}

func discardChunked(br *bufio.Reader) error {
	for {
		line, err := readLine(br)
		if err != nil {
			return err
		}
		sizeText, _, _ := bytes.Cut(line, []byte(";"))
		size, err := strconv.ParseInt(string(bytes.TrimSpace(sizeText)), 16, 64)
		if err != nil || size < 0 {
			return fmt.Errorf("malformed chunk size %q", line)
		}
		if size == 0 {
			// Trailer section, ended by an empty line.
			for {
				t, err := readLine(br)
				if err != nil {
					return err
				}
				if len(t) == 0 {
					return nil
				}
			}
		}
		if _, err := br.Discard(int(size) + 2); err != nil {
			return err
		}
	}
}

// readLine returns one CRLF-terminated line without its terminator. The
// slice is valid until the next read from br.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, errors.New("header line longer than the read buffer")
		}
		return nil, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}
