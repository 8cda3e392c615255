package mockidp

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/smartmate/smartmate-mock/protocol"
)

// The endpoints under /realms/{realm}/testing/ are testing extensions that
// Keycloak does not have. They let tests that run the emulator as a
// separate process rotate keys and set relying-party faults.

type rotateResponse struct {
	KID string `json:"kid"`
}

// handleRotateKeys publishes a new signing key. The form parameter keep
// ("true" by default) keeps the previous signing keys in the JWKS.
func (s *Server) handleRotateKeys(c *realmContext) error {
	f, err := readForm(c.Request(), s.cfg.maxBodyBytes)
	if err != nil {
		return err
	}
	var keep bool
	switch v := f.get("keep"); v {
	case "", "true":
		keep = true
	case "false":
	default:
		return protocol.Errorf(protocol.ErrInvalidRequest, "Invalid parameter: keep must be true or false, got %q", truncate(v))
	}
	kid, err := s.RotateKeys(c.realm.Name, nil, keep)
	if err != nil {
		return protocol.New(protocol.ErrServerError, "key rotation failed").WithCause(err)
	}
	s.log.Info("testing extension: signing key rotated", "realm", c.realm.Name, "kid", kid, "kept_old", keep)
	return c.JSON(http.StatusOK, rotateResponse{KID: kid})
}

type faultResponse struct {
	ClientID string `json:"client_id"`
	Fault    string `json:"fault"`
}

// handleSetFault sets the relying-party fault of a client from the form
// parameter fault; an empty value ends it.
func (s *Server) handleSetFault(c *realmContext) error {
	f, err := readForm(c.Request(), s.cfg.maxBodyBytes)
	if err != nil {
		return err
	}
	fault, err := ParseRPFault(f.get("fault"))
	if err != nil {
		return protocol.New(protocol.ErrInvalidRequest, err.Error())
	}
	clientID := c.Param("client")
	c.Set(ctxClientID, clientID)
	if err := s.SetClientFault(c.realm.Name, clientID, fault); err != nil {
		return protocol.New(protocol.ErrNotFound, "Client not found")
	}
	s.log.Info("testing extension: relying-party fault set", "realm", c.realm.Name, "client_id", clientID, "fault", string(fault))
	return c.JSON(http.StatusOK, faultResponse{ClientID: clientID, Fault: string(fault)})
}

func (s *Server) testingRoutes(realm *echo.Group) {
	if s.cfg.noTestingEndpoints {
		return
	}
	testing := realm.Group("/testing")
	testing.POST("/rotate-keys", s.withRealm(s.handleRotateKeys))
	testing.POST("/clients/:client/rp-fault", s.withRealm(s.handleSetFault))
}
