package mockidp

import (
	"net/http"
	"net/url"
	"testing"
)

func TestCodeFlowOverHTTP(t *testing.T) {
	t.Parallel()
	env := newBrowserEnv(t, "")
	hc := env.browser(t)
	loc := env.loginCode(t, hc, codeParams("web", "http://127.0.0.1/cb"))
	t.Logf("redirect: %s", loc)
	q := loc.Query()
	status, body := env.tokenRequest(t, url.Values{
		"grant_type": {"authorization_code"}, "code": {q.Get("code")},
		"redirect_uri": {"http://127.0.0.1/cb"}, "client_id": {"web"},
	})
	if status != http.StatusOK {
		t.Fatalf("token status %d body %v", status, body)
	}
	t.Logf("%v", tokenPayload(t, body["id_token"].(string)))
}
