package conformance

import (
	"strings"
	"testing"
	"time"
)

// Run runs the checks that opts selects against target as subtests of t,
// one t.Run(check.ID) each: a failed check fails its subtest, a skipped one
// calls t.Skip with the reason, and a warning is logged with t.Log. The
// evidence is logged for every outcome except pass, and for pass too when
// go test runs with -v.
//
// A failed check listed in opts.KnownFailures is skipped with its reason
// instead, so that a suite with known gaps stays green. A listed check that
// passes is logged, so that the list can shrink.
//
// Against an emulator with a fake clock, set opts.Sleep to advance that
// clock (see Options.Sleep and the package documentation).
//
// Run stops the test with t.Fatal when the provider cannot be reached, its
// discovery document returns a status other than 200, or the target is
// invalid. The subtests run one after another because checks
// share the provider's login sessions and rate.
func Run(t *testing.T, target Target, opts Options) *Report {
	t.Helper()
	ctx := t.Context()
	target = target.withAPIURL()
	if err := target.Validate(); err != nil {
		t.Fatal(err)
	}
	s := newSession(target, opts)
	if err := startDiscovery(ctx, s); err != nil {
		t.Fatalf("conformance: %v", err)
	}
	checks := SelectChecks(target, opts)
	report := &Report{Target: target, Profiles: ProfilesOf(checks), Started: time.Now()}
	for _, check := range checks {
		t.Run(check.ID, func(t *testing.T) {
			res := runCheck(ctx, s, check, opts.CheckTimeout)
			report.Results = append(report.Results, res)
			if opts.Finished != nil {
				opts.Finished(res)
			}
			evidence := strings.Join(res.Evidence, "\n")
			if why, known := opts.KnownFailures[check.ID]; known {
				if res.Status == StatusFail {
					t.Skipf("known failure (%s): %s", why, res.Reason)
				}
				if res.Status != StatusSkip {
					t.Logf("listed as a known failure (%s) but the outcome is %s: remove it from the list", why, res.Status)
				}
			}
			switch res.Status {
			case StatusFail:
				t.Errorf("%s\n%s\n%s", res.Reason, check.Spec, evidence)
			case StatusSkip:
				t.Skip(res.Reason)
			case StatusWarning:
				t.Logf("warning: %s\n%s", res.Reason, evidence)
			default:
				if testing.Verbose() {
					t.Log(evidence)
				}
			}
		})
	}
	report.Duration = time.Since(report.Started)
	return report
}
