package conformance

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Smartmate profile: the apps GraphQL API at Target.APIURL accepts valid
// access tokens and rejects others as RFC 6750 section 3 prescribes.

// smartmateCheck returns a MUST-level check of the smartmate profile.
func smartmateCheck(id, title, spec string, run func(c *C)) *Check {
	return &Check{ID: id, Title: title, Spec: spec, Severity: SeverityMust, Profile: ProfileSmartmate, Run: run}
}

// appsQuery lists the workspace's apps.
const appsQuery = `{ apps { name } }`

// createAppMutation would create an app; the checks send it only with
// tokens that must be refused.
const createAppMutation = `mutation { createApp(input: {name: "conformance-kit probe"}) { id } }`

// GraphQL posts a GraphQL query to the API with an optional bearer token.
func (c *C) GraphQL(query, token string) *Response {
	api := c.target.APIURL
	if api == "" {
		c.Skipf("no API URL configured")
	}
	body, _ := json.Marshal(map[string]string{"query": query}) // strings always encode
	req, err := http.NewRequest(http.MethodPost, api, bytes.NewReader(body))
	if err != nil {
		c.Fatalf("invalid API URL %q: %v", api, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	r := c.Do(req, nil)
	if r.Status == http.StatusNotFound {
		// A 404 means no GraphQL endpoint at this URL, such as an emulator
		// started without the apps API, rather than an API that misjudged
		// the token.
		c.Skipf("the API URL %s returned HTTP 404, so no Smartmate API serves it: set Target.APIURL (--api-url) or leave out the smartmate profile", api)
	}
	return r
}

// userTokens returns tokens for user: with the password grant when the
// second client may use it, else with the browser code flow.
func userTokens(c *C, user User) *TokenResponse {
	if cl := c.target.SecondClient; cl.ID != "" && slices.Contains(c.Discovery().GrantTypes(), "password") {
		form := url.Values{"grant_type": {"password"}, "username": {user.Username}, "password": {user.Password}, "scope": {"openid"}}
		r := c.TokenRequest(form, cl, AuthFor(cl))
		if r.Status == 200 {
			return c.RequireTokens(r)
		}
		c.Logf("password grant unavailable (HTTP %d), using the browser flow", r.Status)
	}
	a := c.NewAuthRequest("openid")
	l := c.Authorize(c.NewBrowser(), a, &user)
	code := c.RequireCode(l, a)
	return c.RequireTokens(c.RedeemCode(a, code))
}

// requireChallenge checks the status and the Bearer challenge of an API
// rejection: realm present, and error equal to wantError ("" for none).
func requireChallenge(c *C, r *Response, status int, wantError string) {
	if r.Status != status {
		c.Errorf("HTTP status = %d, want %d", r.Status, status)
	}
	scheme, params := bearerChallenge(r.Header)
	if !strings.EqualFold(scheme, "Bearer") {
		c.Fatalf("WWW-Authenticate = %q, want a Bearer challenge", r.Header.Get("WWW-Authenticate"))
	}
	if params["realm"] == "" {
		c.Errorf("the challenge has no realm")
	}
	if got := params["error"]; got != wantError {
		c.Errorf("challenge error = %q, want %q", got, wantError)
	}
}

// requireApps checks a successful apps query.
func requireApps(c *C, r *Response) {
	if r.Status != 200 {
		c.Fatalf("HTTP status = %d, want 200", r.Status)
	}
	var body struct {
		Data struct {
			Apps []struct {
				Name string `json:"name"`
			} `json:"apps"`
		} `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		c.Fatalf("the response is not GraphQL JSON: %v", err)
	}
	if len(body.Errors) > 0 {
		c.Errorf("the response carries %d GraphQL errors", len(body.Errors))
	}
	if !bytes.Contains(r.Body, []byte(`"apps":[`)) {
		c.Errorf("data.apps is not a list")
	}
	c.Logf("%d apps listed", len(body.Data.Apps))
}

func smartmateChecks() []*Check {
	return []*Check{
		smartmateCheck("smartmate-api-accepts-user-token", "The API lists apps for a user with the apps:read role",
			"Smartmate apps API; RFC 6750 section 2.1", func(c *C) {
				tr := userTokens(c, c.target.User)
				requireApps(c, c.GraphQL(appsQuery, tr.AccessToken))
			}),
		smartmateCheck("smartmate-api-accepts-service-account", "The API lists apps for the confidential client's service account",
			"Smartmate apps API; RFC 6749 section 4.4", func(c *C) {
				if c.target.APIURL == "" {
					c.Skipf("no API URL configured")
				}
				tr := c.ClientCredentials()
				requireApps(c, c.GraphQL(appsQuery, tr.AccessToken))
			}),
		smartmateCheck("smartmate-api-missing-token", "The API answers a request without a token with 401 and a bare Bearer challenge",
			"RFC 6750 section 3", func(c *C) {
				requireChallenge(c, c.GraphQL(appsQuery, ""), 401, "")
			}),
		smartmateCheck("smartmate-api-invalid-token", "The API answers a tampered token with 401 invalid_token",
			"RFC 6750 section 3.1", func(c *C) {
				tr := userTokens(c, c.target.User)
				requireChallenge(c, c.GraphQL(appsQuery, tamper(tr.AccessToken)), 401, "invalid_token")
			}),
		smartmateCheck("smartmate-api-id-token-rejected", "The API refuses an ID token as a bearer token",
			"RFC 9068 section 5; Keycloak typ claim", func(c *C) {
				tr := userTokens(c, c.target.User)
				if tr.IDToken == "" {
					c.Skipf("no ID token issued")
				}
				requireChallenge(c, c.GraphQL(appsQuery, tr.IDToken), 401, "invalid_token")
			}),
		smartmateCheck("smartmate-api-insufficient-scope", "The API answers a mutation by a user without apps:write with 403 insufficient_scope",
			"RFC 6750 section 3.1", func(c *C) {
				if c.target.SecondUser.Username == "" {
					c.Skipf("no second user configured")
				}
				tr := userTokens(c, c.target.SecondUser)
				requireChallenge(c, c.GraphQL(createAppMutation, tr.AccessToken), 403, "insufficient_scope")
			}),
		smartmateCheck("smartmate-api-read-needs-role", "The API answers a query by a user without apps:read with 403 insufficient_scope",
			"RFC 6750 section 3.1", func(c *C) {
				if c.target.SecondUser.Username == "" {
					c.Skipf("no second user configured")
				}
				tr := userTokens(c, c.target.SecondUser)
				requireChallenge(c, c.GraphQL(appsQuery, tr.AccessToken), 403, "insufficient_scope")
			}),
	}
}
