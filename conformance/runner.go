package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"time"
)

// Options select and tune the checks of a run.
type Options struct {
	// Profiles restricts the run to these profiles. Empty means the
	// target's applicable profiles (Target.ApplicableProfiles).
	Profiles []Profile
	// Run restricts the run to checks whose id matches. Nil runs all.
	Run *regexp.Regexp
	// Registry supplies the checks. Nil means DefaultRegistry().
	Registry *Registry
	// Transport carries every request. Nil means http.DefaultTransport.
	Transport http.RoundTripper
	// CheckTimeout bounds each check, waits included. Zero means 2 minutes.
	CheckTimeout time.Duration
	// Sleep replaces the real wait of checks that must let time pass:
	// oidcc-codereuse-30seconds, oidcc-prompt-login and oidcc-max-age-1.
	// Nil sleeps in real time. Against an emulator with a fake clock, such
	// as mockidp.NewTestServer, set it to advance that clock. A real sleep
	// leaves the fake clock where it was, so those checks fail falsely and
	// the run takes about 34 seconds longer. The package documentation has
	// an example.
	Sleep func(ctx context.Context, d time.Duration) error
	// Started, when set, is called before each check.
	Started func(*Check)
	// Finished, when set, is called with each result.
	Finished func(Result)
	// LoginDriver, when set, performs every login of the checks, for
	// example in a headless browser. Nil posts the login form with the
	// kit's HTTP client.
	LoginDriver LoginDriver
	// KnownFailures maps check ids to the reason they are expected to fail.
	// Run (the go test integration) skips such a check when it fails and
	// logs when it passes; Execute ignores the map.
	KnownFailures map[string]string
}

// ErrConnection wraps failures to reach the provider at all, which the
// command reports with exit status 2 rather than as failed checks.
var ErrConnection = errors.New("provider unreachable")

// Report is the outcome of a run.
type Report struct {
	Target Target
	// Profiles are the profiles of the checks that ran.
	Profiles []Profile
	Started  time.Time
	Duration time.Duration
	Results  []Result
}

// Counts returns the number of results per status.
func (r *Report) Counts() map[Status]int {
	n := make(map[Status]int, len(Statuses))
	for _, s := range Statuses {
		n[s] = 0
	}
	for _, res := range r.Results {
		n[res.Status]++
	}
	return n
}

// Failed reports whether any check failed.
func (r *Report) Failed() bool { return r.Counts()[StatusFail] > 0 }

// SelectChecks returns the checks that opts selects for target.
func SelectChecks(target Target, opts Options) []*Check {
	reg := opts.Registry
	if reg == nil {
		reg = DefaultRegistry()
	}
	profiles := opts.Profiles
	if len(profiles) == 0 {
		profiles = target.ApplicableProfiles()
	}
	return reg.Filter(profiles, opts.Run)
}

// Execute runs the selected checks against target one after another. It
// returns an error wrapping ErrConnection when the provider cannot be
// reached, a *DiscoveryStatusError when the discovery document's status is
// not 200, an error for an invalid target, and the partial
// report with an error when ctx ends. A provider that responds wrongly gets
// failed checks instead.
func Execute(ctx context.Context, target Target, opts Options) (*Report, error) {
	target = target.withAPIURL()
	if err := target.Validate(); err != nil {
		return nil, err
	}
	s := newSession(target, opts)
	if err := startDiscovery(ctx, s); err != nil {
		return nil, err
	}
	checks := SelectChecks(target, opts)
	report := &Report{Target: target, Profiles: ProfilesOf(checks), Started: time.Now()}
	for _, check := range checks {
		if err := ctx.Err(); err != nil {
			return report, fmt.Errorf("run interrupted after %d checks: %w", len(report.Results), err)
		}
		if opts.Started != nil {
			opts.Started(check)
		}
		res := runCheck(ctx, s, check, opts.CheckTimeout)
		report.Results = append(report.Results, res)
		if opts.Finished != nil {
			opts.Finished(res)
		}
	}
	report.Duration = time.Since(report.Started)
	return report, nil
}

// startDiscovery fetches the discovery document before the first check. A
// transport failure (wrapped in ErrConnection) or a status other than 200
// (a *DiscoveryStatusError) stops the run, because every check would fail
// with the same reason. An undecodable document goes on to the checks,
// which fail it.
func startDiscovery(ctx context.Context, s *session) error {
	_, err := s.discovery(ctx)
	var statusErr *DiscoveryStatusError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &statusErr):
		return err
	case isTransportError(err):
		return fmt.Errorf("%w: %w; check --issuer or --discovery-url", ErrConnection, err)
	default:
		return nil
	}
}

// newSession prepares the shared state of a run.
func newSession(target Target, opts Options) *session {
	s := &session{target: target, transport: opts.Transport, sleep: opts.Sleep, loginDriver: opts.LoginDriver}
	if s.transport == nil {
		s.transport = http.DefaultTransport
	}
	if s.sleep == nil {
		s.sleep = sleepContext
	}
	return s
}

// isTransportError reports whether err is a failure to get any HTTP response.
func isTransportError(err error) bool {
	// *url.Error, which http.Client.Do returns, has a Timeout method.
	var ue interface{ Timeout() bool }
	return errors.As(err, &ue) || errors.Is(err, context.DeadlineExceeded)
}

// runCheck runs one check and turns a panic in it into a failed result, so a
// bug in one check cannot end the run.
func runCheck(ctx context.Context, s *session, check *Check, timeout time.Duration) (res Result) {
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c := &C{ctx: ctx, check: check, target: s.target, session: s}
	start := time.Now()
	func() {
		defer func() {
			if v := recover(); v != nil {
				if _, ok := v.(stopCheck); !ok {
					c.Errorf("check panicked: %v", v)
				}
			}
		}()
		check.Run(c)
	}()
	status, reason := c.verdict()
	return Result{
		Check:    check,
		Status:   status,
		Reason:   reason,
		Duration: time.Since(start),
		Evidence: c.evidence,
	}
}
