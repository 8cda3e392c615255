package mockapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/smartmate/smartmate-mock/mockapi"
)

// app is the JSON form of an App.
type app struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	CreatedAt   string `json:"createdAt"`
	UpdatedAt   string `json:"updatedAt"`
}

const appFields = `id name description createdAt updatedAt`

// listApps returns the apps of workspace, failing the test on any error.
func listApps(t testing.TB, a *api, workspace, token string) []app {
	t.Helper()
	resp := post(t, a.endpoint(workspace), token, `{ apps { `+appFields+` } }`, nil)
	res := resp.result(t)
	if resp.status != http.StatusOK || len(res.Errors) > 0 {
		t.Fatalf("apps query: status %d, body %s", resp.status, resp.body)
	}
	var data struct{ Apps []app }
	if err := json.Unmarshal(res.Data, &data); err != nil {
		t.Fatalf("decode apps: %v", err)
	}
	return data.Apps
}

func TestDemoSeed(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil)
	token := mint(t, demoRealm, start, readRole, nil)

	got := listApps(t, a, "demo", token)
	want := []app{
		{ID: "9b1f3c2e-5a47-4d1e-8c3b-0f2a6d7e8a01", Name: "Field Inspections", Description: "Checklists and photo reports for site visits.", CreatedAt: "2026-01-12T09:15:00Z", UpdatedAt: "2026-03-02T14:40:00Z"},
		{ID: "2c7d9e41-0b6a-4f58-9d2e-7a3c1b5f6e02", Name: "Expense Approvals", Description: "Submit receipts and route them to a manager for approval.", CreatedAt: "2026-02-03T11:00:00Z", UpdatedAt: "2026-02-03T11:00:00Z"},
		{ID: "e4a85f13-3d92-47c6-b1f0-5c8e2d9a7b03", Name: "Equipment Booking", Description: "Reserve shared tools and vehicles by the hour.", CreatedAt: "2026-04-21T16:30:00Z", UpdatedAt: "2026-05-08T08:05:00Z"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("demo apps (-want +got):\n%s", diff)
	}

	// A workspace without a seed file starts empty.
	otherToken := mint(t, otherRealm, start, readRole, nil)
	if got := listApps(t, a, "other", otherToken); len(got) != 0 {
		t.Errorf("apps of workspace other = %v, want none", got)
	}
}

func TestAppLifecycle(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil)
	token := mint(t, otherRealm, start, bothRoles, nil)
	endpoint := a.endpoint("other")

	// Create.
	resp := post(t, endpoint, token, `mutation($in: CreateAppInput!) { createApp(input: $in) { `+appFields+` } }`,
		map[string]any{"in": map[string]any{"name": "Timesheets", "description": "Weekly hours"}})
	var created struct{ CreateApp app }
	decodeData(t, resp, &created)
	want := app{ID: created.CreateApp.ID, Name: "Timesheets", Description: "Weekly hours", CreatedAt: "2026-03-04T10:00:00Z", UpdatedAt: "2026-03-04T10:00:00Z"}
	if diff := cmp.Diff(want, created.CreateApp); diff != "" {
		t.Errorf("createApp (-want +got):\n%s", diff)
	}
	if len(created.CreateApp.ID) != 36 {
		t.Errorf("createApp id = %q, want a UUID", created.CreateApp.ID)
	}

	// List.
	if diff := cmp.Diff([]app{want}, listApps(t, a, "other", token)); diff != "" {
		t.Errorf("apps after create (-want +got):\n%s", diff)
	}

	// Update the name only; the description stays.
	a.clock.Advance(90 * time.Second)
	resp = post(t, endpoint, token, `mutation($id: ID!) { updateApp(id: $id, input: {name: "Timesheets v2"}) { `+appFields+` } }`,
		map[string]any{"id": want.ID})
	var updated struct{ UpdateApp app }
	decodeData(t, resp, &updated)
	want.Name = "Timesheets v2"
	want.UpdatedAt = "2026-03-04T10:01:30Z"
	if diff := cmp.Diff(want, updated.UpdateApp); diff != "" {
		t.Errorf("updateApp (-want +got):\n%s", diff)
	}

	// Read one.
	resp = post(t, endpoint, token, `query($id: ID!) { app(id: $id) { `+appFields+` } }`, map[string]any{"id": want.ID})
	var one struct{ App *app }
	decodeData(t, resp, &one)
	if diff := cmp.Diff(&want, one.App); diff != "" {
		t.Errorf("app(id) (-want +got):\n%s", diff)
	}

	// Delete.
	resp = post(t, endpoint, token, `mutation($id: ID!) { deleteApp(id: $id) }`, map[string]any{"id": want.ID})
	var deleted struct{ DeleteApp string }
	decodeData(t, resp, &deleted)
	if deleted.DeleteApp != want.ID {
		t.Errorf("deleteApp = %q, want %q", deleted.DeleteApp, want.ID)
	}
	if got := listApps(t, a, "other", token); len(got) != 0 {
		t.Errorf("apps after delete = %v, want none", got)
	}

	// The deleted app is gone for app(id) too.
	resp = post(t, endpoint, token, `query($id: ID!) { app(id: $id) { id } }`, map[string]any{"id": want.ID})
	decodeData(t, resp, &one)
	if one.App != nil {
		t.Errorf("app(id) after delete = %+v, want null", one.App)
	}
}

