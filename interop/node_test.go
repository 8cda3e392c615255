package interop

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smartmate/smartmate-mock/internal/syncbuf"
)

// nodeProcess is the `node node/openid-client.mjs` process that the
// package's tests share. Requests go to its stdin and responses come back
// on its stdout, one JSON object per line, matched by id.
type nodeProcess struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *syncbuf.Buffer
	exited chan struct{} // closed when stdout ends

	configs atomic.Int64 // numbers the configurations, whose names must differ

	mu      sync.Mutex
	nextID  int                       // guarded by mu
	pending map[int]chan nodeResponse // guarded by mu
}

type nodeRequest struct {
	ID   int    `json:"id"`
	Op   string `json:"op"`
	Args any    `json:"args"`
}

type nodeResponse struct {
	ID     int             `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *nodeError      `json:"error"`
}

// nodeError is an error that openid-client raised, as the script reports
// it: the error class, its message and, for OAuth errors, the error code.
type nodeError struct {
	Name             string `json:"name"`
	Message          string `json:"message"`
	Code             string `json:"code"`
	OAuthError       string `json:"error"`
	ErrorDescription string `json:"error_description"`
	Status           int    `json:"status"`
	Cause            string `json:"cause"`
}

func (e *nodeError) Error() string {
	msg := e.Name + ": " + e.Message
	if e.Code != "" {
		msg += " (" + e.Code + ")"
	}
	if e.OAuthError != "" {
		msg += fmt.Sprintf(" [%s: %s]", e.OAuthError, e.ErrorDescription)
	}
	if e.Cause != "" && e.Cause != e.Message {
		msg += ": " + e.Cause
	}
	return msg
}

// shared holds the Node.js process and the browser that the package's
// tests share. TestMain stops them.
var shared struct {
	nodeOnce sync.Once
	node     *nodeProcess
	nodeErr  error

	browserOnce sync.Once
	browser     *browser
	browserErr  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.node != nil {
		shared.node.close()
	}
	if shared.browser != nil {
		shared.browser.close()
	}
	os.Exit(code)
}

// requireTool skips the test when a tool that it needs is missing, or
// fails it when CI is "true", because CI must run every test.
func requireTool(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%v (CI=true, so this fails instead of skipping)", err)
	}
	t.Skipf("skipped: %v", err)
}

// openIDClient returns the shared Node.js process, starting it and
// installing the npm packages on first use.
func openIDClient(t testing.TB) *nodeProcess {
	t.Helper()
	shared.nodeOnce.Do(func() {
		shared.node, shared.nodeErr = startNode()
	})
	requireTool(t, shared.nodeErr)
	return shared.node
}

func startNode() (*nodeProcess, error) {
	if _, err := exec.LookPath("node"); err != nil {
		return nil, fmt.Errorf("node not found in PATH: install Node.js 20 or later to run the openid-client and keycloak-js tests")
	}
	if err := installNodeDeps(); err != nil {
		return nil, err
	}
	cmd := exec.Command("node", "node/openid-client.mjs")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p := &nodeProcess{cmd: cmd, stdin: stdin, stderr: &syncbuf.Buffer{}, exited: make(chan struct{}), pending: map[int]chan nodeResponse{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting node node/openid-client.mjs: %w", err)
	}
	go p.readResponses(stdout)
	return p, nil
}

// installNodeDeps runs scripts/install-node-deps.sh, which runs npm ci
// when node_modules is missing or older than package-lock.json.
func installNodeDeps() error {
	out, err := exec.Command("bash", "../scripts/install-node-deps.sh").CombinedOutput()
	if err != nil {
		return fmt.Errorf("scripts/install-node-deps.sh failed: %w\n%s", err, out)
	}
	return nil
}

func (p *nodeProcess) readResponses(stdout io.Reader) {
	defer close(p.exited)
	scanner := bufio.NewScanner(stdout)
	scanner.Buffer(make([]byte, 64<<10), 4<<20)
	for scanner.Scan() {
		var resp nodeResponse
		if err := json.Unmarshal(scanner.Bytes(), &resp); err != nil {
			fmt.Fprintf(p.stderr, "interop: response line is not JSON: %v: %.200s\n", err, scanner.Bytes())
			continue
		}
		p.mu.Lock()
		ch := p.pending[resp.ID]
		delete(p.pending, resp.ID)
		p.mu.Unlock()
		if ch != nil {
			ch <- resp
		}
	}
}

// call runs one operation of openid-client.mjs and decodes its result into
// out. An error that openid-client raised is a *nodeError; any other error
// means that the process failed.
func (p *nodeProcess) call(ctx context.Context, op string, args, out any) error {
	ch := make(chan nodeResponse, 1)
	p.mu.Lock()
	p.nextID++
	id := p.nextID
	p.pending[id] = ch
	line, err := json.Marshal(nodeRequest{ID: id, Op: op, Args: args})
	if err == nil {
		_, err = p.stdin.Write(append(line, '\n'))
	}
	p.mu.Unlock()
	if err != nil {
		return fmt.Errorf("sending %s to node: %w", op, err)
	}

	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	select {
	case resp := <-ch:
		if resp.Error != nil {
			return resp.Error
		}
		if out == nil {
			return nil
		}
		return json.Unmarshal(resp.Result, out)
	case <-p.exited:
		return fmt.Errorf("node exited during %s; stderr:\n%s", op, p.stderr.String())
	case <-ctx.Done():
		return fmt.Errorf("node did not answer %s: %w; stderr:\n%s", op, ctx.Err(), p.stderr.String())
	}
}

// mustCall is call for steps that must succeed.
func (p *nodeProcess) mustCall(t testing.TB, op string, args, out any) {
	t.Helper()
	if err := p.call(context.Background(), op, args, out); err != nil {
		t.Fatalf("openid-client %s: %v", op, err)
	}
}

// close ends the process by closing its stdin, and kills it if it does
// not exit within a few seconds.
func (p *nodeProcess) close() {
	p.stdin.Close()
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
	}
	_ = p.cmd.Wait()
}

// isLibraryError reports whether err was raised by openid-client, as
// opposed to a failure of the process.
func isLibraryError(err error) bool {
	var ne *nodeError
	return errors.As(err, &ne)
}
