// Package conformance grades an OpenID Connect provider over HTTP: a real
// Keycloak, a Smartmate deployment or the mockidp emulator.
//
// A Check enforces one requirement of a specification section and records
// evidence (request lines and response excerpts, with secrets masked) for its
// verdict. Checks belong to a profile:
//
//   - oidc: the OpenID Foundation's Basic, Config, RP-Initiated Logout and
//     Back-Channel Logout OP test plans, one check per test module, plus
//     RFC-level checks (RFC 6749, 6750, 7636, 7662, 7009, 8414, 9068, 8252
//     and JWKS rules from RFC 7517 and 7518);
//   - keycloak: Keycloak 26's paths, token claim shapes, error bodies and page
//     texts;
//   - smartmate: the Smartmate apps GraphQL API's bearer-token handling.
//
// Where the OpenID Foundation's suite needs a person to look at a page, the
// kit decides on its own: a check passes when no redirect happened and the
// page is an error page. Outcomes are pass, warning, fail and skip; a skip
// always carries its reason.
//
// The package never imports the emulator. Only its tests start one, because
// the kit must be able to grade any deployment.
//
// Use the smartmate-conformance command, or call Run from a Go test. Against
// an emulator with a fake clock, such as mockidp.NewTestServer, set
// Options.Sleep to advance that clock. Otherwise the kit sleeps in real time
// while the emulator's clock does not move, and oidcc-prompt-login and
// oidcc-max-age-1 fail falsely:
//
//	func TestConformance(t *testing.T) {
//		ts := mockidp.NewTestServer(t)
//		target := conformance.DefaultTarget()
//		target.Issuer = ts.Issuer("demo")
//		conformance.Run(t, target, conformance.Options{
//			// NewTestServer serves no Smartmate API; smartmatetest.NewServer does.
//			Profiles: []conformance.Profile{conformance.ProfileOIDC, conformance.ProfileKeycloak},
//			Sleep: func(_ context.Context, d time.Duration) error {
//				ts.Clock().Advance(d)
//				return nil
//			},
//		})
//	}
package conformance
