package chromium_test

import (
	"context"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/smartmate/smartmate-mock/clock"
	"github.com/smartmate/smartmate-mock/conformance"
	"github.com/smartmate/smartmate-mock/mockidp"
)

// TestEmulatorLoginsInChromium runs the checks that log in most often, and
// the ones that need a second login, with their logins in Chromium against
// the emulator's real login pages.
func TestEmulatorLoginsInChromium(t *testing.T) {
	d := sharedDriver(t)
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	clk := clock.NewFake(time.Now())
	idp, err := mockidp.New(mockidp.WithFrontendURL(base), mockidp.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = idp
	srv.Start()
	t.Cleanup(srv.Close)

	target := conformance.DefaultTarget()
	target.Issuer = base + "/realms/demo"
	target.APIURL = ""
	conformance.Run(t, target, conformance.Options{
		Run:         regexp.MustCompile(`^(oidcc-server|oidcc-prompt-login|oidcc-max-age-1|oidcc-prompt-none-logged-in|oidcc-rp-initiated-logout|keycloak-user-tokens)$`),
		LoginDriver: d,
		Sleep: func(_ context.Context, dur time.Duration) error {
			clk.Advance(dur)
			return nil
		},
	})
}
