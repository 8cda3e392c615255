package mockidp

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sort"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"github.com/labstack/echo/v4"

	"github.com/smartmate/smartmate-mock/clock"
	"github.com/smartmate/smartmate-mock/fixtures"
	"github.com/smartmate/smartmate-mock/protocol"
)

// Server emulates Keycloak's per-realm endpoints. It is an http.Handler and
// safe for concurrent use.
type Server struct {
	cfg    config
	echo   *echo.Echo
	realms map[string]*Realm
	clock  clock.Clock
	log    *slog.Logger

	discoveryCache documentCache
	rpFaults       faultTable
}

// New loads the realms and returns a Server. Errors in realm files are
// returned as *ImportError, naming the file, the JSON path and the reason.
func New(opts ...Option) (*Server, error) {
	cfg := config{clock: clock.System{}, maxBodyBytes: 64 << 10}
	for _, opt := range opts {
		opt(&cfg)
	}
	if cfg.httpClient == nil {
		cfg.httpClient = &http.Client{Timeout: backchannelTimeout}
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	if cfg.frontendURL == "" {
		cfg.frontendURL = "http://127.0.0.1:8080" + cfg.relativePath
	}
	s := &Server{cfg: cfg, realms: map[string]*Realm{}, clock: cfg.clock, log: cfg.logger}
	if err := s.loadRealms(); err != nil {
		return nil, err
	}
	if err := s.initFaults(); err != nil {
		return nil, err
	}
	if err := s.initProviderFaults(); err != nil {
		return nil, err
	}
	s.echo = s.routes()
	return s, nil
}

// loadRealms loads the default realm, then every realm source in order. A
// source whose realm is named like the default realm replaces it; two
// sources with the same realm name are an error.
func (s *Server) loadRealms() error {
	sources := s.cfg.sources
	if !s.cfg.noDefaultRealm {
		sources = append([]realmSource{{file: "embedded " + fixtures.DemoRealmFile, data: fixtures.DemoRealm()}}, sources...)
	}
	origin := map[string]string{}
	for i, src := range sources {
		if src.err != nil {
			return &ImportError{File: src.file, Reason: src.err.Error()}
		}
		data := src.data
		if data == nil {
			var err error
			if data, err = os.ReadFile(src.path); err != nil {
				return &ImportError{File: src.file, Reason: err.Error()}
			}
		}
		data, err := s.cfg.replaceRealmKeys(src.file, data)
		if err != nil {
			return err
		}
		r, warnings, err := parseRealm(src.file, data)
		if err != nil {
			return err
		}
		for _, w := range warnings {
			s.log.Warn("realm file field not supported, ignored", "file", src.file, "field", w)
		}
		if prev, dup := origin[r.Name]; dup {
			if i == 0 || !strings.HasPrefix(prev, "embedded ") {
				return &ImportError{File: src.file, Path: "$.realm", Reason: fmt.Sprintf("realm %q is already defined in %s", r.Name, prev)}
			}
			s.log.Info("realm file replaces the embedded realm", "realm", r.Name, "file", src.file)
		}
		origin[r.Name] = src.file
		r.sessions = newSessionStore()
		r.browser = newBrowserState()
		s.realms[r.Name] = r
	}
	return nil
}

// ServeHTTP serves the realm endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.echo.ServeHTTP(w, r)
}

// RealmNames returns the names of the loaded realms, sorted.
func (s *Server) RealmNames() []string {
	return sortedKeys(s.realms)
}

// Realm returns the loaded realm with the given name.
func (s *Server) Realm(name string) (*Realm, bool) {
	r, ok := s.realms[name]
	return r, ok
}

// Issuer returns the issuer of realm: the frontend URL followed by
// /realms/{realm}. With WithHostnameFromRequest it is the issuer for
// requests that reach the server at its frontend URL.
func (s *Server) Issuer(realm string) string {
	return s.cfg.frontendURL + "/realms/" + realm
}

// PublicKeys returns the realm's published keys, as its JWKS endpoint
// serves them. It waits for keys that are still being generated, until ctx
// ends.
func (s *Server) PublicKeys(ctx context.Context, realm string) (*jose.JSONWebKeySet, error) {
	r, ok := s.realms[realm]
	if !ok {
		return nil, fmt.Errorf("mockidp: realm %q not found", realm)
	}
	m, err := r.keys.material(ctx)
	if err != nil {
		return nil, err
	}
	set := &jose.JSONWebKeySet{}
	for _, k := range m.published {
		set.Keys = append(set.Keys, k.jwk())
	}
	return set, nil
}

// WaitReady blocks until every realm's keys exist or ctx ends.
func (s *Server) WaitReady(ctx context.Context) error {
	for _, name := range s.RealmNames() {
		if _, err := s.realms[name].keys.material(ctx); err != nil {
			return err
		}
	}
	return nil
}

