package chromium_test

import (
	"context"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smartmate/smartmate-mock/conformance"
	"github.com/smartmate/smartmate-mock/conformance/chromium"
	"github.com/smartmate/smartmate-mock/conformance/internal/loginfixture"
)

var (
	driverOnce sync.Once
	driver     *chromium.Driver
	driverErr  error
)

// sharedDriver starts one Chromium for the package's tests. Without Chromium
// the tests skip, except under CI=true, where a missing browser is a broken
// setup.
func sharedDriver(t *testing.T) *chromium.Driver {
	t.Helper()
	if _, err := os.Stat(chromium.DefaultExecPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium not found at %s; install the chromium package", chromium.DefaultExecPath)
		}
		t.Skipf("Chromium not found at %s", chromium.DefaultExecPath)
	}
	driverOnce.Do(func() {
		dir, err := os.MkdirTemp("", "conformance-chromium-")
		if err != nil {
			driverErr = err
			return
		}
		driver, driverErr = chromium.New("", dir)
	})
	if driverErr != nil {
		t.Fatal(driverErr)
	}
	return driver
}

func TestMain(m *testing.M) {
	code := m.Run()
	if driver != nil {
		driver.Close()
	}
	os.Exit(code)
}

func loginPage(t *testing.T) []byte {
	t.Helper()
	page, err := os.ReadFile("../testdata/keycloak26-login.html")
	if err != nil {
		t.Fatal(err)
	}
	return page
}

func TestLoginStopsAtRedirectURI(t *testing.T) {
	d := sharedDriver(t)
	srv := loginfixture.New(t, loginPage(t))
	host := strings.TrimPrefix(srv.URL, "http://")
	auth := srv.URL + "/realms/demo/protocol/openid-connect/auth?" + url.Values{
		"client_id": {"demo-web"}, "redirect_uri": {"http://127.0.0.1/callback"}, "state": {"st-1"}, "response_type": {"code"},
	}.Encode()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := d.Login(ctx, conformance.LoginRequest{
		AuthURL: auth,
		User:    conformance.User{Username: loginfixture.Username, Password: loginfixture.Password},
		Hosts:   []string{host},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Redirect == nil {
		t.Fatalf("Redirect = nil; page:\n%s", res.HTML)
	}
	if got := res.Redirect.Host + res.Redirect.Path; got != "127.0.0.1/callback" {
		t.Errorf("redirect to %q, want 127.0.0.1/callback", got)
	}
	q := res.Redirect.Query()
	if q.Get("code") != loginfixture.Code || q.Get("state") != "st-1" {
		t.Errorf("redirect query = %v, want the fixture's code and state st-1", q)
	}
	names := map[string]bool{}
	for _, c := range res.Cookies {
		names[c.Name] = true
	}
	for _, want := range []string{"AUTH_SESSION_ID", "KEYCLOAK_IDENTITY"} {
		if !names[want] {
			t.Errorf("cookies lack %s: %v", want, names)
		}
	}
}

func TestLoginWrongPasswordReturnsPage(t *testing.T) {
	d := sharedDriver(t)
	srv := loginfixture.New(t, loginPage(t))
	auth := srv.URL + "/realms/demo/protocol/openid-connect/auth?" + url.Values{
		"client_id": {"demo-web"}, "redirect_uri": {"http://127.0.0.1/callback"}, "state": {"st-2"},
	}.Encode()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := d.Login(ctx, conformance.LoginRequest{
		AuthURL: auth,
		User:    conformance.User{Username: loginfixture.Username, Password: "wrong"},
		Hosts:   []string{strings.TrimPrefix(srv.URL, "http://")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Redirect != nil {
		t.Fatalf("Redirect = %s, want none", res.Redirect)
	}
	if !strings.Contains(string(res.HTML), "Invalid username or password.") {
		t.Errorf("page lacks the login error:\n%s", res.HTML)
	}
	if res.Status != 200 {
		t.Errorf("Status = %d, want 200", res.Status)
	}
}

// TestDriverInRun runs a check whose login goes through Chromium and whose
// code then reaches the kit.
func TestDriverInRun(t *testing.T) {
	d := sharedDriver(t)
	srv := loginfixture.New(t, loginPage(t))
	target := conformance.DefaultTarget()
	target.Issuer = srv.URL + "/realms/demo"
	target.APIURL = ""

	check := &conformance.Check{ID: "login-through-chromium", Title: "t", Spec: "s", Severity: conformance.SeverityMust,
		Profile: conformance.ProfileOIDC, Run: func(c *conformance.C) {
			a := c.NewAuthRequest("openid")
			if code := c.LoginCode(a); code != loginfixture.Code {
				c.Errorf("code = %q, want the fixture's", code)
			}
		}}
	report, err := conformance.Execute(context.Background(), target, conformance.Options{
		Registry:    conformance.NewRegistry(check),
		Run:         regexp.MustCompile("."),
		LoginDriver: d,
	})
	if err != nil {
		t.Fatal(err)
	}
	res := report.Results[0]
	if res.Status != conformance.StatusPass {
		t.Errorf("status = %s (%s); evidence:\n%s", res.Status, res.Reason, strings.Join(res.Evidence, "\n"))
	}
}
