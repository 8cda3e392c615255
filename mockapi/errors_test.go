package mockapi_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/smartmate/smartmate-mock/mockapi"
)

func TestGraphQLErrors(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil)
	token := mint(t, demoRealm, start, bothRoles, nil)

	tests := []struct {
		name        string
		query       string
		variables   map[string]any
		wantStatus  int
		wantCodes   []string
		wantMessage string
	}{
		{
			name:        "syntax error",
			query:       `{ apps { name }`,
			wantStatus:  http.StatusUnprocessableEntity,
			wantCodes:   []string{"GRAPHQL_PARSE_FAILED"},
			wantMessage: "Expected Name, found <EOF>",
		},
		{
			name:        "unknown field",
			query:       `{ apps { colour } }`,
			wantStatus:  http.StatusUnprocessableEntity,
			wantCodes:   []string{"GRAPHQL_VALIDATION_FAILED"},
			wantMessage: `Cannot query field "colour" on type "App".`,
		},
		{
			name:        "missing variable",
			query:       `query($id: ID!) { app(id: $id) { name } }`,
			wantStatus:  http.StatusUnprocessableEntity,
			wantCodes:   []string{"GRAPHQL_VALIDATION_FAILED"},
			wantMessage: "must be defined",
		},
		{
			name:        "subscription",
			query:       `subscription { apps { name } }`,
			wantStatus:  http.StatusUnprocessableEntity,
			wantCodes:   []string{"GRAPHQL_VALIDATION_FAILED"},
			wantMessage: "Schema does not support operation type \"subscription\"",
		},
		{
			name:        "update unknown app",
			query:       `mutation { updateApp(id: "nope", input: {name: "x"}) { id } }`,
			wantStatus:  http.StatusOK,
			wantCodes:   []string{"NOT_FOUND"},
			wantMessage: `app "nope" not found`,
		},
		{
			name:        "delete unknown app",
			query:       `mutation { deleteApp(id: "nope") }`,
			wantStatus:  http.StatusOK,
			wantCodes:   []string{"NOT_FOUND"},
			wantMessage: `app "nope" not found`,
		},
		{
			name:        "blank name",
			query:       `mutation { createApp(input: {name: "  "}) { id } }`,
			wantStatus:  http.StatusOK,
			wantCodes:   []string{"BAD_USER_INPUT"},
			wantMessage: "name must be 1 to 200 characters and not blank, got 2 characters",
		},
		{
			name:        "long description",
			query:       `mutation($d: String) { createApp(input: {name: "x", description: $d}) { id } }`,
			variables:   map[string]any{"d": strings.Repeat("d", 2001)},
			wantStatus:  http.StatusOK,
			wantCodes:   []string{"BAD_USER_INPUT"},
			wantMessage: "description must be at most 2000 characters, got 2001",
		},
		{
			name:        "empty query",
			query:       ``,
			wantStatus:  http.StatusBadRequest,
			wantCodes:   []string{"BAD_REQUEST"},
			wantMessage: `request has no "query"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := post(t, a.endpoint("demo"), token, tc.query, tc.variables)
			if resp.status != tc.wantStatus {
				t.Errorf("status = %d, want %d (body %s)", resp.status, tc.wantStatus, resp.body)
			}
			res := resp.result(t)
			if diff := cmp.Diff(tc.wantCodes, res.errorCodes()); diff != "" {
				t.Errorf("error codes (-want +got):\n%s", diff)
			}
			if len(res.Errors) > 0 && !strings.Contains(res.Errors[0].Message, tc.wantMessage) {
				t.Errorf("message = %q, want it to contain %q", res.Errors[0].Message, tc.wantMessage)
			}
		})
	}
}

func TestGraphQLResponseMediaType(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil)
	token := mint(t, demoRealm, start, readRole, nil)

	req, err := http.NewRequest(http.MethodPost, a.endpoint("demo"), strings.NewReader(`{"query": "{ apps { colour } }"}`))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json, application/json;q=0.9")
	req.Header.Set("Authorization", "Bearer "+token)
	resp := do(t, req)

	if resp.status != http.StatusBadRequest {
		t.Errorf("validation error status = %d, want 400 for application/graphql-response+json", resp.status)
	}
	if got := resp.header.Get("Content-Type"); got != "application/graphql-response+json; charset=utf-8" {
		t.Errorf("Content-Type = %q, want application/graphql-response+json; charset=utf-8", got)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	a := startAPI(t, func(c *mockapi.Config) {
		c.MaxBodyBytes = 4096
		c.MaxDepth = 2
		c.MaxComplexity = 4
	})
	token := mint(t, demoRealm, start, bothRoles, nil)

	t.Run("depth", func(t *testing.T) {
		t.Parallel()
		// Depth 2 passes; a fragment spread counts where it is spread.
		if resp := post(t, a.endpoint("demo"), token, `{ apps { id } }`, nil); resp.status != http.StatusOK {
			t.Errorf("depth 2: status = %d, want 200 (body %s)", resp.status, resp.body)
		}
		resp := post(t, a.endpoint("demo"), token, `query { ...Q } fragment Q on Query { apps { ... on App { id } } }`, nil)
		if resp.status != http.StatusOK {
			t.Errorf("depth 2 through fragments: status = %d, want 200 (body %s)", resp.status, resp.body)
		}
	})

	t.Run("complexity", func(t *testing.T) {
		t.Parallel()
		resp := post(t, a.endpoint("demo"), token, `{ apps { id name description createdAt updatedAt } }`, nil)
		if resp.status != http.StatusUnprocessableEntity {
			t.Errorf("status = %d, want 422 (body %s)", resp.status, resp.body)
		}
		res := resp.result(t)
		if diff := cmp.Diff([]string{"COMPLEXITY_LIMIT_EXCEEDED"}, res.errorCodes()); diff != "" {
			t.Errorf("error codes (-want +got):\n%s", diff)
		}
	})

	t.Run("body size", func(t *testing.T) {
		t.Parallel()
		resp := post(t, a.endpoint("demo"), token, `{ apps { id } }`+strings.Repeat(" ", 5000), nil)
		if resp.status != http.StatusRequestEntityTooLarge {
			t.Errorf("status = %d, want 413 (body %s)", resp.status, resp.body)
		}
		res := resp.result(t)
		want := "request body is larger than the limit of 4096 bytes"
		if len(res.Errors) != 1 || res.Errors[0].Message != want {
			t.Errorf("errors = %+v, want one with message %q", res.Errors, want)
		}
	})

	t.Run("content type", func(t *testing.T) {
		t.Parallel()
		req, err := http.NewRequest(http.MethodPost, a.endpoint("demo"), strings.NewReader(`{ apps { id } }`))
		if err != nil {
			t.Fatalf("new request: %v", err)
		}
		req.Header.Set("Content-Type", "text/plain")
		req.Header.Set("Authorization", "Bearer "+token)
		if resp := do(t, req); resp.status != http.StatusUnsupportedMediaType {
			t.Errorf("status = %d, want 415 (body %s)", resp.status, resp.body)
		}
	})

	t.Run("malformed JSON", func(t *testing.T) {
		t.Parallel()
		for _, body := range []string{`{"query": `, `[1, 2]`, `{"query": 7}`, `{"query": "{ apps { id } }", "variables": "x"}`} {
			req, err := http.NewRequest(http.MethodPost, a.endpoint("demo"), bytes.NewReader([]byte(body)))
			if err != nil {
				t.Fatalf("new request: %v", err)
			}
			req.Header.Set("Content-Type", "application/json; charset=utf-8")
			req.Header.Set("Authorization", "Bearer "+token)
			resp := do(t, req)
			if resp.status != http.StatusBadRequest {
				t.Errorf("body %s: status = %d, want 400 (response %s)", body, resp.status, resp.body)
			}
			if codes := resp.result(t).errorCodes(); len(codes) != 1 || codes[0] != "BAD_REQUEST" {
				t.Errorf("body %s: error codes = %v, want [BAD_REQUEST]", body, codes)
			}
		}
	})
}

func TestDepthLimit(t *testing.T) {
	t.Parallel()
	a := startAPI(t, func(c *mockapi.Config) { c.MaxDepth = 1 })
	token := mint(t, demoRealm, start, readRole, nil)
	const message = "operation nests more than 1 levels of fields, which exceeds the depth limit"

	tests := []struct {
		name      string
		query     string
		wantCodes []string
	}{
		{name: "leaf root field", query: `mutation { deleteApp(id: "x") }`, wantCodes: []string{"NOT_FOUND"}},
		{name: "nested field", query: `{ apps { id } }`, wantCodes: []string{"DEPTH_LIMIT_EXCEEDED"}},
		{name: "nested through fragment", query: `query { ...Q } fragment Q on Query { apps { id } }`, wantCodes: []string{"DEPTH_LIMIT_EXCEEDED"}},
		{name: "nested through inline fragment", query: `query { ... on Query { app(id: "x") { id } } }`, wantCodes: []string{"DEPTH_LIMIT_EXCEEDED"}},
		{name: "introspection exempt", query: `{ __schema { types { name fields { name } } } }`, wantCodes: []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tok := token
			if strings.HasPrefix(tc.query, "mutation") {
				tok = mint(t, demoRealm, start, bothRoles, nil)
			}
			res := post(t, a.endpoint("demo"), tok, tc.query, nil).result(t)
			if diff := cmp.Diff(tc.wantCodes, res.errorCodes()); diff != "" {
				t.Errorf("error codes (-want +got):\n%s", diff)
			}
			if len(tc.wantCodes) == 1 && tc.wantCodes[0] == "DEPTH_LIMIT_EXCEEDED" && res.Errors[0].Message != message {
				t.Errorf("message = %q, want %q", res.Errors[0].Message, message)
			}
		})
	}

	resp := post(t, a.endpoint("demo"), token, `{ apps { id } }`, nil)
	if resp.status != http.StatusUnprocessableEntity {
		t.Errorf("status = %d, want 422 (body %s)", resp.status, resp.body)
	}
}

func TestResolverPanic(t *testing.T) {
	t.Parallel()
	a := startAPI(t, func(c *mockapi.Config) {
		c.InsecureDisableAuth = true
		c.Seed = func(workspace string) ([]byte, bool) {
			if workspace == "boom" {
				panic("seed exploded")
			}
			return nil, false
		}
	})

	resp := post(t, a.endpoint("boom"), "", appsQuery, nil)
	if resp.status != http.StatusOK {
		t.Errorf("status = %d, want 200 with a GraphQL error (body %s)", resp.status, resp.body)
	}
	res := resp.result(t)
	if diff := cmp.Diff([]string{"INTERNAL_SERVER_ERROR"}, res.errorCodes()); diff != "" {
		t.Errorf("error codes (-want +got):\n%s", diff)
	}
	if len(res.Errors) == 1 && res.Errors[0].Message != "internal server error" {
		t.Errorf("message = %q, want internal server error", res.Errors[0].Message)
	}
	if !strings.Contains(a.logs.String(), "seed exploded") {
		t.Errorf("log does not name the panic: %s", a.logs.String())
	}

	// The server keeps serving.
	if resp := post(t, a.endpoint("demo"), "", appsQuery, nil); resp.status != http.StatusOK {
		t.Errorf("next request: status = %d, want 200", resp.status)
	}
}

func TestBrokenSeed(t *testing.T) {
	t.Parallel()
	a := startAPI(t, func(c *mockapi.Config) {
		c.InsecureDisableAuth = true
		c.Seed = func(string) ([]byte, bool) { return []byte(`{"apps": [{"name": "no id"}]}`), true }
	})

	res := post(t, a.endpoint("demo"), "", appsQuery, nil).result(t)
	if string(res.Data) != `{"apps":[]}` {
		t.Errorf("data = %s, want an empty workspace", res.Data)
	}
	if !strings.Contains(a.logs.String(), "an app has no id or no name") {
		t.Errorf("log does not name the seed error: %s", a.logs.String())
	}
}

// introspectionQuery has the shape of the query GraphiQL and other tools
// send, nesting type references seven levels deep.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}`

func TestIntrospection(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil)
	token := mint(t, demoRealm, start, readRole, nil)

	resp := post(t, a.endpoint("demo"), token, `{ __type(name: "App") { fields { name type { kind ofType { name } } } } }`, nil)
	var data struct {
		Type struct{ Fields []struct{ Name string } } `json:"__type"`
	}
	decodeData(t, resp, &data)
	var names []string
	for _, f := range data.Type.Fields {
		names = append(names, f.Name)
	}
	if diff := cmp.Diff([]string{"id", "name", "description", "createdAt", "updatedAt"}, names); diff != "" {
		t.Errorf("App fields (-want +got):\n%s", diff)
	}

	// The default depth and complexity limits let the tools' query through.
	var schema struct {
		Schema struct{ QueryType struct{ Name string } } `json:"__schema"`
	}
	decodeData(t, post(t, a.endpoint("demo"), token, introspectionQuery, nil), &schema)
	if schema.Schema.QueryType.Name != "Query" {
		t.Errorf("queryType = %q, want Query", schema.Schema.QueryType.Name)
	}
}