// baseURL returns the frontend URL for a request: the configured one, or
// the request's own when the hostname follows requests.
func (s *Server) baseURL(r *http.Request) string {
	if !s.cfg.hostFromRequest {
		return s.cfg.frontendURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + s.cfg.relativePath
}

func (s *Server) issuerFor(r *http.Request, realm string) string {
	return s.baseURL(r) + "/realms/" + realm
}

// realmContext is the echo context of a realm request with the resolved
// realm, issuer and keys.
type realmContext struct {
	echo.Context
	realm  *Realm
	issuer string
	keys   *keyMaterial
}

// withRealm resolves the realm named in the path and responds 404, as
// Keycloak 26 does, when there is none.
func (s *Server) withRealm(h func(*realmContext) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		name := c.Param("realm")
		r, ok := s.realms[name]
		if !ok {
			r, ok = s.fallbackRealm()
		}
		if !ok {
			// Keycloak 26 responds to an unknown realm with this body.
			// NOTE: the exact body is believed, not confirmed, for 26.
			return errRealmNotFound
		}
		c.Set(ctxRealm, name)
		m, err := r.keys.material(c.Request().Context())
		if err != nil {
			return protocol.New(protocol.ErrServerError, "realm keys are not available").WithCause(err)
		}
		return h(&realmContext{Context: c, realm: r, issuer: s.issuerFor(c.Request(), name), keys: m})
	}
}

// Keys of values that handlers store in the echo context for the log line
// of a rejected request.
const (
	ctxRealm    = "realm"
	ctxClientID = "client_id"
)

// Keycloak 26 responds to requests that match no resource with a JSON body that
// reuses the OAuth "error" member for the exception's message.
var (
	errRealmNotFound = &protocol.Error{Code: "Realm does not exist", Description: keycloakLogHint, Status: http.StatusNotFound}
	errNoResource    = &protocol.Error{Code: "Unable to find matching target resource method", Description: keycloakLogHint, Status: http.StatusNotFound}
	errNoProtocol    = &protocol.Error{Code: "Protocol not found", Description: keycloakLogHint, Status: http.StatusNotFound}
	errNoMethod      = &protocol.Error{Code: "HTTP 405 Method Not Allowed", Description: keycloakLogHint, Status: http.StatusMethodNotAllowed}
)

const keycloakLogHint = "For more on this error consult the server log."

// handleError is the one place that turns handler errors into responses
// and logs rejected requests.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			err = errNoResource
		case http.StatusMethodNotAllowed:
			err = errNoMethod
		case http.StatusRequestEntityTooLarge:
			err = protocol.New(protocol.ErrInvalidRequest, "Request body too large").WithStatus(http.StatusRequestEntityTooLarge)
		default:
			err = protocol.New(protocol.ErrInvalidRequest, http.StatusText(he.Code)).WithStatus(he.Code)
		}
	}
	pe := s.errorWithFaults(c, protocol.AsError(err))
	s.logRejected(c, pe)
	var bc *bearerChallenge
	if errors.As(err, &bc) {
		if bc.err != nil {
			bc.err = s.errorWithFaults(c, bc.err)
		}
		protocol.WriteBearerError(c.Response(), bc.realm, bc.err)
		return
	}
	var basic *basicChallenge
	if errors.As(err, &basic) {
		c.Response().Header().Set("WWW-Authenticate", `Basic realm="`+basic.realm+`"`)
		c.Response().WriteHeader(http.StatusUnauthorized)
		return
	}
	var page *errorPage
	if errors.As(err, &page) {
		s.writeErrorPage(c, page)
		return
	}
	var redirect *authErrorRedirect
	if errors.As(err, &redirect) {
		redirect.err = s.errorWithFaults(c, redirect.err)
		if werr := s.writeAuthErrorRedirect(c, redirect); werr != nil {
			s.log.Debug("writing error redirect failed", "error", werr)
		}
		return
	}
	if werr := protocol.WriteError(c.Response(), pe); werr != nil {
		s.log.Debug("writing error response failed", "error", werr)
	}
}

func (s *Server) logRejected(c echo.Context, pe *protocol.Error) {
	level := slog.LevelWarn
	if pe.HTTPStatus() >= 500 {
		level = slog.LevelError
	}
	realm, _ := c.Get(ctxRealm).(string)
	clientID, _ := c.Get(ctxClientID).(string)
	s.log.Log(c.Request().Context(), level, "request rejected",
		"method", c.Request().Method, "path", truncate(c.Request().URL.Path),
		"realm", truncate(realm), "client_id", truncate(clientID), "status", pe.HTTPStatus(), "error", pe)
}

// bearerChallenge is an error sent as a WWW-Authenticate Bearer challenge
// with no body, as Keycloak 26's userinfo endpoint sends its errors.
type bearerChallenge struct {
	realm string
	err   *protocol.Error // nil for the bare challenge
}

func (b *bearerChallenge) Error() string {
	if b.err == nil {
		return "missing bearer token"
	}
	return b.err.Error()
}

func (b *bearerChallenge) Unwrap() error {
	if b.err == nil {
		return protocol.New(protocol.ErrInvalidToken, "missing bearer token")
	}
	return b.err
}

