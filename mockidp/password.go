package mockidp

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash"
	"strconv"

	"golang.org/x/crypto/argon2"
)

// passwordVerifier checks a password against a stored credential.
type passwordVerifier interface {
	verify(password string) bool
}

type plainPassword string

func (p plainPassword) verify(password string) bool {
	return subtle.ConstantTimeCompare([]byte(p), []byte(password)) == 1
}

// hashedPassword is a credential in the form Keycloak 26 exports: a derived
// key with its salt and the algorithm's parameters.
type hashedPassword struct {
	algorithm  string
	iterations int
	salt       []byte
	value      []byte
	params     map[string][]string
}

func (h *hashedPassword) verify(password string) bool {
	got, err := h.derive(password)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(got, h.value) == 1
}

func (h *hashedPassword) derive(password string) ([]byte, error) {
	var newHash func() hash.Hash
	switch h.algorithm {
	case "pbkdf2":
		newHash = sha1.New
	case "pbkdf2-sha256":
		newHash = sha256.New
	case "pbkdf2-sha512":
		newHash = sha512.New
	case "argon2":
		return h.deriveArgon2(password)
	default:
		return nil, fmt.Errorf("unsupported algorithm %q", h.algorithm)
	}
	// The stored key's length gives the derived key size, which differs
	// between Keycloak versions (512 bits, or 256 for pbkdf2-sha256).
	return pbkdf2.Key(newHash, password, h.salt, h.iterations, len(h.value))
}

func (h *hashedPassword) deriveArgon2(password string) ([]byte, error) {
	param := func(name string, def int) int {
		if v := h.params[name]; len(v) > 0 {
			if n, err := strconv.Atoi(v[0]); err == nil {
				return n
			}
		}
		return def
	}
	kind := "id"
	if v := h.params["type"]; len(v) > 0 {
		kind = v[0]
	}
	// NOTE: Keycloak 25 and 26 are believed to use argon2id with 7168 KiB
	// and parallelism 1. Exports carry every parameter, so these defaults
	// matter only for hand-written files.
	memory := uint32(param("memory", 7168))
	threads := uint8(param("parallelism", 1))
	length := uint32(len(h.value))
	switch kind {
	case "id":
		return argon2.IDKey([]byte(password), h.salt, uint32(h.iterations), memory, threads, length), nil
	case "i":
		return argon2.Key([]byte(password), h.salt, uint32(h.iterations), memory, threads, length), nil
	default:
		return nil, fmt.Errorf("unsupported argon2 type %q", kind)
	}
}

// parsePasswordCredential reads a password credential: a plain "value" for
// import, or Keycloak's "secretData" and "credentialData" JSON strings.
func parsePasswordCredential(c credentialRep) (passwordVerifier, error) {
	if c.SecretData == "" {
		if c.Value == "" {
			return nil, fmt.Errorf("password credential has neither \"value\" nor \"secretData\"")
		}
		return plainPassword(c.Value), nil
	}
	var secret struct {
		Value string `json:"value"`
		Salt  string `json:"salt"`
	}
	if err := json.Unmarshal([]byte(c.SecretData), &secret); err != nil {
		return nil, fmt.Errorf("secretData is not a JSON object: %v", err)
	}
	var data struct {
		HashIterations       int                 `json:"hashIterations"`
		Algorithm            string              `json:"algorithm"`
		AdditionalParameters map[string][]string `json:"additionalParameters"`
	}
	if c.CredentialData == "" {
		return nil, fmt.Errorf("secretData without credentialData")
	}
	if err := json.Unmarshal([]byte(c.CredentialData), &data); err != nil {
		return nil, fmt.Errorf("credentialData is not a JSON object: %v", err)
	}
	value, err := base64.StdEncoding.DecodeString(secret.Value)
	if err != nil || len(value) == 0 {
		return nil, fmt.Errorf("secretData.value is not standard base64")
	}
	salt, err := base64.StdEncoding.DecodeString(secret.Salt)
	if err != nil {
		return nil, fmt.Errorf("secretData.salt is not standard base64")
	}
	h := &hashedPassword{
		algorithm:  data.Algorithm,
		iterations: data.HashIterations,
		salt:       salt,
		value:      value,
		params:     data.AdditionalParameters,
	}
	switch h.algorithm {
	case "pbkdf2", "pbkdf2-sha256", "pbkdf2-sha512", "argon2":
	default:
		return nil, fmt.Errorf("unsupported password hash algorithm %q: use pbkdf2, pbkdf2-sha256, pbkdf2-sha512 or argon2", h.algorithm)
	}
	if h.iterations <= 0 {
		return nil, fmt.Errorf("credentialData.hashIterations must be positive, got %d", h.iterations)
	}
	return h, nil
}
