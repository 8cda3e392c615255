package conformance

import (
	"slices"
	"strings"
	"time"
)

// Keycloak 26's access, ID and refresh tokens of the client_credentials and
// password grants, which need no browser login.

// tokenSkew is the clock difference the kit tolerates between itself and
// the provider when it judges exp and iat, as the OpenID suite does.
const tokenSkew = 5 * time.Minute

// checkKeycloakAccessToken verifies an access token as a Keycloak 26
// resource server would and checks the layout Keycloak gives it. The header
// has typ JWT, a kid and RS256 (the realm default). The claims have iss,
// typ Bearer, azp, sub, and an exp and iat that are plausible now.
func checkKeycloakAccessToken(c *C, raw, clientID string) map[string]any {
	typ, h, claims := accessTokenJWT(c, raw)
	if typ != "JWT" {
		c.Errorf("access token header typ = %q, want JWT", typ)
	}
	if h.KeyID == "" {
		c.Errorf("access token header has no kid")
	}
	if h.Algorithm != "RS256" {
		c.Errorf("access token alg = %q, want RS256, the realm default", h.Algorithm)
	}

	want := map[string]string{"iss": c.Discovery().Issuer, "typ": "Bearer", "azp": clientID}
	for name, value := range want {
		if got, _ := claims[name].(string); got != value {
			c.Errorf("access token %s = %q, want %q", name, got, value)
		}
	}
	if sub, _ := claims["sub"].(string); sub == "" {
		c.Errorf("access token has no sub")
	}

	now := time.Now()
	if exp, ok := numberClaim(claims, "exp"); !ok || time.Unix(exp, 0).Before(now.Add(-tokenSkew)) {
		c.Errorf("access token exp = %v, want a time in the future", claims["exp"])
	}
	if iat, ok := numberClaim(claims, "iat"); !ok || time.Unix(iat, 0).After(now.Add(tokenSkew)) {
		c.Errorf("access token iat = %v, want a time that is not in the future", claims["iat"])
	}
	return claims
}

// checkKeycloakRefreshToken checks Keycloak 24+'s refresh token layout: an
// HS512 JWS with typ Refresh and aud equal to the issuer. The HMAC key
// never leaves Keycloak, so only the layout is checked.
func checkKeycloakRefreshToken(c *C, raw, clientID string) {
	h, claims, err := decodeClaims(raw)
	if err != nil {
		c.Errorf("refresh token is not a JWS: %v", err)
		return
	}
	if h.Algorithm != "HS512" {
		c.Errorf("refresh token alg = %q, want HS512 (Keycloak 24+)", h.Algorithm)
	}
	if claims["typ"] != "Refresh" {
		c.Errorf("refresh token typ = %v, want Refresh", claims["typ"])
	}
	if aud, _ := claims["aud"].(string); aud != c.Discovery().Issuer {
		c.Errorf("refresh token aud = %v, want the issuer as a string", claims["aud"])
	}
	if claims["azp"] != clientID {
		c.Errorf("refresh token azp = %v, want %q", claims["azp"], clientID)
	}
}

func keycloakTokenChecks() []*Check {
	return []*Check{
		keycloakCheck("keycloak-service-account-token", "Service account tokens carry typ, azp, client_id and the service account name",
			"Keycloak 26 TokenManager and ServiceAccountConstants", func(c *C) {
				requireRealm(c)
				tr := c.ClientCredentials()
				cl := c.target.ConfidentialClient
				claims := checkKeycloakAccessToken(c, tr.AccessToken, cl.ID)
				want := map[string]string{"client_id": cl.ID, "preferred_username": "service-account-" + strings.ToLower(cl.ID)}
				for name, value := range want {
					if got, _ := claims[name].(string); got != value {
						c.Errorf("%s = %q, want %q", name, got, value)
					}
				}
				if _, ok := claims["realm_access"].(map[string]any); !ok {
					c.Errorf("realm_access is missing")
				}
			}),
		keycloakCheck("keycloak-password-grant-tokens", "Password grant tokens verify and have Keycloak's layout",
			"Keycloak 26 ResourceOwnerPasswordCredentialsGrantType and TokenManager", func(c *C) {
				requireRealm(c)
				tr := requirePasswordTokens(c, c.target.User, "openid")
				cl := c.target.SecondClient
				at := checkKeycloakAccessToken(c, tr.AccessToken, cl.ID)
				if at["preferred_username"] != c.target.User.Username {
					c.Errorf("access token preferred_username = %v, want %q", at["preferred_username"], c.target.User.Username)
				}
				if tr.IDToken == "" {
					c.Fatalf("no ID token although scope contains openid")
				}
				id := c.VerifyIDToken(tr.IDToken, "", cl.ID, tr.AccessToken)
				if id.Claims["typ"] != "ID" {
					c.Errorf("ID token typ = %v, want ID", id.Claims["typ"])
				}
				if _, ok := id.Claims["at_hash"]; !ok {
					c.Errorf("the ID token has no at_hash")
				}
				if id.Subject() != at["sub"] {
					c.Errorf("ID token sub %q differs from the access token's %v", id.Subject(), at["sub"])
				}
				if tr.RefreshToken == "" {
					c.Fatalf("no refresh token; Keycloak issues one for the password grant")
				}
				checkKeycloakRefreshToken(c, tr.RefreshToken, cl.ID)
				if n, ok := numberClaim(tr.Raw, "refresh_expires_in"); !ok || n <= 0 {
					c.Errorf("refresh_expires_in = %v, want a positive number", tr.Raw["refresh_expires_in"])
				}
				if !slices.Contains(strings.Fields(tr.Scope), "openid") {
					c.Errorf("scope = %q, want it to contain openid", tr.Scope)
				}
			}),
	}
}
