package mockidp

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

func TestDiscoveryGolden(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	for _, path := range []string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"} {
		req, _ := http.NewRequest(http.MethodGet, e.Issuer("demo")+path, nil)
		status, header, body := do(t, req)
		if status != http.StatusOK {
			t.Fatalf("GET %s status = %d, want 200", path, status)
		}
		if got := header.Get("Cache-Control"); got != "no-cache" {
			t.Errorf("GET %s Cache-Control = %q, want no-cache", path, got)
		}
		var doc map[string]any
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		// The port differs per run, so the golden file has a fixed base.
		golden(t, "discovery.golden.json", replaceStrings(doc, e.url, "http://emulator.test"))
	}
}

func TestTokenClaimsGolden(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	cc := tokenFor(t, e, "demo", url.Values{"grant_type": {"client_credentials"}}, "demo-backend", "demo-backend-secret")
	pw := tokenFor(t, e, "demo", url.Values{
		"grant_type": {"password"}, "client_id": {"demo-cli"},
		"username": {"alice"}, "password": {"alice-password"}, "scope": {"openid"},
	}, "", "")

	tests := []struct {
		file  string
		token any
	}{
		{"claims-client-credentials-access.golden.json", cc["access_token"]},
		{"claims-password-access.golden.json", pw["access_token"]},
		{"claims-password-id.golden.json", pw["id_token"]},
		{"claims-password-refresh.golden.json", pw["refresh_token"]},
	}
	for _, tt := range tests {
		raw, ok := tt.token.(string)
		if !ok {
			t.Fatalf("%s: token missing from response", tt.file)
		}
		header, payload := jwtParts(t, raw)
		golden(t, tt.file, normalizeClaims(e, map[string]any{"header": header, "payload": payload}))
	}

	// The token responses have exactly Keycloak's members.
	for name, resp := range map[string]map[string]any{"cc": cc, "pw": pw} {
		for _, k := range []string{"access_token", "id_token", "refresh_token", "session_state"} {
			if _, ok := resp[k]; ok {
				resp[k] = "<" + k + ">"
			}
		}
		golden(t, "token-response-"+name+".golden.json", resp)
	}
}

// normalizeClaims replaces the values that change per run (the port, jti,
// sid, kid of the HMAC key and at_hash) with fixed placeholders.
func normalizeClaims(e *emulator, v map[string]any) any {
	for _, part := range []string{"header", "payload"} {
		m := v[part].(map[string]any)
		for _, k := range []string{"jti", "sid", "at_hash"} {
			if _, ok := m[k]; ok {
				m[k] = "<" + k + ">"
			}
		}
		if _, ok := m["kid"]; ok && part == "header" && m["alg"] == "HS512" {
			m["kid"] = "<hmac kid>"
		}
	}
	return replaceStrings(v, e.url, "http://emulator.test")
}

// replaceStrings replaces old with new in every string of a decoded JSON
// value.
func replaceStrings(v any, old, new string) any {
	switch x := v.(type) {
	case string:
		if len(x) >= len(old) && x[:len(old)] == old {
			return new + x[len(old):]
		}
		return x
	case []any:
		for i := range x {
			x[i] = replaceStrings(x[i], old, new)
		}
		return x
	case map[string]any:
		for k := range x {
			x[k] = replaceStrings(x[k], old, new)
		}
		return x
	default:
		return v
	}
}
