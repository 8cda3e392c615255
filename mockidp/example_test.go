package mockidp_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/smartmate/smartmate-mock/internal/testkeys"
	"github.com/smartmate/smartmate-mock/mockidp"
)

func ExampleStartTestServer() {
	// In a test, ts := mockidp.NewTestServer(t) does the same and closes
	// the server when the test ends.
	ts, err := mockidp.StartTestServer()
	if err != nil {
		log.Fatal(err)
	}
	defer ts.Close()

	provider, err := oidc.NewProvider(context.Background(), ts.Issuer("demo"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.TrimPrefix(ts.Issuer("demo"), ts.URL()))
	fmt.Println(strings.TrimPrefix(provider.Endpoint().TokenURL, ts.URL()))
	// Output:
	// /realms/demo
	// /realms/demo/protocol/openid-connect/token
}

func ExampleTestServer_ClientCredentialsToken() {
	ts, err := mockidp.StartTestServer()
	if err != nil {
		log.Fatal(err)
	}
	defer ts.Close()
	ctx := context.Background()

	tokens := ts.ClientCredentialsToken("demo", "demo-backend", "demo-backend-secret")

	// An API validates the access token as it would validate Keycloak's.
	provider, err := oidc.NewProvider(ctx, ts.Issuer("demo"))
	if err != nil {
		log.Fatal(err)
	}
	verifier := provider.Verifier(&oidc.Config{SkipClientIDCheck: true, Now: ts.Clock().Now})
	token, err := verifier.Verify(ctx, tokens.AccessToken)
	if err != nil {
		log.Fatal(err)
	}
	var claims struct {
		Azp            string `json:"azp"`
		ResourceAccess map[string]struct {
			Roles []string `json:"roles"`
		} `json:"resource_access"`
	}
	if err := token.Claims(&claims); err != nil {
		log.Fatal(err)
	}
	fmt.Println("azp:", claims.Azp)
	fmt.Println("smartmate-api roles:", claims.ResourceAccess["smartmate-api"].Roles)
	fmt.Println("lifetime:", tokens.Expiry.Sub(ts.Clock().Now()))
	// Output:
	// azp: demo-backend
	// smartmate-api roles: [apps:read apps:write]
	// lifetime: 5m0s
}

func ExampleTestServer_UserTokens() {
	ts, err := mockidp.StartTestServer()
	if err != nil {
		log.Fatal(err)
	}
	defer ts.Close()
	ctx := context.Background()

	// demo-web is a public client that only allows the browser login, so
	// UserTokens issues the tokens that this login would return.
	tokens := ts.UserTokens("demo", "demo-web", "alice", "alice-password", "openid", "email")

	provider, err := oidc.NewProvider(ctx, ts.Issuer("demo"))
	if err != nil {
		log.Fatal(err)
	}
	idToken, err := provider.Verifier(&oidc.Config{ClientID: "demo-web", Now: ts.Clock().Now}).Verify(ctx, tokens.IDToken)
	if err != nil {
		log.Fatal(err)
	}
	var claims struct {
		Email    string `json:"email"`
		Username string `json:"preferred_username"`
	}
	if err := idToken.Claims(&claims); err != nil {
		log.Fatal(err)
	}
	fmt.Println(claims.Username, claims.Email)
	fmt.Println("refresh token:", tokens.RefreshToken != "")
	// Output:
	// alice alice@example.com
	// refresh token: true
}

func ExampleTestServer_SignToken() {
	ts, err := mockidp.StartTestServer()
	if err != nil {
		log.Fatal(err)
	}
	defer ts.Close()
	ctx := context.Background()

	// A token with the claims the test chooses, for a case that no grant
	// produces: here an audience of another API.
	raw := ts.SignToken("demo", map[string]any{
		"iss": ts.Issuer("demo"),
		"aud": "billing-api",
		"sub": "tenant-42",
		"exp": ts.Clock().Now().Add(time.Minute).Unix(),
	})

	provider, err := oidc.NewProvider(ctx, ts.Issuer("demo"))
	if err != nil {
		log.Fatal(err)
	}
	token, err := provider.Verifier(&oidc.Config{ClientID: "billing-api", Now: ts.Clock().Now}).Verify(ctx, raw)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(token.Subject, token.Audience)
	// Output:
	// tenant-42 [billing-api]
}

func ExampleTestServer_Clock() {
	ts, err := mockidp.StartTestServer()
	if err != nil {
		log.Fatal(err)
	}
	defer ts.Close()
	ctx := context.Background()

	tokens := ts.ClientCredentialsToken("demo", "demo-backend", "demo-backend-secret")
	provider, err := oidc.NewProvider(ctx, ts.Issuer("demo"))
	if err != nil {
		log.Fatal(err)
	}
	verifier := provider.Verifier(&oidc.Config{SkipClientIDCheck: true, Now: ts.Clock().Now})

	// The demo realm's access tokens live 5 minutes.
	ts.Clock().Advance(5*time.Minute + time.Second)

	_, err = verifier.Verify(ctx, tokens.AccessToken)
	var expired *oidc.TokenExpiredError
	fmt.Println("expired:", errors.As(err, &expired))
	// Output:
	// expired: true
}

func ExampleNewRealm() {
	realm := mockidp.NewRealm("acme").
		// Generating RSA keys slows tests down, so load fixed keys
		// from your test data.
		SigningKey(testkeys.RSA(1)).
		EncryptionKey(testkeys.RSA(2)).
		ClientRole("acme-api", "invoices:read").
		Client(mockidp.ClientSpec{ClientID: "acme-api", BearerOnly: true}).
		Client(mockidp.ClientSpec{
			ClientID:                  "acme-worker",
			Secret:                    "worker-secret",
			ServiceAccount:            true,
			ServiceAccountClientRoles: map[string][]string{"acme-api": {"invoices:read"}},
		})

	ts, err := mockidp.StartTestServer(mockidp.WithRealm(realm), mockidp.WithoutDefaultRealm())
	if err != nil {
		log.Fatal(err)
	}
	defer ts.Close()

	tokens := ts.ClientCredentialsToken("acme", "acme-worker", "worker-secret")
	fmt.Println(strings.TrimPrefix(ts.Issuer("acme"), ts.URL()), tokens.TokenType)
	// Output:
	// /realms/acme Bearer
}
