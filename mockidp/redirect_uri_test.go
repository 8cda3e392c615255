package mockidp

import "testing"

func TestVerifyRedirectURI(t *testing.T) {
	t.Parallel()
	client := func(root string, uris ...string) *Client {
		return &Client{ClientID: "c", RootURL: root, RedirectURIs: uris}
	}
	tests := []struct {
		name      string
		client    *Client
		presented string
		openid    bool
		want      string // "" means rejected
	}{
		{"exact match", client("", "https://a.test/cb"), "https://a.test/cb", true, "https://a.test/cb"},
		{"exact differs by path", client("", "https://a.test/cb"), "https://a.test/cb2", true, ""},
		{"exact with query must match query", client("", "https://a.test/cb?x=1"), "https://a.test/cb?x=1", true, "https://a.test/cb?x=1"},
		{"exact with other query", client("", "https://a.test/cb?x=1"), "https://a.test/cb?x=2", true, ""},
		{"registered query makes star literal", client("", "https://a.test/cb?x=*"), "https://a.test/cb?x=1", true, ""},
		{"wildcard prefix", client("", "https://a.test/app/*"), "https://a.test/app/x/y?q=1", true, "https://a.test/app/x/y?q=1"},
		{"wildcard matches prefix without slash", client("", "https://a.test/app/*"), "https://a.test/app", true, "https://a.test/app"},
		{"wildcard other path", client("", "https://a.test/app/*"), "https://a.test/other", true, ""},
		{"wildcard other host", client("", "https://a.test/*"), "https://a.test.evil.test/", true, ""},
		{"bare star allows https", client("", "*"), "https://anything.test/cb", true, "https://anything.test/cb"},
		{"bare star rejects custom scheme", client("", "*"), "myapp://cb", true, ""},
		{"custom scheme registered", client("", "myapp://callback"), "myapp://callback", true, "myapp://callback"},
		{"custom scheme wildcard registered", client("", "myapp:*"), "myapp://x", true, "myapp://x"},
		{"relative against root URL", client("https://root.test", "/app/*"), "https://root.test/app/cb", true, "https://root.test/app/cb"},
		{"relative against request origin", client("", "/app/*"), "http://idp.test/app/cb", true, "http://idp.test/app/cb"},
		{"relative other host", client("https://root.test", "/app/*"), "https://evil.test/app/cb", true, ""},
		{"loopback any port", client("", "http://127.0.0.1/cb"), "http://127.0.0.1:53012/cb", true, "http://127.0.0.1:53012/cb"},
		{"localhost any port", client("", "http://localhost/cb"), "http://localhost:8081/cb", true, "http://localhost:8081/cb"},
		{"loopback registered port is exact", client("", "http://localhost:3000/cb"), "http://localhost:4000/cb", true, ""},
		{"non-loopback port is exact", client("", "http://a.test/cb"), "http://a.test:8080/cb", true, ""},
		{"dot segments resolved", client("", "https://a.test/app/*"), "https://a.test/app/../admin", true, ""},
		{"encoded dot segments resolved", client("", "https://a.test/app/*"), "https://a.test/app/%2e%2e/admin", true, ""},
		{"host case folded", client("", "https://a.test/cb"), "https://A.TEST/cb", true, "https://A.TEST/cb"},
		{"no registered URIs", client(""), "https://a.test/cb", true, ""},
		{"missing with openid", client("", "https://a.test/cb"), "", true, ""},
		{"missing without openid uses the only URI", client("", "https://a.test/app/*"), "", false, "https://a.test/app"},
		{"missing without openid and two URIs", client("", "https://a.test/cb", "https://b.test/cb"), "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := verifyRedirectURI(tt.client, "http://idp.test", tt.presented, tt.openid)
			if tt.want == "" {
				if ok {
					t.Fatalf("verifyRedirectURI(%q) = %q, true; want rejected", tt.presented, got)
				}
				return
			}
			if !ok || got != tt.want {
				t.Fatalf("verifyRedirectURI(%q) = %q, %v; want %q, true", tt.presented, got, ok, tt.want)
			}
		})
	}
}
