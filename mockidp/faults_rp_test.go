package mockidp

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/smartmate/smartmate-mock/internal/testkeys"
)

// TestRPFaultsFailVerification shows that each fault makes a token that
// go-oidc's verifier, or its at_hash or nonce check, rejects, while the
// same client without the fault gets tokens that verify.
func TestRPFaultsFailVerification(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, e.Issuer("demo"))
	if err != nil {
		t.Fatal(err)
	}
	verifier := provider.Verifier(&oidc.Config{ClientID: "demo-cli", Now: e.clock.Now})
	password := url.Values{"grant_type": {"password"}, "client_id": {"demo-cli"}, "username": {"alice"}, "password": {"alice-password"}, "scope": {"openid"}}

	// A fault set on another client leaves demo-cli alone.
	if err := e.SetClientFault("demo", "demo-web", FaultAlgNone); err != nil {
		t.Fatal(err)
	}
	clean := tokenFor(t, e, "demo", password, "", "")
	if _, err := verifier.Verify(ctx, clean["id_token"].(string)); err != nil {
		t.Fatalf("Verify(ID token without fault) error = %v", err)
	}

	for _, fault := range RPFaults {
		if err := e.SetClientFault("demo", "demo-cli", fault); err != nil {
			t.Fatal(err)
		}
		resp := tokenFor(t, e, "demo", password, "", "")
		rawID := resp["id_token"].(string)
		access := resp["access_token"].(string)
		idToken, verr := verifier.Verify(ctx, rawID)

		switch fault {
		case FaultWrongAtHash:
			if verr != nil {
				t.Errorf("%s: Verify() error = %v, want only at_hash wrong", fault, verr)
				continue
			}
			if err := idToken.VerifyAccessToken(access); err == nil {
				t.Errorf("%s: VerifyAccessToken() = nil, want a mismatch", fault)
			}
		case FaultWrongNonce:
			if verr != nil {
				t.Errorf("%s: Verify() error = %v, want only the nonce wrong", fault, verr)
				continue
			}
			if idToken.Nonce != "not-the-nonce-you-sent" {
				t.Errorf("%s: nonce = %q, want the wrong nonce", fault, idToken.Nonce)
			}
		case FaultRefreshNotJWT:
			if verr != nil {
				t.Errorf("%s: Verify(ID token) error = %v, want the ID token intact", fault, verr)
			}
			if rt := resp["refresh_token"].(string); strings.Count(rt, ".") == 2 {
				t.Errorf("%s: refresh token %q looks like a JWS", fault, rt)
			}
		case FaultMissingKID, FaultIATFuture, FaultMissingSubject:
			// go-oidc v3.21 accepts these: it tries every key when kid is
			// absent and checks neither iat nor sub. The defect is checked
			// in the token instead; the relying-party matrix records
			// each library's verdict.
			header, claims := jwtParts(t, rawID)
			defective := map[RPFault]bool{
				FaultMissingKID:     header["kid"] == nil,
				FaultIATFuture:      claims["iat"].(float64) > float64(e.clock.Now().Unix()+3600),
				FaultMissingSubject: claims["sub"] == nil,
			}
			if !defective[fault] {
				t.Errorf("%s: ID token header %v claims %v lack the defect", fault, header, claims)
			}
		default:
			if verr == nil {
				t.Errorf("%s: Verify(ID token) error = nil, want a rejection", fault)
			}
		}
	}
}

