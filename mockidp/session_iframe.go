package mockidp

import (
	"embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// iframeFiles are the pages that keycloak-js loads in hidden iframes: the
// session check iframe and the two steps of the third-party cookie check.
//
//go:embed iframes/*.html
var iframeFiles embed.FS

// iframeRoutes adds the keycloak-js iframe pages to a realm's
// openid-connect route group, at Keycloak 26's paths.
func (s *Server) iframeRoutes(oidc *echo.Group) {
	oidc.GET("/login-status-iframe.html", s.withRealm(serveIframe("iframes/login-status-iframe.html")))
	oidc.GET("/login-status-iframe.html/init", s.withRealm(s.handleLoginStatusInit))
	oidc.GET("/3p-cookies/step1.html", s.withRealm(serveIframe("iframes/3p-cookies-step1.html")))
	oidc.GET("/3p-cookies/step2.html", s.withRealm(serveIframe("iframes/3p-cookies-step2.html")))
}

// serveIframe serves an embedded iframe page. Unlike the login pages it
// has no X-Frame-Options header, because applications on other origins
// embed it.
func serveIframe(name string) func(*realmContext) error {
	body, err := iframeFiles.ReadFile(name)
	if err != nil {
		panic(err) // the embed pattern guarantees the file
	}
	return func(c *realmContext) error {
		c.Response().Header().Set("Cache-Control", "no-cache")
		return c.HTMLBlob(http.StatusOK, body)
	}
}

// handleLoginStatusInit checks whether the session check iframe may reply
// to messages from an origin for a client. It returns 204 when the origin
// is one of the client's web origins, else 403, as Keycloak 26 does.
func (s *Server) handleLoginStatusInit(c *realmContext) error {
	clientID, origin := c.QueryParam("client_id"), c.QueryParam("origin")
	c.Set(ctxClientID, clientID)
	client, ok := c.realm.Client(clientID)
	if !ok || !client.Enabled || origin == "" || !originAllowed(client, origin) {
		s.log.Warn("request rejected: origin is not a web origin of the client",
			"path", truncate(c.Request().URL.Path), "realm", c.realm.Name,
			"client_id", truncate(clientID), "origin", truncate(origin), "status", http.StatusForbidden)
		return c.NoContent(http.StatusForbidden)
	}
	return c.NoContent(http.StatusNoContent)
}
