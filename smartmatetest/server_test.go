package smartmatetest_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/smartmate/smartmate-mock/mockapi"
	"github.com/smartmate/smartmate-mock/smartmatetest"
)

func TestServerPermissions(t *testing.T) {
	t.Parallel()
	s := smartmatetest.NewServer(t, nil)
	service := s.ClientCredentialsToken("demo", "demo-backend", "demo-backend-secret")
	bob := s.UserTokens("demo", "demo-cli", "bob", "bob-password")

	list := s.API.Query("demo", service.AccessToken, "{ apps { name } }", nil)
	if list.Status != 200 || len(list.Errors) != 0 {
		t.Fatalf("service account query = %d %+v, want 200 without errors", list.Status, list.Errors)
	}
	var data struct{ Apps []struct{ Name string } }
	if err := json.Unmarshal(list.Data, &data); err != nil || len(data.Apps) != 3 {
		t.Errorf("apps = %s, want the 3 demo apps", list.Data)
	}

	create := s.API.Query("demo", bob.AccessToken, `mutation { createApp(input: {name: "x"}) { id } }`, nil)
	if create.Status != 403 {
		t.Errorf("bob's mutation status = %d, want 403", create.Status)
	}
	if want := `Bearer realm="demo", error="insufficient_scope"`; len(create.WWWAuthenticate) < len(want) || create.WWWAuthenticate[:len(want)] != want {
		t.Errorf("bob's mutation WWW-Authenticate = %q, want prefix %q", create.WWWAuthenticate, want)
	}
}

func TestServerSharesClock(t *testing.T) {
	t.Parallel()
	s := smartmatetest.NewServer(t, nil, func(c *mockapi.Config) { c.TokenCacheSize = -1 })
	token := s.ClientCredentialsToken("demo", "demo-backend", "demo-backend-secret").AccessToken
	if got := s.API.Query("demo", token, "{ apps { id } }", nil).Status; got != 200 {
		t.Fatalf("fresh token status = %d, want 200", got)
	}
	s.Clock().Advance(5*time.Minute + time.Second)
	resp := s.API.Query("demo", token, "{ apps { id } }", nil)
	if resp.Status != 401 {
		t.Errorf("status after the token's lifespan = %d, want 401", resp.Status)
	}
}
