package mockidp

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// ctxCORSClient is the echo context key of the client whose web origins
// decide the CORS headers of a response. Until a handler identifies the
// client, every origin is allowed, as Keycloak 26 allows every origin on
// errors raised before the client is known.
const ctxCORSClient = "cors_client"

// corsAllowHeaders is the Access-Control-Allow-Headers value of Keycloak
// 26's preflight responses.
const corsAllowHeaders = "Origin, Accept, X-Requested-With, Content-Type, Access-Control-Request-Method, Access-Control-Request-Headers, Authorization"

// cors adds CORS headers to a realm handler's responses when the request
// has an Origin. The origin is echoed, never "*", when the client's web
// origins allow it. Otherwise the headers are left out, and the request is
// still processed.
func (s *Server) cors(h func(*realmContext) error) func(*realmContext) error {
	return func(c *realmContext) error {
		origin := c.Request().Header.Get("Origin")
		if origin != "" {
			c.Response().Before(func() { applyCORS(c, origin) })
		}
		return h(c)
	}
}

func applyCORS(c echo.Context, origin string) {
	if client, ok := c.Get(ctxCORSClient).(*Client); ok && !originAllowed(client, origin) {
		return
	}
	h := c.Response().Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Set("Access-Control-Expose-Headers", "Access-Control-Allow-Methods")
	h.Add("Vary", "Origin")
}

// originAllowed reports whether a client's web origins, "*" and "+"
// expanded, include origin.
func originAllowed(client *Client, origin string) bool {
	for _, o := range client.WebOrigins {
		if o == "*" {
			return true
		}
	}
	return contains(resolveWebOrigins(client), origin)
}

// preflight allows a CORS preflight request from any origin, as Keycloak 26
// does on its OpenID Connect endpoints.
func preflight(methods string) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		if origin := c.Request().Header.Get("Origin"); origin != "" {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Add("Vary", "Origin")
		}
		h.Set("Access-Control-Allow-Methods", methods)
		h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
		h.Set("Access-Control-Max-Age", "3600")
		return c.NoContent(http.StatusOK)
	}
}
