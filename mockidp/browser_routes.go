package mockidp

import (
	"github.com/labstack/echo/v4"
)

// browserRoutes adds the endpoints of the browser flows and of token
// management to a realm's route group and its openid-connect group.
func (s *Server) browserRoutes(realm, oidc *echo.Group) {
	oidc.GET("/auth", s.withRealm(s.handleAuthorize))
	oidc.POST("/auth", s.withRealm(s.handleAuthorize))
	realm.GET("/login-actions/authenticate", s.withRealm(s.handleLoginAction))
	realm.POST("/login-actions/authenticate", s.withRealm(s.handleLoginAction))

	oidc.GET("/logout", s.withRealm(s.cors(s.handleLogout)))
	oidc.POST("/logout", s.withRealm(s.cors(s.handleLogout)))
	oidc.GET("/logout/logout-confirm", s.withRealm(s.handleLogoutConfirm))
	oidc.POST("/logout/logout-confirm", s.withRealm(s.handleLogoutConfirm))

	oidc.POST("/token/introspect", s.withRealm(s.cors(s.handleIntrospect)))
	oidc.POST("/revoke", s.withRealm(s.cors(s.handleRevoke)))
	s.iframeRoutes(oidc)

	for path, methods := range map[string]string{
		"/token":            "POST, OPTIONS",
		"/token/introspect": "POST, OPTIONS",
		"/revoke":           "POST, OPTIONS",
		"/userinfo":         "GET, POST, OPTIONS",
		"/logout":           "GET, POST, OPTIONS",
		"/certs":            "GET, OPTIONS",
	} {
		oidc.OPTIONS(path, preflight(methods))
	}
	realm.OPTIONS("/.well-known/openid-configuration", preflight("GET, OPTIONS"))
	realm.OPTIONS("/.well-known/oauth-authorization-server", preflight("GET, OPTIONS"))
}
