package mockapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/smartmate/smartmate-mock/clock"
	"github.com/smartmate/smartmate-mock/protocol"
)

// allowedAlgorithms lists the asymmetric signature algorithms a token may
// use. "none" and every HMAC algorithm are absent: with HMAC, anyone holding
// the realm's public key could sign a token with it as the secret.
var allowedAlgorithms = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512,
	jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512,
	jose.EdDSA,
}

// principal is the validated content of an access token.
type principal struct {
	workspace string
	subject   string
	clientID  string // the "azp" claim: the client the token was issued to
	username  string
	audience  []string
	roles     map[string][]string // resource_access: client id to client roles
	expiry    time.Time
}

// hasRole reports whether the token grants role of client.
func (p *principal) hasRole(client, role string) bool {
	return slices.Contains(p.roles[client], role)
}

// accessClaims are the Keycloak 26 claims the API reads beyond the registered
// ones.
type accessClaims struct {
	Type              string                    `json:"typ"`
	AuthorizedParty   string                    `json:"azp"`
	PreferredUsername string                    `json:"preferred_username"`
	ResourceAccess    map[string]resourceAccess `json:"resource_access"`
}

type resourceAccess struct {
	Roles []string `json:"roles"`
}

// bearerToken returns the token of the Authorization header. It returns ""
// and no error when the request carries no bearer credentials, which
// RFC 6750 section 3.1 rejects with a challenge that has no error code. The
// scheme is case-insensitive (RFC 9110 section 11.1).
func bearerToken(r *http.Request) (string, *protocol.Error) {
	values := r.Header.Values("Authorization")
	if len(values) == 0 {
		return "", nil
	}
	if len(values) > 1 {
		return "", protocol.New(protocol.ErrInvalidRequest, "request has more than one Authorization header")
	}
	scheme, token, _ := strings.Cut(values[0], " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", nil
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return "", protocol.New(protocol.ErrInvalidRequest, "Authorization header has the Bearer scheme but no token")
	}
	return token, nil
}

// verifier validates access tokens against a workspace's issuer and keys.
type verifier struct {
	issuer func(workspace string) string
	keys   KeySource
	clock  clock.Clock
	leeway time.Duration
	cache  *tokenCache // nil when caching is off
	faults []Fault     // Config.Faults
}

// verify returns the principal of a valid access token of workspace. The
// error is an invalid_token *protocol.Error for a bad token, not_found for an
// unknown workspace and a 503 server_error when the keys cannot be loaded.
// It does NOT check roles or the audience: the handler applies the
// workspace's Policy.
func (v *verifier) verify(ctx context.Context, workspace, raw string) (*principal, *protocol.Error) {
	now := v.clock.Now()

	// A token seen before skips parsing and signature verification.
	if v.cache != nil {
		if p, ok := v.cache.get(workspace, raw); ok {
			if !now.Before(p.expiry.Add(v.leeway)) {
				return nil, invalidToken("token is expired")
			}
			return p, nil
		}
	}

	jws, perr := parseToken(raw)
	if perr != nil {
		return nil, perr
	}

	key, perr := v.findKey(ctx, workspace, jws.Signatures[0].Header)
	if perr != nil {
		return nil, perr
	}

	payload, err := jws.Verify(key.Key)
	if err != nil && slices.Contains(v.faults, FaultSkipSignature) {
		payload, err = jws.UnsafePayloadWithoutVerification(), nil
	}
	if err != nil {
		return nil, invalidToken("token signature is invalid").WithCause(err)
	}
	var std jwt.Claims
	var extra accessClaims
	if err := json.Unmarshal(payload, &std); err != nil {
		return nil, invalidToken("token claims are malformed").WithCause(err)
	}
	if err := json.Unmarshal(payload, &extra); err != nil {
		return nil, invalidToken("token claims are malformed").WithCause(err)
	}

	p, perr := v.checkClaims(workspace, now, &std, &extra)
	if perr != nil {
		return nil, perr
	}

	if v.cache != nil {
		v.cache.put(workspace, raw, p, now)
	}
	return p, nil
}

// parseToken parses a JWS in compact serialization and rejects algorithms
// outside allowedAlgorithms.
func parseToken(raw string) (*jose.JSONWebSignature, *protocol.Error) {
	jws, err := jose.ParseSignedCompact(raw, allowedAlgorithms)
	if err != nil {
		var algErr *jose.ErrUnexpectedSignatureAlgorithm
		if errors.As(err, &algErr) {
			return nil, invalidToken(fmt.Sprintf("signing algorithm %q is not allowed", string(algErr.Got)))
		}
		return nil, invalidToken("token is not a well-formed signed JWT").WithCause(err)
	}
	if len(jws.Signatures) != 1 {
		return nil, invalidToken("token must have exactly one signature")
	}
	return jws, nil
}