// decodeData decodes the data of a successful GraphQL response into v.
func decodeData(t testing.TB, resp response, v any) {
	t.Helper()
	res := resp.result(t)
	if resp.status != http.StatusOK || len(res.Errors) > 0 {
		t.Fatalf("status %d, body %s", resp.status, resp.body)
	}
	if err := json.Unmarshal(res.Data, v); err != nil {
		t.Fatalf("decode data %s: %v", res.Data, err)
	}
}

func TestPermissions(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil)
	const mutation = `mutation { createApp(input: {name: "Probe"}) { id } }`
	missingRole := func(kind, role string) string {
		return `Bearer realm="demo", error="insufficient_scope", error_description="a ` + kind + ` requires the \"` + role + `\" role of client \"smartmate-api\""`
	}

	tests := []struct {
		name          string
		roles         []string
		query         string
		wantStatus    int
		wantChallenge string
	}{
		{name: "read-only user queries", roles: readRole, query: appsQuery, wantStatus: http.StatusOK},
		{name: "read-only user mutates", roles: readRole, query: mutation, wantStatus: http.StatusForbidden, wantChallenge: missingRole("mutation", "apps:write")},
		{name: "write-only user queries", roles: []string{"apps:write"}, query: appsQuery, wantStatus: http.StatusForbidden, wantChallenge: missingRole("query", "apps:read")},
		{name: "write-only user mutates", roles: []string{"apps:write"}, query: mutation, wantStatus: http.StatusOK},
		{name: "no roles queries", roles: nil, query: appsQuery, wantStatus: http.StatusForbidden, wantChallenge: missingRole("query", "apps:read")},
		{name: "no roles mutates", roles: nil, query: mutation, wantStatus: http.StatusForbidden, wantChallenge: missingRole("mutation", "apps:write")},
		{name: "both roles mutate", roles: bothRoles, query: mutation, wantStatus: http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			token := mint(t, demoRealm, start, tc.roles, nil)
			resp := post(t, a.endpoint("demo"), token, tc.query, nil)
			checkChallenge(t, "POST", resp, tc.wantStatus, tc.wantChallenge)
		})
	}
}

func TestWorkspacePolicyOverride(t *testing.T) {
	t.Parallel()
	a := startAPI(t, func(c *mockapi.Config) {
		c.WorkspacePolicies = map[string]mockapi.Policy{
			"other": {ClientID: "acme-api", ReadRole: "read"},
		}
	})

	// The override replaces client and read role; the write role is the default.
	acme := mint(t, otherRealm, start, nil, func(c map[string]any) {
		c["resource_access"] = map[string]any{"acme-api": map[string]any{"roles": []string{"read"}}}
	})
	if resp := post(t, a.endpoint("other"), acme, appsQuery, nil); resp.status != http.StatusOK {
		t.Errorf("acme-api read role at other: status = %d, want 200", resp.status)
	}
	resp := post(t, a.endpoint("other"), acme, `mutation { deleteApp(id: "x") }`, nil)
	want := `Bearer realm="other", error="insufficient_scope", error_description="a mutation requires the \"apps:write\" role of client \"acme-api\""`
	checkChallenge(t, "mutation at other", resp, http.StatusForbidden, want)

	// The default policy still applies to demo.
	smartmate := mint(t, otherRealm, start, readRole, nil)
	if resp := post(t, a.endpoint("other"), smartmate, appsQuery, nil); resp.status != http.StatusForbidden {
		t.Errorf("smartmate-api roles at other: status = %d, want 403", resp.status)
	}
	if resp := post(t, a.endpoint("demo"), mint(t, demoRealm, start, readRole, nil), appsQuery, nil); resp.status != http.StatusOK {
		t.Errorf("smartmate-api roles at demo: status = %d, want 200", resp.status)
	}
}

