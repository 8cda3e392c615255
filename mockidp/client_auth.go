package mockidp

import (
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/smartmate/smartmate-mock/protocol"
)

// Keycloak 26's client authentication errors. A wrong secret of a known
// confidential client is unauthorized_client, an unknown client is
// invalid_client, both 401 with the same description.
var (
	errClientMissing = protocol.New(protocol.ErrInvalidClient, "Missing client_id parameter").WithStatus(http.StatusBadRequest)
	errClientUnknown = protocol.New(protocol.ErrInvalidClient, "Invalid client or Invalid client credentials").WithStatus(http.StatusUnauthorized)
	errClientSecret  = protocol.New(protocol.ErrUnauthorizedClient, "Invalid client or Invalid client credentials").WithStatus(http.StatusUnauthorized)
)

// authenticateClient identifies and authenticates the client of a token,
// introspection, revocation or logout request: client_secret_basic with the
// id and secret form-URL-decoded (RFC 6749 section 2.3.1),
// client_secret_post, or a public client by client_id alone.
func authenticateClient(c *realmContext, f form) (*Client, error) {
	id, secret, fromHeader, err := clientCredentials(c, f)
	if err != nil {
		return nil, err
	}
	c.Set(ctxClientID, id)
	client, ok := c.realm.Client(id)
	if !ok || !client.Enabled {
		return nil, errClientUnknown
	}
	if client.Public {
		c.Set(ctxCORSClient, client)
		return client, nil
	}
	if !fromHeader {
		secret = f.get("client_secret")
		if c.realm.hasFault(FaultPostSecretIgnored) {
			secret = ""
		}
	}
	if (secret == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(client.Secret)) != 1) && !c.realm.hasFault(FaultClientSecretUnchecked) {
		return nil, errClientSecret
	}
	c.Set(ctxCORSClient, client)
	return client, nil
}

// clientCredentials extracts the client id and, from a Basic header, the
// secret.
func clientCredentials(c *realmContext, f form) (id, secret string, fromHeader bool, err error) {
	header := c.Request().Header.Get("Authorization")
	if header != "" {
		scheme, value, _ := strings.Cut(header, " ")
		if strings.EqualFold(scheme, "Basic") && !c.realm.hasFault(FaultBasicAuthIgnored) {
			if id, secret, ok := parseBasic(strings.TrimSpace(value)); ok {
				return id, secret, true, nil
			}
		}
		// Keycloak 26 treats a header that is not Basic, or a Basic value
		// that does not parse, as absent when the form names the client,
		// and challenges otherwise.
		if f.get("client_id") == "" {
			return "", "", false, &basicChallenge{realm: c.realm.Name}
		}
	}
	id = f.get("client_id")
	if id == "" {
		return "", "", false, errClientMissing
	}
	return id, "", false, nil
}

// parseBasic decodes a Basic credential whose id and secret are each
// form-URL-encoded, as RFC 6749 section 2.3.1 requires.
func parseBasic(value string) (id, secret string, ok bool) {
	raw, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		return "", "", false
	}
	rawID, rawSecret, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", false
	}
	id, err1 := url.QueryUnescape(rawID)
	secret, err2 := url.QueryUnescape(rawSecret)
	if err1 != nil || err2 != nil || id == "" {
		return "", "", false
	}
	return id, secret, true
}
