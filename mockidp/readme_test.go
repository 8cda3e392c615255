package mockidp_test

import (
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/smartmate/smartmate-mock/mockidp"
)

// TestReadmeHarnessExample is the README's harness example, kept here so
// that the README stays true.
func TestReadmeHarnessExample(t *testing.T) {
	t.Parallel()
	ts := mockidp.NewTestServer(t) // demo realm on 127.0.0.1, closed when the test ends
	provider, err := oidc.NewProvider(t.Context(), ts.Issuer("demo"))
	if err != nil {
		t.Fatal(err)
	}
	verifier := provider.Verifier(&oidc.Config{SkipClientIDCheck: true, Now: ts.Clock().Now})

	tokens := ts.ClientCredentialsToken("demo", "demo-backend", "demo-backend-secret")
	if _, err := verifier.Verify(t.Context(), tokens.AccessToken); err != nil {
		t.Fatal(err)
	}

	ts.Clock().Advance(6 * time.Minute) // the token is now expired
	if _, err := verifier.Verify(t.Context(), tokens.AccessToken); err == nil {
		t.Error("Verify() after 6 minutes error = nil, want the token expired")
	}
}
