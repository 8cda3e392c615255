package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smartmate/smartmate-mock/bench/internal/loadgen"
)

// childFlow is the child process that drives auth-code round trips.
const childFlow = "flow"

// flowSpec describes an auth-code load run: each round trip opens the
// authorization URL, posts the login form and exchanges the code with
// PKCE, like a browser without JavaScript.
type flowSpec struct {
	Addr        string        `json:"addr"`
	Conns       int           `json:"conns"`
	Duration    time.Duration `json:"duration"`
	MaxRequests int64         `json:"max_requests"`
}

// Client and user of the demo realm for the round trip. demo-web is a
// public client that requires PKCE with S256.
const (
	flowClient   = "demo-web"
	flowRedirect = "http://localhost:3000/callback"
)

var formAction = regexp.MustCompile(`<form id="kc-form-login" method="post" action="([^"]+)"`)

// runFlowChild reads a flowSpec as JSON from stdin, drives round trips
// until its duration ends or it has made MaxRequests of them, and writes a
// loadgen.Result as JSON to stdout. Requests count whole round trips.
func runFlowChild(stdin io.Reader, stdout io.Writer) error {
	var spec flowSpec
	if err := json.NewDecoder(stdin).Decode(&spec); err != nil {
		return fmt.Errorf("reading the flow spec from stdin: %w", err)
	}
	if spec.Duration <= 0 {
		return errors.New("flow: duration must be positive, because every load is bounded in time")
	}
	ctx, cancel := context.WithTimeout(context.Background(), spec.Duration)
	defer cancel()
	transport := &http.Transport{MaxIdleConnsPerHost: max(spec.Conns, 1)}
	var budget atomic.Int64
	budget.Store(spec.MaxRequests)

	var mu sync.Mutex
	var latencies []time.Duration
	res := loadgen.Result{}
	var wg sync.WaitGroup
	start := time.Now()
	for range max(spec.Conns, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			var requests, failures int64
			var firstErr error
			for ctx.Err() == nil {
				if spec.MaxRequests > 0 && budget.Add(-1) < 0 {
					break
				}
				began := time.Now()
				err := authCodeRoundTrip(ctx, transport, spec.Addr)
				if err != nil && ctx.Err() != nil {
					break
				}
				requests++
				mine = append(mine, time.Since(began))
				if err != nil {
					failures++
					if firstErr == nil {
						firstErr = err
					}
				}
			}
			mu.Lock()
			defer mu.Unlock()
			latencies = append(latencies, mine...)
			res.Requests += requests
			res.Errors += failures
			if res.FirstError == "" && firstErr != nil {
				res.FirstError = firstErr.Error()
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	slices.Sort(latencies)
	res.P50, res.P99 = loadgen.Percentile(latencies, 0.50), loadgen.Percentile(latencies, 0.99)
	if len(latencies) > 0 {
		res.Max = latencies[len(latencies)-1]
	}
	res.Rate = float64(res.Requests-res.Errors) / res.Elapsed.Seconds()
	return json.NewEncoder(stdout).Encode(res)
}

// pkceVerifier is the PKCE code verifier of every round trip. Reusing one
// is fine for load: the emulator checks it against each request's
// challenge, which is the same.
const pkceVerifier = "bench-verifier-0123456789abcdefghijklmnopqrstuvwxyz"

// authCodeRoundTrip signs alice in through the login form of the demo
// realm, with a fresh cookie jar, and exchanges the code for tokens.
func authCodeRoundTrip(ctx context.Context, transport http.RoundTripper, addr string) error {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return err
	}
	client := &http.Client{
		Transport:     transport,
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	issuer := "http://" + addr + demoRealmPath
	sum := sha256.Sum256([]byte(pkceVerifier))
	q := url.Values{
		"client_id": {flowClient}, "redirect_uri": {flowRedirect}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"bench"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}

	page, status, _, err := roundTripStep(ctx, client, http.MethodGet, issuer+"/protocol/openid-connect/auth?"+q.Encode(), nil)
	if err != nil {
		return fmt.Errorf("authorization request: %w", err)
	}
	m := formAction.FindSubmatch(page)
	if status != http.StatusOK || m == nil {
		return fmt.Errorf("authorization request: status %d and no login form", status)
	}
	action := html.UnescapeString(string(m[1]))

	login := url.Values{"username": {demoUser}, "password": {demoPassword}, "credentialId": {""}}
	_, status, location, err := roundTripStep(ctx, client, http.MethodPost, action, login)
	if err != nil {
		return fmt.Errorf("login form: %w", err)
	}
	redirect, err := url.Parse(location)
	if status != http.StatusFound || err != nil || redirect.Query().Get("code") == "" {
		return fmt.Errorf("login form: status %d, Location %q, want 302 with a code", status, location)
	}

	exchange := url.Values{
		"grant_type": {"authorization_code"}, "client_id": {flowClient}, "redirect_uri": {flowRedirect},
		"code": {redirect.Query().Get("code")}, "code_verifier": {pkceVerifier},
	}
	body, status, _, err := roundTripStep(ctx, client, http.MethodPost, issuer+"/protocol/openid-connect/token", exchange)
	if err != nil {
		return fmt.Errorf("code exchange: %w", err)
	}
	if status != http.StatusOK || !strings.Contains(string(body), `"id_token"`) {
		return fmt.Errorf("code exchange: status %d, body %.200s", status, body)
	}
	return nil
}

// roundTripStep sends one request, with form as the body when it is not
// nil, and returns the body, status and Location header.
func roundTripStep(ctx context.Context, client *http.Client, method, target string, form url.Values) ([]byte, int, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, 0, "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return data, resp.StatusCode, resp.Header.Get("Location"), err
}