// basicChallenge is a 401 response with a Basic challenge and no body, which is
// what Keycloak 26's token endpoint sends for an Authorization header that
// is not Basic when the form has no client_id.
type basicChallenge struct{ realm string }

func (b *basicChallenge) Error() string { return "authorization header is not Basic" }

func (b *basicChallenge) Unwrap() error {
	return protocol.New(protocol.ErrInvalidClient, "Authorization header is not Basic and the form has no client_id")
}

// errorPage is an error shown as an HTML page, as Keycloak 26 shows
// errors of browser endpoints that it cannot send back to a client.
type errorPage struct {
	status  int
	message string
	cause   *protocol.Error
}

func (p *errorPage) Error() string { return p.message }

func (p *errorPage) Unwrap() error {
	if p.cause != nil {
		return p.cause
	}
	return protocol.New(protocol.ErrInvalidRequest, p.message).WithStatus(p.status)
}

func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	e.Use(recoverMiddleware(s.log))

	base := s.cfg.relativePath
	s.healthRoutes(e, base)
	if base != "" {
		// Keycloak 26 redirects the root to the relative path.
		e.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusFound, base+"/") })
	}
	e.GET(base+"/", s.handleWelcome)
	e.GET(base+cssPath, s.handleLoginCSS)

	realm := e.Group(base + "/realms/:realm")
	realm.GET("", s.withRealm(s.handleRealmInfo))
	realm.GET("/.well-known/openid-configuration", s.withRealm(s.handleDiscovery))
	realm.GET("/.well-known/oauth-authorization-server", s.withRealm(s.handleDiscovery))
	oidc := realm.Group("/protocol/openid-connect")
	oidc.GET("/certs", s.withRealm(s.handleJWKS))
	oidc.POST("/token", s.withRealm(s.cors(s.handleToken)))
	oidc.GET("/userinfo", s.withRealm(s.cors(s.handleUserinfo)))
	oidc.POST("/userinfo", s.withRealm(s.cors(s.handleUserinfo)))
	s.browserRoutes(realm, oidc)
	s.testingRoutes(realm)
	realm.RouteNotFound("/protocol/:protocol/*", s.withRealm(s.handleUnknownProtocol))
	realm.HEAD("/.well-known/openid-configuration", s.withRealm(s.handleDiscovery))
	realm.HEAD("/.well-known/oauth-authorization-server", s.withRealm(s.handleDiscovery))
	oidc.HEAD("/certs", s.withRealm(s.handleJWKS))
	return e
}

// recoverMiddleware turns a panic into a logged server_error, so that one
// bad request never ends the process.
func recoverMiddleware(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					log.Error("handler panicked", "path", c.Request().URL.Path, "panic", fmt.Sprint(v))
					err = protocol.New(protocol.ErrServerError, "internal error")
				}
			}()
			return next(c)
		}
	}
}

func (s *Server) handleWelcome(c echo.Context) error {
	names := s.RealmNames()
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("smartmate-mock: a Keycloak 26 emulator for tests.\n\nRealms:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %s/.well-known/openid-configuration\n", s.issuerFor(c.Request(), n))
	}
	return c.String(http.StatusOK, b.String())
}

// realmInfo is the realm's public description at /realms/{realm}, which
// Keycloak's older adapters read.
type realmInfo struct {
	Realm           string `json:"realm"`
	PublicKey       string `json:"public_key"`
	TokenService    string `json:"token-service"`
	AccountService  string `json:"account-service"`
	TokensNotBefore int64  `json:"tokens-not-before"`
}

func (s *Server) handleRealmInfo(c *realmContext) error {
	der, err := x509.MarshalPKIXPublicKey(&c.keys.signing.private.PublicKey)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, realmInfo{
		Realm:           c.realm.Name,
		PublicKey:       base64.StdEncoding.EncodeToString(der),
		TokenService:    c.issuer + "/protocol/openid-connect",
		AccountService:  c.issuer + "/account",
		TokensNotBefore: c.realm.NotBefore,
	})
}

// truncate shortens a request value for the log, so that a client cannot
// write megabytes into it with one long parameter.
func truncate(v string) string {
	const maxLen = 256
	if len(v) <= maxLen {
		return v
	}
	return v[:maxLen] + "…(truncated)"
}

// handleUnknownProtocol responds to paths below /protocol/ that no route
// serves: Keycloak 26 serves only openid-connect (and SAML, which the
// emulator does not serve).
func (s *Server) handleUnknownProtocol(c *realmContext) error {
	if answered, err := s.tokenGETFault(c); answered {
		return err
	}
	if c.Param("protocol") != "openid-connect" {
		return errNoProtocol
	}
	// A path that another method serves gets 405, as Keycloak's router
	// responds; echo sends such requests here because of this route.
	suffix := strings.TrimPrefix(c.Request().URL.Path, s.cfg.relativePath+"/realms/"+c.realm.Name)
	for _, r := range s.echo.Routes() {
		if r.Path == s.cfg.relativePath+"/realms/:realm"+suffix {
			return errNoMethod
		}
	}
	return errNoResource
}
