package mockidp

import "net/http"

// WithHTTPClient sets the client that sends back-channel logout requests
// to clients' backchannel.logout.url and fetches request_uri values and
// clients' jwks.url. The default has a 10 second timeout, and request
// object fetches are also limited to 5 seconds.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) { c.httpClient = hc }
}
