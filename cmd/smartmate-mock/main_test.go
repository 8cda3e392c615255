package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/smartmate/smartmate-mock/internal/syncbuf"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseOptionsFlagsAndEnvironment(t *testing.T) {
	t.Parallel()
	o, err := parseOptions(
		[]string{"start-dev", "--http-port", "9090", "--import-realm"},
		env(map[string]string{"KC_HTTP_PORT": "7070", "KC_HOSTNAME": "https://sso.example.test/auth", "SMARTMATE_MOCK_LOG_FORMAT": "json"}),
		io.Discard)
	if err != nil {
		t.Fatalf("parseOptions() error = %v", err)
	}
	got := struct {
		Port             int
		Hostname, Format string
		Imports          []string
	}{o.httpPort, o.hostname, o.logFormat, o.importRealms}
	want := struct {
		Port             int
		Hostname, Format string
		Imports          []string
	}{9090, "https://sso.example.test/auth", "json", []string{defaultImportDir}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
}

func TestParseOptionsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--log-format", "xml"}, nil, `invalid --log-format "xml": use text or json`},
		{[]string{"--http-port", "70000"}, nil, "invalid --http-port 70000: must be from 0 to 65535"},
		{nil, map[string]string{"KC_HTTP_PORT": "eighty"}, `invalid KC_HTTP_PORT="eighty"`},
		{[]string{"serve"}, nil, `unexpected argument "serve"`},
	}
	for _, tt := range tests {
		_, err := parseOptions(tt.args, env(tt.env), io.Discard)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("parseOptions(%q, %v) error = %v, want prefix %q", tt.args, tt.env, err, tt.want)
		}
	}
}

func TestFrontendURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		o    options
		port int
		want string
	}{
		{options{httpHost: "0.0.0.0"}, 8080, "http://127.0.0.1:8080"},
		{options{httpHost: "127.0.0.1", relativePath: "auth"}, 8080, "http://127.0.0.1:8080/auth"},
		{options{hostname: "idp.internal"}, 80, "http://idp.internal"},
		{options{hostname: "https://sso.example.test/kc/"}, 8080, "https://sso.example.test/kc"},
		{options{httpHost: "::1"}, 9000, "http://[::1]:9000"},
	}
	for _, tt := range tests {
		got, err := tt.o.frontendURL(tt.port)
		if err != nil || got != tt.want {
			t.Errorf("frontendURL(%+v, %d) = %q, %v; want %q", tt.o, tt.port, got, err, tt.want)
		}
	}
	if _, err := (&options{hostname: "ftp://x"}).frontendURL(1); err == nil {
		t.Error("frontendURL(ftp://x) error = nil, want an error")
	}
}

func TestRunServesAndStops(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncbuf.Buffer
	ready := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--http-host", "127.0.0.1", "--http-port", "0", "--http-relative-path", "/auth", "--log-format", "json"},
			env(nil), &logs, io.Discard, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("run() exited with %d before serving; logs:\n%s", code, logs.String())
	case <-time.After(10 * time.Second):
		t.Fatal("run() did not start within 10 s")
	}

	resp, err := http.PostForm("http://"+addr+"/auth/realms/demo/protocol/openid-connect/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {"demo-backend"}, "client_secret": {"demo-backend-secret"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || tok.AccessToken == "" || tok.ExpiresIn != 300 {
		t.Fatalf("token request: status %d, %+v, %v", resp.StatusCode, tok, err)
	}
	apiReq, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/workspaces/demo/graphql", strings.NewReader(`{"query":"{ apps { name } }"}`))
	apiReq.Header.Set("Content-Type", "application/json")
	apiReq.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	apiResp, err := http.DefaultClient.Do(apiReq)
	if err != nil {
		t.Fatal(err)
	}
	var apps struct {
		Data struct {
			Apps []struct{ Name string } `json:"apps"`
		} `json:"data"`
	}
	err = json.NewDecoder(apiResp.Body).Decode(&apps)
	apiResp.Body.Close()
	if err != nil || apiResp.StatusCode != 200 || len(apps.Data.Apps) == 0 {
		t.Errorf("GraphQL apps query: status %d, %+v, %v; want the demo apps", apiResp.StatusCode, apps, err)
	}

	if code := healthcheck(ctx, []string{"--url", "http://" + addr + "/auth/health/ready"}, env(nil), io.Discard); code != 0 {
		t.Errorf("healthcheck = %d, want 0", code)
	}

	cancel()
	if code := <-done; code != 0 {
		t.Errorf("run() = %d after shutdown, want 0", code)
	}
	out := logs.String()
	for _, want := range []string{`"msg":"realm ready"`, `/auth/realms/demo/.well-known/openid-configuration`, `"msg":"smartmate-mock started"`, `"msg":"smartmate-mock stopped"`} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "demo-backend-secret") || strings.Contains(out, tok.AccessToken) {
		t.Error("logs contain a secret or a token")
	}
}

func TestRunRejectsBrokenRealmFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := dir + "/broken.json"
	if err := writeFile(path, `{"realm": "x", "clients": [{"clientId": 7}]}`); err != nil {
		t.Fatal(err)
	}
	var logs syncbuf.Buffer
	code := run(context.Background(), []string{"--http-host", "127.0.0.1", "--http-port", "0", "--import-realm", path}, env(nil), &logs, io.Discard, nil)
	if code != 2 {
		t.Errorf("run() = %d, want 2", code)
	}
	if want := path + `: $.clients[0].clientId: expected a string, got JSON number`; !strings.Contains(logs.String(), want) {
		t.Errorf("logs lack %q:\n%s", want, logs.String())
	}
}

func TestHealthcheckFailsWithoutServer(t *testing.T) {
	t.Parallel()
	if code := healthcheck(context.Background(), []string{"--url", "http://127.0.0.1:1/health/ready"}, env(nil), io.Discard); code != 1 {
		t.Errorf("healthcheck = %d, want 1", code)
	}
}

func writeFile(path, content string) error {
	return os.WriteFile(path, []byte(content), 0o600)
}

func TestServeClosesStalledBody(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
	})
	go serve(ctx, ln, handler, slog.New(slog.DiscardHandler), nil, 200*time.Millisecond)

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The body promises 100 bytes and sends 11.
	if _, err := io.WriteString(conn, "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\ngrant_type="); err != nil {
		t.Fatal(err)
	}
	// The deadline only bounds this test if the server never closes the
	// connection; the server's own 200 ms read timeout is what closes it.
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.ReadAll(conn)
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		t.Fatal("the server kept a stalled request open for 10 s, want it closed by the read timeout")
	}
}
