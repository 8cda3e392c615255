package mockidp

import "net/http"

// WithHTTPClient sets the client that sends back-channel logout requests
// to clients' backchannel.logout.url. The default has a 10 second timeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) { c.httpClient = hc }
}