func TestGETQueries(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil)
	token := mint(t, demoRealm, start, bothRoles, nil)

	get := func(values url.Values) response {
		req, err := http.NewRequest(http.MethodGet, a.endpoint("demo")+"?"+values.Encode(), nil)
		if err != nil {
			t.Fatalf("new request: %v", err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		return do(t, req)
	}

	// A query with variables and an operation name.
	resp := get(url.Values{
		"query":         {`query Other { apps { id } } query One($id: ID!) { app(id: $id) { name } }`},
		"variables":     {`{"id": "2c7d9e41-0b6a-4f58-9d2e-7a3c1b5f6e02"}`},
		"operationName": {"One"},
	})
	var one struct{ App struct{ Name string } }
	decodeData(t, resp, &one)
	if one.App.Name != "Expense Approvals" {
		t.Errorf("app name = %q, want Expense Approvals", one.App.Name)
	}

	// A mutation over GET.
	resp = get(url.Values{"query": {`mutation { createApp(input: {name: "Sneaky"}) { id } }`}})
	if resp.status != http.StatusMethodNotAllowed {
		t.Errorf("mutation over GET: status = %d, want 405", resp.status)
	}
	if got := resp.header.Get("Allow"); got != "POST" {
		t.Errorf("mutation over GET: Allow = %q, want POST", got)
	}
	wantErrors := []string{"BAD_REQUEST"}
	if diff := cmp.Diff(wantErrors, resp.result(t).errorCodes()); diff != "" {
		t.Errorf("mutation over GET error codes (-want +got):\n%s", diff)
	}
	if got := listApps(t, a, "demo", token); len(got) != 3 {
		t.Errorf("after a mutation over GET the workspace has %d apps, want 3", len(got))
	}
}

func TestOtherMethodsAndPaths(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil)

	for _, tc := range []struct {
		method, path string
		wantStatus   int
	}{
		{http.MethodPut, "/workspaces/demo/graphql", http.StatusMethodNotAllowed},
		{http.MethodDelete, "/workspaces/demo/graphql", http.StatusMethodNotAllowed},
		{http.MethodGet, "/workspaces/demo", http.StatusNotFound},
		{http.MethodGet, "/workspaces/demo/graphql/extra", http.StatusNotFound},
		{http.MethodPost, "/graphql", http.StatusNotFound},
	} {
		req, err := http.NewRequest(tc.method, a.url+tc.path, nil)
		if err != nil {
			t.Fatalf("new request: %v", err)
		}
		if resp := do(t, req); resp.status != tc.wantStatus {
			t.Errorf("%s %s: status = %d, want %d", tc.method, tc.path, resp.status, tc.wantStatus)
		}
	}
}

func TestConcurrentMutations(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil)
	token := mint(t, demoRealm, start, bothRoles, nil)
	const workers, perWorker = 8, 10

	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range perWorker {
				resp, err := tryPost(a.endpoint("demo"), token, `mutation { createApp(input: {name: "Load"}) { id } }`, nil)
				if err != nil || resp.status != http.StatusOK {
					t.Errorf("createApp: status %d, body %s, error %v", resp.status, resp.body, err)
				}
				resp, err = tryPost(a.endpoint("demo"), token, appsQuery, nil)
				if err != nil || resp.status != http.StatusOK {
					t.Errorf("apps: status %d, body %s, error %v", resp.status, resp.body, err)
				}
			}
		})
	}
	wg.Wait()

	if got, want := len(listApps(t, a, "demo", token)), 3+workers*perWorker; got != want {
		t.Errorf("apps after %d concurrent creates = %d, want %d", workers*perWorker, got, want)
	}
}
