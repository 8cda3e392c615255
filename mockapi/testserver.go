package mockapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestServer is the apps API listening on a loopback port, for tests, in
// the manner of net/http/httptest.Server. Each TestServer has its own app
// store, so parallel tests never share state.
type TestServer struct {
	srv *httptest.Server
	api *Handler
	tb  testing.TB
}

// NewTestServer starts the API with cfg on a 127.0.0.1 port and closes it
// when the test ends. Point cfg.Issuer and cfg.Keys at the emulator, or at
// any Keycloak, as for New.
func NewTestServer(tb testing.TB, cfg Config) *TestServer {
	tb.Helper()
	api, err := New(cfg)
	if err != nil {
		tb.Fatalf("mockapi: starting the test server failed: %v", err)
	}
	srv := httptest.NewServer(api)
	tb.Cleanup(srv.Close)
	return &TestServer{srv: srv, api: api, tb: tb}
}

// URL returns the server's base URL, such as http://127.0.0.1:43121.
func (ts *TestServer) URL() string { return ts.srv.URL }

// GraphQLURL returns the GraphQL endpoint of workspace.
func (ts *TestServer) GraphQLURL(workspace string) string {
	return ts.srv.URL + "/workspaces/" + workspace + "/graphql"
}

// Client returns an HTTP client for the server.
func (ts *TestServer) Client() *http.Client { return ts.srv.Client() }

// Handler returns the API handler that the server serves.
func (ts *TestServer) Handler() *Handler { return ts.api }

// Response is a GraphQL response with its HTTP status and
// WWW-Authenticate header.
type Response struct {
	Status          int
	WWWAuthenticate string
	Data            json.RawMessage `json:"data"`
	Errors          []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// Query posts query with variables to workspace's endpoint, sending token
// as a bearer token when it is not empty. It fails the test when the
// request cannot be sent or the body is not JSON; a GraphQL or HTTP error
// is returned in the Response for the test to check.
func (ts *TestServer) Query(workspace, token, query string, variables map[string]any) *Response {
	ts.tb.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": variables})
	if err != nil {
		ts.tb.Fatalf("mockapi: encoding the query: %v", err)
	}
	req, err := http.NewRequest(http.MethodPost, ts.GraphQLURL(workspace), bytes.NewReader(body))
	if err != nil {
		ts.tb.Fatalf("mockapi: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		ts.tb.Fatalf("mockapi: query failed: %v", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		ts.tb.Fatalf("mockapi: reading the response: %v", err)
	}
	out := &Response{Status: resp.StatusCode, WWWAuthenticate: resp.Header.Get("WWW-Authenticate")}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			ts.tb.Fatalf("mockapi: response with status %d is not JSON: %v: %s", resp.StatusCode, err, raw)
		}
	}
	return out
}
