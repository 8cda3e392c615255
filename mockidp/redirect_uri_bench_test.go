package mockidp

import "testing"

// BenchmarkVerifyRedirectURI checks redirect URIs of the demo realm's
// demo-web client, which the authorization endpoint does on every request.
func BenchmarkVerifyRedirectURI(b *testing.B) {
	srv, _, _ := benchServer(b)
	realm, _ := srv.Realm("demo")
	client, ok := realm.Client("demo-web")
	if !ok {
		b.Fatal("demo realm has no demo-web client")
	}
	for _, tc := range []struct {
		name, uri string
		want      bool
	}{
		{"wildcard", "http://localhost:3000/callback?from=bench", true},
		{"loopback port", "http://127.0.0.1:43117/callback", true},
		{"rejected", "https://attacker.example/callback", false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := verifyRedirectURI(client, "", tc.uri, true); ok != tc.want {
					b.Fatalf("verifyRedirectURI(%q) ok = %v, want %v", tc.uri, ok, tc.want)
				}
			}
		})
	}
}
