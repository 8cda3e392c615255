package mockidp

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"

	"github.com/smartmate/smartmate-mock/protocol"
)

// checkPKCERequest validates the PKCE parameters of an authorization
// request (RFC 7636 section 4.3) with Keycloak 26's messages, and returns
// the method to store. A challenge without a method means plain. A client
// whose pkce.code.challenge.method attribute is set must use that method.
func checkPKCERequest(c *Client, challenge, method string) (string, *protocol.Error) {
	if c.PKCEMethod != "" {
		if method == "" {
			return "", protocol.New(protocol.ErrInvalidRequest, "Missing parameter: code_challenge_method")
		}
		if method != c.PKCEMethod {
			return "", protocol.New(protocol.ErrInvalidRequest, "Invalid parameter: code challenge method is not configured one")
		}
		if challenge == "" {
			return "", protocol.New(protocol.ErrInvalidRequest, "Missing parameter: code_challenge")
		}
	}
	if challenge == "" {
		// Keycloak 26 ignores a method sent without a challenge.
		return "", nil
	}
	if method == "" {
		method = protocol.PKCEMethodPlain
	}
	if method != protocol.PKCEMethodPlain && method != protocol.PKCEMethodS256 {
		return "", protocol.New(protocol.ErrInvalidRequest, "Invalid parameter: code_challenge_method")
	}
	if !validPKCEValue(challenge) {
		return "", protocol.New(protocol.ErrInvalidRequest, "Invalid parameter: code_challenge")
	}
	return method, nil
}

// Keycloak 26's code_verifier errors at the token endpoint.
var (
	errPKCEMissing  = protocol.New(protocol.ErrInvalidGrant, "PKCE code verifier not specified")
	errPKCEInvalid  = protocol.New(protocol.ErrInvalidGrant, "PKCE invalid code verifier")
	errPKCEMismatch = protocol.New(protocol.ErrInvalidGrant, "PKCE verification failed")
)

// checkPKCEVerifier checks a code_verifier against the stored challenge
// (RFC 7636 section 4.6). Without a stored challenge a verifier is ignored,
// as Keycloak 26 ignores it.
func checkPKCEVerifier(challenge, method, verifier string) error {
	if challenge == "" {
		return nil
	}
	if verifier == "" {
		return errPKCEMissing
	}
	if !validPKCEValue(verifier) {
		return errPKCEInvalid
	}
	computed := verifier
	if method == protocol.PKCEMethodS256 {
		sum := sha256.Sum256([]byte(verifier))
		computed = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if subtle.ConstantTimeCompare([]byte(computed), []byte(challenge)) != 1 {
		return errPKCEMismatch
	}
	return nil
}

// validPKCEValue reports whether v has RFC 7636's length, 43 to 128, and
// only unreserved characters.
func validPKCEValue(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for _, r := range v {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '-', r == '.', r == '_', r == '~':
		default:
			return false
		}
	}
	return true
}
