package mockidp

import (
	"net/url"
	"path"
	"sort"
	"strings"
)

// verifyRedirectURI checks a redirect_uri against the URIs registered for a
// client, with Keycloak 26's rules, and returns the URI to redirect to.
// requestOrigin resolves relative registered URIs when the client has no
// root URL. A request without redirect_uri passes only when it is not an
// OpenID Connect request (no openid scope) and the client has exactly one
// registered URI.
//
// The rules, from Keycloak's RedirectUtils (unchanged from 22 to 26 as far
// as its source shows):
//   - a registered URI ending in "*" without "?" matches every URI that
//     starts with the part before "*", query ignored. It also matches that
//     part minus a trailing "/". A bare "*" matches any http or https URI.
//   - any other registered URI must match exactly, query included;
//   - a registered URI starting with "/" is relative to the root URL;
//   - http://localhost and http://127.0.0.1 URIs with a port also match
//     the registered URI without the port (RFC 8252 section 7.3);
//   - a match with a scheme other than http and https counts only when the
//     matching registered URI starts with that scheme.
func verifyRedirectURI(c *Client, requestOrigin, presented string, openid bool) (string, bool) {
	registered := resolveRegisteredURIs(c, requestOrigin)
	if presented == "" {
		if openid || len(registered) != 1 {
			return "", false
		}
		return strings.TrimSuffix(registered[0], "/*"), true
	}
	if len(registered) == 0 {
		return "", false
	}

	decoded, ok := normalizeRedirectURI(presented)
	if !ok {
		return "", false
	}
	match := matchRedirectURI(registered, decoded)
	if match == "" {
		if original, ok := normalizeURIOnce(presented); ok && original != decoded {
			match = matchExact(registered, original)
		}
	}
	if match == "" {
		if withoutPort, ok := loopbackWithoutPort(decoded); ok {
			match = matchRedirectURI(registered, withoutPort)
		}
	}
	if match == "" {
		return "", false
	}
	scheme := strings.ToLower(strings.SplitN(decoded, ":", 2)[0])
	if scheme != "http" && scheme != "https" && !strings.HasPrefix(strings.ToLower(match), scheme+":") {
		return "", false
	}
	return presented, true
}

// resolveRegisteredURIs prefixes relative registered URIs with the root URL,
// or with the request's origin when the client has none, longest first as
// Keycloak tries them.
func resolveRegisteredURIs(c *Client, requestOrigin string) []string {
	out := make([]string, 0, len(c.RedirectURIs))
	for _, u := range c.RedirectURIs {
		if strings.HasPrefix(u, "/") {
			base := c.RootURL
			if base == "" {
				base = requestOrigin
			}
			u = base + u
		}
		out = append(out, u)
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// normalizeRedirectURI URL-decodes the part before the query up to five
// times, as Keycloak does to defeat double encoding, then normalizes it.
func normalizeRedirectURI(raw string) (string, bool) {
	head, tail := splitQuery(raw)
	for range 5 {
		d, err := url.PathUnescape(head)
		if err != nil {
			return "", false
		}
		if d == head {
			break
		}
		head = d
	}
	return normalizeURIOnce(head + tail)
}

// normalizeURIOnce resolves "." and ".." path segments and lower-cases the
// scheme and host, like Java's URI.normalize plus Keycloak's lower-casing.
func normalizeURIOnce(raw string) (string, bool) {
	head, tail := splitQuery(raw)
	u, err := url.Parse(head)
	if err != nil || u.Scheme == "" {
		return "", false
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	if u.Path != "" && (strings.Contains(u.Path, "/./") || strings.Contains(u.Path, "/../") ||
		strings.HasSuffix(u.Path, "/.") || strings.HasSuffix(u.Path, "/..")) {
		cleaned := path.Clean(u.Path)
		if strings.HasSuffix(u.Path, "/") && cleaned != "/" {
			cleaned += "/"
		}
		u.Path = cleaned
		u.RawPath = ""
	}
	return u.String() + tail, true
}

// splitQuery splits raw before its query or fragment.
func splitQuery(raw string) (head, tail string) {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		return raw[:i], raw[i:]
	}
	return raw, ""
}

// matchRedirectURI returns the registered URI that uri matches, or "".
func matchRedirectURI(registered []string, uri string) string {
	for _, r := range registered {
		if strings.HasSuffix(r, "*") && !strings.Contains(r, "?") {
			if matchWildcard(r, uri) {
				return r
			}
			continue
		}
		if r == uri {
			return r
		}
	}
	return ""
}

func matchExact(registered []string, uri string) string {
	for _, r := range registered {
		if r == uri {
			return r
		}
	}
	return ""
}

func matchWildcard(registered, uri string) bool {
	prefix := strings.TrimSuffix(registered, "*")
	withoutQuery, _ := splitQuery(uri)
	if prefix == "" {
		scheme := strings.ToLower(strings.SplitN(uri, ":", 2)[0])
		return scheme == "http" || scheme == "https"
	}
	if strings.HasPrefix(withoutQuery, prefix) {
		return true
	}
	return strings.HasSuffix(prefix, "/") && withoutQuery == strings.TrimSuffix(prefix, "/")
}

// loopbackWithoutPort removes the port of an http loopback URI, so that a
// native app's ephemeral port matches the registered URI without one.
func loopbackWithoutPort(uri string) (string, bool) {
	if !strings.HasPrefix(uri, "http://localhost:") && !strings.HasPrefix(uri, "http://127.0.0.1:") {
		return "", false
	}
	u, err := url.Parse(uri)
	if err != nil || u.Port() == "" {
		return "", false
	}
	u.Host = u.Hostname()
	return u.String(), true
}