// findKey returns the workspace key named by the token's "kid", refreshing
// the key set once when the kid is unknown and the source supports it.
func (v *verifier) findKey(ctx context.Context, workspace string, h jose.Header) (*jose.JSONWebKey, *protocol.Error) {
	set, err := v.keys.Keys(ctx, workspace)
	if err != nil {
		return nil, keySourceError(workspace, err)
	}
	key := selectKey(set, h)
	if key == nil {
		if refresher, ok := v.keys.(KeyRefresher); ok {
			set, err = refresher.RefreshKeys(ctx, workspace)
			if err != nil {
				return nil, keySourceError(workspace, err)
			}
			key = selectKey(set, h)
		}
	}
	if key == nil {
		return nil, invalidToken(fmt.Sprintf("signing key %q is not in the workspace's key set", h.KeyID))
	}
	if key.Algorithm != "" && key.Algorithm != h.Algorithm {
		return nil, invalidToken(fmt.Sprintf("token algorithm %q does not match the algorithm %q of key %q", h.Algorithm, key.Algorithm, h.KeyID))
	}
	return key, nil
}

// selectKey returns the signing key with the header's kid, or nil. A key
// marked for encryption ("use": "enc", which Keycloak 26 publishes next to
// its signing keys) never verifies a signature.
func selectKey(set *jose.JSONWebKeySet, h jose.Header) *jose.JSONWebKey {
	if set == nil {
		return nil
	}
	keys := set.Key(h.KeyID)
	for i := range keys {
		if keys[i].Use == "" || keys[i].Use == "sig" {
			return &keys[i]
		}
	}
	return nil
}

// checkClaims applies the issuer, time and "typ" rules to verified claims.
func (v *verifier) checkClaims(workspace string, now time.Time, std *jwt.Claims, extra *accessClaims) (*principal, *protocol.Error) {
	// Issuer: a token of another realm, even one signed with a shared key,
	// must not open this workspace.
	want := v.issuer(workspace)
	if std.Issuer != want {
		return nil, invalidToken(fmt.Sprintf("issuer %q does not match the workspace issuer %q", std.Issuer, want))
	}

	// Times: exp is required because Keycloak 26 sets it on every access
	// token, and a token without one would be valid forever.
	if std.Expiry == nil {
		return nil, invalidToken("token has no exp claim")
	}
	err := std.ValidateWithLeeway(jwt.Expected{Time: now}, v.leeway)
	switch {
	case errors.Is(err, jwt.ErrExpired):
		return nil, invalidToken("token is expired")
	case errors.Is(err, jwt.ErrNotValidYet):
		return nil, invalidToken("token is not valid yet (nbf is in the future)")
	case errors.Is(err, jwt.ErrIssuedInTheFuture):
		return nil, invalidToken("token is issued in the future (iat)")
	case err != nil:
		return nil, invalidToken("token claims are invalid").WithCause(err)
	}

	// Type: Keycloak 26 signs access, ID and refresh tokens alike and marks
	// each kind with the "typ" claim in the payload (not the JOSE header), so
	// an ID token must not pass for an access token.
	if extra.Type != protocol.TokenTypeBearer && !slices.Contains(v.faults, FaultAcceptIDToken) {
		return nil, invalidToken(fmt.Sprintf("token type %q is not allowed, expected %q", extra.Type, protocol.TokenTypeBearer))
	}

	roles := make(map[string][]string, len(extra.ResourceAccess))
	for client, access := range extra.ResourceAccess {
		roles[client] = access.Roles
	}
	return &principal{
		workspace: workspace,
		subject:   std.Subject,
		clientID:  extra.AuthorizedParty,
		username:  extra.PreferredUsername,
		audience:  std.Audience,
		roles:     roles,
		expiry:    std.Expiry.Time(),
	}, nil
}

func invalidToken(description string) *protocol.Error {
	return protocol.New(protocol.ErrInvalidToken, description)
}

// keySourceError maps a KeySource error to the response: 404 for an unknown
// workspace, 503 otherwise, because the token may well be valid.
func keySourceError(workspace string, err error) *protocol.Error {
	if errors.Is(err, ErrUnknownWorkspace) {
		return protocol.Errorf(protocol.ErrNotFound, "workspace %q not found", workspace).WithCause(err)
	}
	return protocol.Errorf(protocol.ErrServerError, "signing keys of workspace %q could not be loaded, try again later", workspace).
		WithStatus(http.StatusServiceUnavailable).WithCause(err)
}

// loggedAlgorithms are the algorithms whose tokens unverifiedClientID reads:
// the allowed ones and HMAC, so a rejected HS256 or HS512 token (such as a
// Keycloak refresh token) still names its client in the log.
var loggedAlgorithms = append([]jose.SignatureAlgorithm{jose.HS256, jose.HS384, jose.HS512}, allowedAlgorithms...)

// unverifiedClientID returns the "azp" claim of a token without verifying
// it, for the log line of a rejected request. It returns "" when the token
// cannot be parsed.
func unverifiedClientID(raw string) string {
	jws, err := jose.ParseSignedCompact(raw, loggedAlgorithms)
	if err != nil {
		return ""
	}
	var extra accessClaims
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &extra); err != nil {
		return ""
	}
	return extra.AuthorizedParty
}
