package mockidp

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// healthStatus is the body of Keycloak 26's health endpoints.
type healthStatus struct {
	Status string     `json:"status"`
	Checks []struct{} `json:"checks"`
}

// healthRoutes serves /health/ready and /health/live, at the root and under
// the relative path. Keycloak 26 serves them on its management port; the
// emulator has one port, so it serves them there.
func (s *Server) healthRoutes(e *echo.Echo, base string) {
	prefixes := []string{""}
	if base != "" {
		prefixes = append(prefixes, base)
	}
	for _, p := range prefixes {
		e.GET(p+"/health", s.handleReady)
		e.GET(p+"/health/ready", s.handleReady)
		e.GET(p+"/health/live", s.handleLive)
	}
}

// handleReady responds 200 when every realm's keys exist and 503 while some
// are still being generated.
func (s *Server) handleReady(c echo.Context) error {
	for _, r := range s.realms {
		select {
		case <-r.keys.ready:
		default:
			return c.JSON(http.StatusServiceUnavailable, healthStatus{Status: "DOWN", Checks: []struct{}{}})
		}
	}
	return c.JSON(http.StatusOK, healthStatus{Status: "UP", Checks: []struct{}{}})
}

func (s *Server) handleLive(c echo.Context) error {
	return c.JSON(http.StatusOK, healthStatus{Status: "UP", Checks: []struct{}{}})
}
