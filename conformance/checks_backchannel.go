package conformance

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/smartmate/smartmate-mock/protocol"
)

// backchannelDelivery is one POST the provider made to the logout listener.
type backchannelDelivery struct {
	form url.Values
	err  error
}

// listenBackchannel serves the target's back-channel logout URL on
// loopback and delivers each POST to the returned channel.
func listenBackchannel(c *C, raw string) (<-chan backchannelDelivery, func()) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || !isLoopbackHost(u) || u.Port() == "" {
		c.Fatalf("backchannel logout URL %q must be a loopback http URL with a port", raw)
	}
	ln, err := net.Listen("tcp", u.Host)
	if err != nil {
		c.Fatalf("listen on %s for the logout token: %v", u.Host, err)
	}
	ch := make(chan backchannelDelivery, 4)
	mux := http.NewServeMux()
	mux.HandleFunc(u.Path, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		err := r.ParseForm()
		select {
		case ch <- backchannelDelivery{form: r.PostForm, err: err}:
		default:
		}
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return ch, func() { _ = srv.Close() }
}

// backchannelLogout is oidcc-backchannel-rp-initiated-logout.
func backchannelLogout() *Check {
	return oidcCheck("oidcc-backchannel-rp-initiated-logout", "Logout posts a valid logout token to the client",
		"OpenID Connect Back-Channel Logout 1.0 sections 2.4 to 2.6", func(c *C) {
			d := c.Discovery()
			if d.BackchannelLogoutSupported == nil || !*d.BackchannelLogoutSupported {
				c.Skipf("backchannel_logout_supported is not true")
			}
			endpoint := c.requireEndpoint("end_session_endpoint", d.EndSessionEndpoint)
			if c.target.BackchannelLogoutURL == "" {
				c.Skipf("no back-channel logout URL configured for the client (--backchannel-logout-url)")
			}
			deliveries, stop := listenBackchannel(c, c.target.BackchannelLogoutURL)
			defer stop()

			f := c.CodeFlow(c.NewAuthRequest("openid"))
			p := standardLogoutParams(c, f)
			l := confirmLogout(c, f.Browser, f.Browser.Open(endpoint+"?"+p.Encode()))
			if !l.RedirectedTo(p.Get("post_logout_redirect_uri")) {
				c.Errorf("expected a redirect to the post-logout URI, got %s", l.describe())
			}

			var got backchannelDelivery
			select {
			case got = <-deliveries:
			case <-time.After(10 * time.Second):
				c.Fatalf("no logout token arrived at %s within 10 s", c.target.BackchannelLogoutURL)
			case <-c.ctx.Done():
				c.Fatalf("check ended before the logout token arrived")
			}
			if got.err != nil {
				c.Fatalf("logout request body does not parse: %v", got.err)
			}
			raw := got.form.Get("logout_token")
			c.Logf("received logout_token %s", truncateToken(raw))
			for k := range got.form {
				if k != "logout_token" {
					c.Warnf("logout request carries the extra parameter %q", k)
				}
			}
			checkLogoutToken(c, raw, f)
			requireLoggedOut(c, f.Browser)
		})
}

// checkLogoutToken validates a logout token (OpenID Connect Back-Channel
// Logout 1.0 section 2.4).
func checkLogoutToken(c *C, raw string, f *Flow) {
	if raw == "" {
		c.Fatalf("the logout request has no logout_token")
	}
	ks := c.KeySet()
	_, claims, err := c.VerifyJWT(raw, &ks.Set)
	if err != nil {
		c.Fatalf("logout token does not verify: %v", err)
	}

	if iss, _ := claims["iss"].(string); iss != c.Discovery().Issuer {
		c.Errorf("logout token iss = %q, want %q", iss, c.Discovery().Issuer)
	}
	if !slices.Contains(audience(claims), f.Request.Client.ID) {
		c.Errorf("logout token aud = %v, want it to contain %q", claims["aud"], f.Request.Client.ID)
	}
	if _, ok := numberClaim(claims, "iat"); !ok {
		c.Errorf("logout token has no iat")
	}
	if jti, _ := claims["jti"].(string); jti == "" {
		c.Errorf("logout token has no jti")
	}

	events, _ := claims["events"].(map[string]any)
	if _, ok := events[protocol.EventBackChannelLogout].(map[string]any); !ok {
		c.Errorf("logout token events lacks the member %s with an object value", protocol.EventBackChannelLogout)
	}

	sub, _ := claims["sub"].(string)
	sid, _ := claims["sid"].(string)
	if sub == "" && sid == "" {
		c.Errorf("logout token has neither sub nor sid")
	}
	if sub != "" && sub != f.IDClaims.Subject() {
		c.Errorf("logout token sub = %q, want the ID token's %q", sub, f.IDClaims.Subject())
	}
	if idSid, _ := f.IDClaims.Claims["sid"].(string); sid != "" && idSid != "" && sid != idSid {
		c.Errorf("logout token sid = %q, want the ID token's %q", sid, idSid)
	}
	if _, ok := claims["nonce"]; ok {
		c.Errorf("logout token carries a nonce, which section 2.4 forbids")
	}
}
