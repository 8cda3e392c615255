package conformance_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smartmate/smartmate-mock/conformance"
	"github.com/smartmate/smartmate-mock/fixtures"
	"github.com/smartmate/smartmate-mock/mockapi"
	"github.com/smartmate/smartmate-mock/mockidp"
	"github.com/smartmate/smartmate-mock/smartmatetest"
)

// runAgainstFault runs one check against an emulator whose tokens for
// clientID carry fault, and returns the result.
func runAgainstFault(t *testing.T, clientID string, fault mockidp.RPFault, checkID string) conformance.Result {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	idp, err := mockidp.New(mockidp.WithFrontendURL(base), mockidp.WithClientFault("demo", clientID, fault))
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = idp
	srv.Start()
	t.Cleanup(srv.Close)

	target := conformance.DefaultTarget()
	target.Issuer = base + "/realms/demo"
	return runOneCheck(t, target, conformance.ProfileKeycloak, checkID)
}

// runOneCheck runs the check checkID of profile against target.
func runOneCheck(t *testing.T, target conformance.Target, profile conformance.Profile, checkID string) conformance.Result {
	t.Helper()
	report, err := conformance.Execute(context.Background(), target, conformance.Options{
		Transport: ownTransport(t),
		Profiles:  []conformance.Profile{profile},
		Run:       regexp.MustCompile("^" + regexp.QuoteMeta(checkID) + "$"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Results) != 1 {
		t.Fatalf("ran %d checks, want 1", len(report.Results))
	}
	return report.Results[0]
}

// TestTokenChecksCatchRPFaults proves that the token checks can fail: each
// of the emulator's relying-party faults must fail the check that reads the
// faulty token.
func TestTokenChecksCatchRPFaults(t *testing.T) {
	t.Parallel()
	// ID-token faults cannot show in a service account's tokens, which have
	// no ID token, and the refresh fault needs a refresh token. A wrong
	// access token audience is not detectable either: the audience an access
	// token needs depends on the resource server, so the kit does not pin it.
	notInServiceAccount := map[mockidp.RPFault]bool{
		mockidp.FaultWrongNonce: true, mockidp.FaultWrongAtHash: true,
		mockidp.FaultRefreshNotJWT: true, mockidp.FaultWrongAudience: true,
	}
	for _, fault := range mockidp.RPFaults {
		t.Run(string(fault)+"/code-flow", func(t *testing.T) {
			t.Parallel()
			res := runAgainstFault(t, "demo-web", fault, "keycloak-user-tokens")
			if res.Status != conformance.StatusFail {
				t.Errorf("status = %s, want fail; evidence:\n%s", res.Status, strings.Join(res.Evidence, "\n"))
			}
		})
		t.Run(string(fault)+"/password", func(t *testing.T) {
			t.Parallel()
			if fault == mockidp.FaultWrongNonce {
				t.Skip("the password grant sends no nonce, so a wrong nonce cannot be detected")
			}
			res := runAgainstFault(t, "demo-cli", fault, "keycloak-password-grant-tokens")
			if res.Status != conformance.StatusFail {
				t.Errorf("status = %s, want fail; evidence:\n%s", res.Status, strings.Join(res.Evidence, "\n"))
			}
		})
		if notInServiceAccount[fault] {
			continue
		}
		t.Run(string(fault)+"/service-account", func(t *testing.T) {
			t.Parallel()
			res := runAgainstFault(t, "demo-backend", fault, "keycloak-service-account-token")
			if res.Status != conformance.StatusFail {
				t.Errorf("status = %s, want fail; evidence:\n%s", res.Status, strings.Join(res.Evidence, "\n"))
			}
		})
	}
}

// faultCase is one row of the fault table: a fault of the emulator or of
// the API, and the checks that must fail under it and no others.
type faultCase struct {
	provider mockidp.ProviderFault // a provider fault of the demo realm
	rp       mockidp.RPFault       // or a relying-party fault of rpClient
	rpClient string
	api      mockapi.Fault // or a fault of the apps API
	fails    []string      // the checks that fail; a should check fails with a warning
}

func (fc faultCase) name() string {
	switch {
	case fc.provider != "":
		return string(fc.provider)
	case fc.rp != "":
		return "rp-" + string(fc.rp) + "@" + fc.rpClient
	case fc.api != "":
		return string(fc.api)
	}
	return "no-fault"
}

// alwaysSkipped lists the checks that skip against the emulator's demo
// realm whatever the fault, so no fault can fail them.
var alwaysSkipped = map[string]string{
	"oidcc-idtoken-unsigned": "requesting unsigned ID tokens needs dynamic client registration, which the kit does not perform",
}

// alwaysFlagged lists the checks that the fault-free emulator already
// fails or warns about, with the reason: the known failures, and two SHOULD
// checks on access tokens, whose layout is Keycloak 26's. Under a fault
// such a check counts as failed only when its reason differs from the
// fault-free run's.
func alwaysFlagged() map[string]string {
	m := map[string]string{
		"rfc9068-access-token-typ":    "Keycloak 26 sends typ JWT, not at+jwt",
		"rfc9068-access-token-claims": "Keycloak 26 puts client_id only into service account tokens",
	}
	for id, reason := range emulatorKnownFailures {
		m[id] = reason
	}
	return m
}

// flagged reports whether a result shows the check failed: status fail, or
// a warning from a SHOULD check, whose violations are warnings.
func flagged(res conformance.Result) bool {
	return res.Status == conformance.StatusFail ||
		(res.Status == conformance.StatusWarning && res.Check.Severity == conformance.SeverityShould)
}

// ownTransport returns an HTTP transport for one test. The kit's default,
// http.DefaultTransport, is shared, and closing any httptest.Server drops
// its idle connections, which breaks requests of parallel tests.
func ownTransport(t *testing.T) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// freeLoopbackURL returns an http URL on a loopback port that was free a
// moment ago, for the kit's back-channel logout listener.
// NOTE: another server may take the port before the kit listens on it,
// which fails oidcc-backchannel-rp-initiated-logout; that is rare with
// the kernel's random ephemeral ports.
func freeLoopbackURL(t *testing.T, path string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + path
}

// demoRealmWithBackchannel returns the demo realm with demo-web registered
// for back-channel logout at url.
func demoRealmWithBackchannel(t *testing.T, url string) []byte {
	t.Helper()
	return demoRealmWithWebClient(t, func(client map[string]any) {
		attrs, _ := client["attributes"].(map[string]any)
		if attrs == nil {
			attrs = map[string]any{}
			client["attributes"] = attrs
		}
		attrs["backchannel.logout.url"] = url
	})
}

// demoRealmWithWebClient returns the demo realm with the client demo-web
// changed by edit.
func demoRealmWithWebClient(t *testing.T, edit func(client map[string]any)) []byte {
	t.Helper()
	var realm map[string]any
	if err := json.Unmarshal(fixtures.DemoRealm(), &realm); err != nil {
		t.Fatal(err)
	}
	for _, c := range realm["clients"].([]any) {
		client := c.(map[string]any)
		if client["clientId"] == "demo-web" {
			edit(client)
		}
	}
	out, err := json.Marshal(realm)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// runFaultSuite starts the emulator and the API with the fault of fc, runs
// the checks that run matches (all for nil) against them, and returns the
// failed results and all results, by check id.
func runFaultSuite(t *testing.T, fc faultCase, run *regexp.Regexp) (failed, all map[string]conformance.Result) {
	t.Helper()
	backchannel := freeLoopbackURL(t, "/backchannel-logout")
	opts := []mockidp.Option{
		mockidp.WithRealmJSON("demo-realm.json", demoRealmWithBackchannel(t, backchannel)),
		// Faults make the emulator reject many requests; their log lines
		// would bury the test's own messages.
		mockidp.WithLogger(slog.New(slog.DiscardHandler)),
	}
	if fc.provider != "" {
		opts = append(opts, mockidp.WithProviderFaults("demo", fc.provider))
	}
	if fc.rp != "" {
		opts = append(opts, mockidp.WithClientFault("demo", fc.rpClient, fc.rp))
	}
	srv := smartmatetest.NewServer(t, opts, func(cfg *mockapi.Config) {
		if fc.api != "" {
			cfg.Faults = []mockapi.Fault{fc.api}
		}
	})

	target := conformance.DefaultTarget()
	target.Issuer = srv.Issuer("demo")
	target.APIURL = srv.API.GraphQLURL("demo")
	target.BackchannelLogoutURL = backchannel
	clk := srv.Clock()
	report, err := conformance.Execute(context.Background(), target, conformance.Options{
		Transport:    ownTransport(t),
		Profiles:     conformance.Profiles,
		Run:          run,
		CheckTimeout: 20 * time.Second,
		Sleep: func(_ context.Context, d time.Duration) error {
			clk.Advance(d)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	failed, all = map[string]conformance.Result{}, map[string]conformance.Result{}
	for _, res := range report.Results {
		all[res.Check.ID] = res
		if flagged(res) {
			failed[res.Check.ID] = res
		}
	}
	return failed, all
}

// TestFaultTable proves every check able to fail and every fault narrow:
// under each fault of faultTable the whole suite runs, the fault's checks
// must fail and no other check may. A check that also fails without the
// fault must fail with another reason. With -short each fault runs only its
// own checks, in a few seconds.
func TestFaultTable(t *testing.T) {
	t.Parallel()
	baseline, _ := runFaultSuite(t, faultCase{}, nil)
	documented := alwaysFlagged()
	for id, res := range baseline {
		if _, ok := documented[id]; !ok {
			t.Errorf("%s fails without a fault: %s", id, res.Reason)
		}
	}
	brokenBy := func(failed map[string]conformance.Result, id string) bool {
		res, ok := failed[id]
		return ok && (baseline[id].Check == nil || res.Reason != baseline[id].Reason)
	}

	for _, fc := range faultTable {
		t.Run(fc.name(), func(t *testing.T) {
			t.Parallel()
			// With -short only the fault's own checks run, which shows
			// that they fail but not that the others pass.
			var run *regexp.Regexp
			if testing.Short() {
				run = regexp.MustCompile("^(" + strings.Join(fc.fails, "|") + ")$")
			}
			failed, all := runFaultSuite(t, fc, run)
			want := map[string]bool{}
			for _, id := range fc.fails {
				want[id] = true
				if !brokenBy(failed, id) {
					t.Errorf("%s did not fail: status %s, reason %q; evidence:\n%s",
						id, all[id].Status, all[id].Reason, strings.Join(all[id].Evidence, "\n"))
				}
			}
			var got []string
			for id, res := range failed {
				if !brokenBy(failed, id) {
					continue
				}
				got = append(got, id)
				if !want[id] {
					t.Errorf("%s failed although the fault should not break it: %s", id, res.Reason)
				}
			}
			if t.Failed() {
				slices.Sort(got)
				t.Logf("checks that failed: %q", got)
			}
		})
	}
}

// provenElsewhere lists checks that the fault table cannot run, because
// the demo realm lacks what they need, with the test that proves them able
// to fail instead.
var provenElsewhere = map[string]string{
	"oidcc-server-client-secret-post": "TestClientSecretPostCheckCatchesFault",
}

// TestFaultTableCoversEveryCheck requires each registered check to be in
// the list of at least one fault, unless it always skips or another test
// proves it.
func TestFaultTableCoversEveryCheck(t *testing.T) {
	t.Parallel()
	covered := map[string]bool{}
	for _, fc := range faultTable {
		for _, id := range fc.fails {
			covered[id] = true
		}
	}
	registry := conformance.DefaultRegistry()
	for _, c := range registry.Checks() {
		_, skipped := alwaysSkipped[c.ID]
		if _, ok := provenElsewhere[c.ID]; ok {
			covered[c.ID] = true
		}
		if covered[c.ID] && skipped {
			t.Errorf("%s is in alwaysSkipped and in the fault table", c.ID)
		}
		if !covered[c.ID] && !skipped {
			t.Errorf("no fault fails %s", c.ID)
		}
	}
	for _, fc := range faultTable {
		for _, id := range fc.fails {
			if registry.Lookup(id) == nil {
				t.Errorf("fault %s lists %s, which is not a registered check", fc.name(), id)
			}
		}
	}
}

// TestClientSecretPostCheckCatchesFault proves oidcc-server-client-secret-post
// able to fail. The check needs a browser client with a secret, which the
// demo realm lacks, so this test makes demo-web confidential.
func TestClientSecretPostCheckCatchesFault(t *testing.T) {
	t.Parallel()
	const checkID = "oidcc-server-client-secret-post"
	for _, fault := range []mockidp.ProviderFault{"", mockidp.FaultPostSecretIgnored} {
		name := string(fault)
		if fault == "" {
			name = "no-fault"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			realm := demoRealmWithWebClient(t, func(client map[string]any) {
				client["publicClient"] = false
				client["secret"] = "demo-web-secret"
			})
			opts := []mockidp.Option{
				mockidp.WithRealmJSON("demo-realm.json", realm),
				mockidp.WithLogger(slog.New(slog.DiscardHandler)),
			}
			if fault != "" {
				opts = append(opts, mockidp.WithProviderFaults("demo", fault))
			}
			srv := mockidp.NewTestServer(t, opts...)

			target := conformance.DefaultTarget()
			target.Issuer = srv.Issuer("demo")
			target.PublicClient.Secret = "demo-web-secret"
			res := runOneCheck(t, target, conformance.ProfileOIDC, checkID)
			want := conformance.StatusPass
			if fault != "" {
				want = conformance.StatusFail
			}
			if res.Status != want {
				t.Errorf("status = %s, want %s; evidence:\n%s", res.Status, want, strings.Join(res.Evidence, "\n"))
			}
		})
	}
}
