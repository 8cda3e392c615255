package conformance_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/smartmate/smartmate-mock/clock"
	"github.com/smartmate/smartmate-mock/conformance"
	"github.com/smartmate/smartmate-mock/mockapi"
	"github.com/smartmate/smartmate-mock/mockidp"
)

// emulatorKnownFailures lists the checks the emulator fails today, each with
// the reason. Update it when the emulator gains a feature: a listed check
// that passes is logged as "remove it from the list".
var emulatorKnownFailures = map[string]string{}

// startEmulator serves the emulator and the apps API on a loopback port, as
// cmd/smartmate-mock wires them, with a fake clock shared by both.
func startEmulator(t *testing.T) (string, *clock.Fake) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()

	clk := clock.NewFake(time.Now())
	idp, err := mockidp.New(mockidp.WithFrontendURL(base), mockidp.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	api, err := mockapi.New(mockapi.Config{
		Issuer: idp.Issuer,
		Clock:  clk,
		Keys: mockapi.KeyFunc(func(ctx context.Context, workspace string) (*jose.JSONWebKeySet, error) {
			return idp.PublicKeys(ctx, workspace)
		}),
	})
	if err != nil {
		t.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.Handle("/workspaces/", api)
	mux.Handle("/", idp)
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return base, clk
}

// TestEmulatorConformance runs every check against the emulator's demo
// realm. Waits advance the emulator's fake clock instead of sleeping.
func TestEmulatorConformance(t *testing.T) {
	base, clk := startEmulator(t)
	target := conformance.DefaultTarget()
	target.Issuer = base + "/realms/demo"
	conformance.Run(t, target, conformance.Options{
		Sleep: func(_ context.Context, d time.Duration) error {
			clk.Advance(d)
			return nil
		},
		KnownFailures: emulatorKnownFailures,
	})
}
