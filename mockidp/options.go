package mockidp

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/smartmate/smartmate-mock/clock"
)

// Option configures a Server.
type Option func(*config)

type realmSource struct {
	file string // the name used in errors and logs
	data []byte // nil when path must be read
	path string
	err  error // set when the realm data could not be built; reported by New
}

type config struct {
	frontendURL        string
	relativePath       string
	hostFromRequest    bool
	clock              clock.Clock
	logger             *slog.Logger
	sources            []realmSource
	noDefaultRealm     bool
	maxBodyBytes       int64
	realmKeys          map[string]realmKeyPair // keys that replace a realm file's, by realm name
	rpFaults           []clientFault
	noTestingEndpoints bool
	providerFaults     []realmFaults
	httpClient         *http.Client // sends back-channel logouts
}

// WithFrontendURL sets the base URL that issuers and endpoint URLs start
// with, like Keycloak's --hostname given as a full URL. It includes the
// relative path when the server is reached under one, for example
// "https://sso.example.test/auth". The default is
// "http://127.0.0.1:8080" followed by the relative path.
func WithFrontendURL(u string) Option {
	return func(c *config) { c.frontendURL = strings.TrimSuffix(u, "/") }
}

// WithRelativePath sets the path under which every endpoint is served, like
// Keycloak's --http-relative-path: empty by default, "/auth" for the layout
// of Keycloak 16 and older.
func WithRelativePath(p string) Option {
	return func(c *config) {
		p = strings.TrimSuffix(p, "/")
		if p != "" && !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		c.relativePath = p
	}
}

// WithHostnameFromRequest makes issuers and endpoint URLs follow each
// request's scheme and Host header instead of the frontend URL. Tokens then
// carry whichever host name the client used, so a token obtained through one
// name fails validation by a party that uses another.
func WithHostnameFromRequest() Option {
	return func(c *config) { c.hostFromRequest = true }
}

// WithClock sets the clock that token lifetimes, codes and sessions use.
func WithClock(clk clock.Clock) Option {
	return func(c *config) { c.clock = clk }
}

// WithLogger sets the logger. The default discards every record.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithRealmFile loads a realm from a file in Keycloak's realm-export format.
func WithRealmFile(path string) Option {
	return func(c *config) { c.sources = append(c.sources, realmSource{file: path, path: path}) }
}

// WithRealmJSON loads a realm from JSON in Keycloak's realm-export format;
// name identifies it in errors.
func WithRealmJSON(name string, data []byte) Option {
	return func(c *config) { c.sources = append(c.sources, realmSource{file: name, data: data}) }
}

// WithoutDefaultRealm stops the embedded demo realm from being loaded.
func WithoutDefaultRealm() Option {
	return func(c *config) { c.noDefaultRealm = true }
}

// WithMaxBodyBytes sets the largest request body accepted, 64 KiB by
// default. Larger bodies are rejected with 413.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) { c.maxBodyBytes = n }
}

// WithoutTestingEndpoints turns off the endpoints under
// /realms/{realm}/testing/, which rotate keys and set relying-party faults
// without authentication. Use it when the emulator is reachable from a
// shared network.
func WithoutTestingEndpoints() Option {
	return func(c *config) { c.noTestingEndpoints = true }
}