func TestRotateKeysKeepsOrDropsOldKey(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	ctx := context.Background()
	password := url.Values{"grant_type": {"password"}, "client_id": {"demo-cli"}, "username": {"bob"}, "password": {"bob-password"}, "scope": {"openid"}}
	before := tokenFor(t, e, "demo", password, "", "")["id_token"].(string)

	kid, err := e.RotateKeys("demo", testkeys.RSA(3), true)
	if err != nil {
		t.Fatalf("RotateKeys(keep) error = %v", err)
	}
	after := tokenFor(t, e, "demo", password, "", "")["id_token"].(string)
	if header, _ := jwtParts(t, after); header["kid"] != kid {
		t.Errorf("new token kid = %v, want the rotated %q", header["kid"], kid)
	}
	provider, err := oidc.NewProvider(ctx, e.Issuer("demo"))
	if err != nil {
		t.Fatal(err)
	}
	verifier := provider.Verifier(&oidc.Config{ClientID: "demo-cli", Now: e.clock.Now})
	for name, tok := range map[string]string{"old": before, "new": after} {
		if _, err := verifier.Verify(ctx, tok); err != nil {
			t.Errorf("Verify(%s token) after rotation with keep error = %v", name, err)
		}
	}

	// Through the testing endpoint, dropping the old keys.
	status, _, body := postForm(t, e.Issuer("demo")+"/testing/rotate-keys", url.Values{"keep": {"false"}}, "", "")
	if status != http.StatusOK {
		t.Fatalf("rotate-keys status = %d, body %s", status, body)
	}
	var rotated rotateResponse
	if err := json.Unmarshal(body, &rotated); err != nil || rotated.KID == "" || rotated.KID == kid {
		t.Fatalf("rotate-keys body = %s, want a new kid", body)
	}
	set, err := e.PublicKeys(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.Use+":"+k.KeyID)
	}
	if len(kids) != 2 || kids[0] != "sig:"+rotated.KID || !strings.HasPrefix(kids[1], "enc:") {
		t.Errorf("JWKS keys = %v, want the new signing key and the encryption key only", kids)
	}
	// A fresh verifier, which fetches the JWKS anew, rejects the old token.
	fresh, err := oidc.NewProvider(ctx, e.Issuer("demo"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fresh.Verifier(&oidc.Config{ClientID: "demo-cli", Now: e.clock.Now}).Verify(ctx, before); err == nil {
		t.Error("Verify(old token) after dropping its key error = nil, want a rejection")
	}
}

func TestSetFaultEndpoint(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	target := e.Issuer("demo") + "/testing/clients/demo-cli/rp-fault"
	status, _, body := postForm(t, target, url.Values{"fault": {"expired"}}, "", "")
	if status != http.StatusOK || !strings.Contains(string(body), `"fault":"expired"`) {
		t.Fatalf("set fault = %d %s, want 200 with the fault", status, body)
	}
	if got := e.rpFaults.get("demo", "demo-cli"); got != FaultExpired {
		t.Errorf("fault = %q, want expired", got)
	}
	status, _, body = postForm(t, target, url.Values{"fault": {"melted"}}, "", "")
	if status != http.StatusBadRequest || !strings.Contains(string(body), `unknown relying-party fault \"melted\"`) {
		t.Errorf("unknown fault = %d %s, want 400 naming it", status, body)
	}
	status, _, _ = postForm(t, e.Issuer("demo")+"/testing/clients/nobody/rp-fault", url.Values{"fault": {"expired"}}, "", "")
	if status != http.StatusNotFound {
		t.Errorf("unknown client = %d, want 404", status)
	}
}

func TestTestingEndpointsCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	e := startEmulator(t, WithoutTestingEndpoints())
	status, _, _ := postForm(t, e.Issuer("demo")+"/testing/rotate-keys", url.Values{}, "", "")
	if status != http.StatusNotFound {
		t.Errorf("rotate-keys with the endpoints off = %d, want 404", status)
	}
	on := startEmulator(t)
	status, _, body := postForm(t, on.Issuer("demo")+"/testing/rotate-keys", url.Values{"keep": {"no"}}, "", "")
	if status != http.StatusBadRequest || !strings.Contains(string(body), `keep must be true or false, got \"no\"`) {
		t.Errorf("rotate-keys with keep=no = %d %s, want 400 naming the value", status, body)
	}
}
