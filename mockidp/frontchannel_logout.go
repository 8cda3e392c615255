package mockidp

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// frontchannelLogoutURLs returns the front-channel logout URLs (OpenID
// Connect Front-Channel Logout 1.0) of the clients that took part in
// session: those with frontchannelLogout on and a frontchannel.logout.url
// attribute. Each URL gets iss and sid unless the client's
// frontchannel.logout.session.required attribute is "false", as in
// Keycloak 26. Call it before the session ends, because an ended session
// no longer lists its clients.
func frontchannelLogoutURLs(c *realmContext, session *userSession) []string {
	var urls []string
	for _, id := range session.clientIDs() {
		client, ok := c.realm.Client(id)
		if !ok || !client.FrontchannelLogout || client.FrontchannelLogoutURL == "" {
			continue
		}
		target := client.FrontchannelLogoutURL
		if client.FrontchannelLogoutSession {
			sep := "?"
			if strings.Contains(target, "?") {
				sep = "&"
			}
			target += sep + url.Values{"iss": {c.issuer}, "sid": {session.id}}.Encode()
		}
		urls = append(urls, target)
	}
	return urls
}

// renderFrontchannelLogout shows the page that Keycloak 26 shows before
// the post_logout_redirect_uri when clients get front-channel logout
// requests. The page loads the clients' logout URLs in hidden iframes and
// then continues to next.
func (s *Server) renderFrontchannelLogout(c *realmContext, frames []string, next string) error {
	return s.renderPage(c, http.StatusOK, "frontchannel_logout", &page{
		Heading:      msgLoggingOut,
		LogoutFrames: frames,
		ContinueURL:  template.URL(next), // a validated post-logout URI, which may have a custom scheme

	})
}
