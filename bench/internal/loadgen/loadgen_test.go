package loadgen

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestReadResponseFraming(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		raw        string
		wantStatus int
		wantKeep   bool
	}{
		{"content length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 200, true},
		{"chunked", "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3;x=y\r\nabc\r\n0\r\nTrailer: v\r\n\r\n", 201, true},
		{"connection close", "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", 400, false},
		{"no length", "HTTP/1.1 200 OK\r\n\r\nuntil the end", 200, false},
		{"no content", "HTTP/1.1 204 No Content\r\n\r\n", 204, true},
		{"http 1.0", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 200, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// A second response after the first proves the body was consumed
			// exactly.
			next := "HTTP/1.1 299 Next\r\nContent-Length: 0\r\n\r\n"
			br := bufio.NewReader(strings.NewReader(tc.raw + next))
			status, keep, err := ReadResponse(br)
			if err != nil {
				t.Fatalf("ReadResponse() error = %v", err)
			}
			if status != tc.wantStatus {
				t.Errorf("status = %d, want %d", status, tc.wantStatus)
			}
			if keep != tc.wantKeep {
				t.Errorf("keep = %v, want %v", keep, tc.wantKeep)
			}
			if !tc.wantKeep {
				return
			}
			status, _, err = ReadResponse(br)
			if err != nil || status != 299 {
				t.Errorf("next response: status = %d, error = %v; want 299 and no error", status, err)
			}
		})
	}
}

func TestReadResponseMalformed(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"HTTP/1.1 2x0 OK\r\n\r\n",
		"SMTP 220\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	} {
		if _, _, err := ReadResponse(bufio.NewReader(strings.NewReader(raw))); err == nil {
			t.Errorf("ReadResponse(%q) error = nil, want an error", raw)
		}
	}
}

func TestRunCountsRequestsAndErrors(t *testing.T) {
	t.Parallel()
	var served, teapots atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		served.Add(1)
		switch r.URL.Path {
		case "/chunked":
			w.Write([]byte("part one "))
			w.(http.Flusher).Flush()
			w.Write(body)
		case "/close":
			w.Header().Set("Connection", "close")
			w.Write([]byte("bye"))
		default:
			teapots.Add(1)
			w.WriteHeader(http.StatusTeapot)
		}
	}))
	t.Cleanup(srv.Close)
	addr := strings.TrimPrefix(srv.URL, "http://")

	res, err := Run(context.Background(), Spec{
		Addr: addr,
		Requests: []Request{
			{Method: "POST", Path: "/chunked", Body: "grant_type=x", Header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
			{Path: "/close"},
			{Path: "/teapot"},
		},
		Conns:       3,
		Duration:    10 * time.Second,
		MaxRequests: 300,
	})
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	if res.Requests != 300 {
		t.Errorf("Requests = %d, want 300", res.Requests)
	}
	if got := served.Load(); got != 300 {
		t.Errorf("server saw %d requests, want 300", got)
	}
	// Each connection sends the three requests in turn, so about a third
	// go to /teapot, and each of its 418 responses is an error.
	if got := teapots.Load(); res.Errors != got || got < 90 || got > 110 {
		t.Errorf("Errors = %d, /teapot served %d; want equal and about 100 (first error: %s)", res.Errors, got, res.FirstError)
	}
	if res.P50 <= 0 || res.P99 < res.P50 || res.Max < res.P99 {
		t.Errorf("latencies p50=%v p99=%v max=%v, want 0 < p50 <= p99 <= max", res.P50, res.P99, res.Max)
	}
}

func TestRunRejectsUnboundedLoad(t *testing.T) {
	t.Parallel()
	_, err := Run(context.Background(), Spec{Addr: "127.0.0.1:1", Requests: []Request{{Path: "/"}}})
	if err == nil {
		t.Fatal("Run() without a duration: error = nil, want an error")
	}
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	sorted := make([]time.Duration, 100)
	for i := range sorted {
		sorted[i] = time.Duration(i + 1)
	}
	if got := Percentile(sorted, 0.5); got != 50 {
		t.Errorf("p50 = %d, want 50", got)
	}
	if got := Percentile(sorted, 0.99); got != 99 {
		t.Errorf("p99 = %d, want 99", got)
	}
	if got := Percentile(nil, 0.5); got != 0 {
		t.Errorf("p50 of none = %d, want 0", got)
	}
}
