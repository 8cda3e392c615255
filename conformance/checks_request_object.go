package conformance

import (
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"time"
)

// Basic OP plan modules about request objects (OpenID Connect Core 1.0
// section 6).

// unsignedRequestObject returns a request object with alg "none" holding
// claims. go-jose refuses to produce "none" JWTs, so the two segments are
// encoded here; there is no signature to compute.
func unsignedRequestObject(claims map[string]any) string {
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`))
	payload, _ := json.Marshal(claims) // a map of strings always encodes
	return header + "." + base64.RawURLEncoding.EncodeToString(payload) + "."
}

// requestObjectClaims moves state, nonce and the PKCE challenge of a into a
// request object, so that a response that carries them proves the object
// was read. The outer query keeps what OpenID Connect Core section 6.1
// requires there: response_type, client_id and scope.
func requestObjectClaims(c *C, a *AuthRequest) map[string]any {
	claims := map[string]any{
		"iss": a.Client.ID,
		"aud": c.Discovery().Issuer,
	}
	for _, k := range []string{"response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge", "code_challenge_method"} {
		claims[k] = a.Params.Get(k)
	}
	for _, k := range []string{"state", "nonce", "code_challenge", "code_challenge_method"} {
		a.Params.Del(k)
	}
	return claims
}

// requireNoneAlgForRequests skips when the provider lists request object
// algorithms without none, as the OpenID suite does.
func requireNoneAlgForRequests(c *C) {
	algs := c.Discovery().RequestObjectSigningAlgs
	if len(algs) > 0 && !slices.Contains(algs, "none") {
		c.Skipf("request_object_signing_alg_values_supported does not list none")
	}
}

// runRequestObjectFlow completes a flow whose state and nonce travel only in
// the request object, or skips on notSupported.
func runRequestObjectFlow(c *C, a *AuthRequest, claims map[string]any, notSupported string, advertised *bool, param string) {
	user := c.target.User
	l := c.Authorize(c.NewBrowser(), a, &user)
	if l.Params.Get("error") == notSupported {
		c.Skipf("the provider answered %s", notSupported)
	}
	// Check the response against the state that was in the object.
	a.Params.Set("state", claims["state"].(string))
	a.Params.Set("nonce", claims["nonce"].(string))
	code := c.RequireCode(l, a)
	tr := c.RequireTokens(c.RedeemCode(a, code))
	c.VerifyIDToken(tr.IDToken, a.Params.Get("nonce"), a.Client.ID, tr.AccessToken)
	if advertised != nil && !*advertised {
		c.Warnf("the provider processed %s although its discovery document says it is not supported", param)
	}
}

// requestObjectUnsigned is
// oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported.
func requestObjectUnsigned() *Check {
	return oidcCheck("oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported",
		"An unsigned request object is processed or rejected with request_not_supported",
		"OpenID Connect Core 1.0 section 6.1", func(c *C) {
			requireNoneAlgForRequests(c)
			a := c.NewAuthRequest("openid")
			claims := requestObjectClaims(c, a)
			a.Params.Set("request", unsignedRequestObject(claims))
			adv := c.Discovery().RequestParameterSupported
			if adv == nil {
				adv = new(bool) // absent means false (OpenID Connect Discovery section 3)
			}
			runRequestObjectFlow(c, a, claims, "request_not_supported", adv, "request")
		})
}

// requestURIUnsigned is
// oidcc-request-uri-unsigned-supported-correctly-or-rejected-as-unsupported.
// The kit serves the request object itself on a loopback port, so it works
// only for providers on the same machine.
func requestURIUnsigned() *Check {
	return oidcCheck("oidcc-request-uri-unsigned-supported-correctly-or-rejected-as-unsupported",
		"An unsigned request_uri is processed or rejected with request_uri_not_supported",
		"OpenID Connect Core 1.0 section 6.2", func(c *C) {
			requireNoneAlgForRequests(c)
			a := c.NewAuthRequest("openid")
			claims := requestObjectClaims(c, a)
			object := unsignedRequestObject(claims)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				c.Skipf("cannot listen on loopback to serve the request object: %v", err)
			}
			srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/oauth-authz-req+jwt")
				_, _ = w.Write([]byte(object))
			})}
			go func() { _ = srv.Serve(ln) }()
			defer srv.Close()
			a.Params.Set("request_uri", "http://"+ln.Addr().String()+"/request/"+randomToken(8))
			adv := c.Discovery().RequestURIParameterSupported
			if adv == nil {
				adv = new(bool)
				*adv = true // absent means true (OpenID Connect Discovery section 3)
			}
			runRequestObjectFlow(c, a, claims, "request_uri_not_supported", adv, "request_uri")
		})
}

// requestObjectWithRedirectURI is oidcc-ensure-request-object-with-redirect-uri.
func requestObjectWithRedirectURI() *Check {
	return oidcCheck("oidcc-ensure-request-object-with-redirect-uri",
		"The request object's redirect_uri wins over the query's",
		"OpenID Connect Core 1.0 section 6.1", func(c *C) {
			requireNoneAlgForRequests(c)
			a := c.NewAuthRequest("openid")
			claims := requestObjectClaims(c, a)
			bad := "https://unregistered.invalid/" + randomToken(8)
			a.Params.Set("redirect_uri", bad)
			a.Params.Set("request", unsignedRequestObject(claims))
			user := c.target.User
			l := c.Authorize(c.NewBrowser(), a, &user)
			switch {
			case l.RedirectedTo(bad):
				c.Fatalf("the provider redirected to the query's unregistered redirect_uri")
			case l.Params.Get("error") == "request_not_supported":
				c.Skipf("the provider answered request_not_supported")
			case l.IsErrorPage():
				c.Logf("the provider showed an error page for the mismatching redirect_uri, which is allowed")
			default:
				a.Params.Set("redirect_uri", claims["redirect_uri"].(string))
				a.Params.Set("state", claims["state"].(string))
				a.Params.Set("nonce", claims["nonce"].(string))
				code := c.RequireCode(l, a)
				c.RequireTokens(c.RedeemCode(a, code))
			}
		})
}
