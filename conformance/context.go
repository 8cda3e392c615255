package conformance

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// C is handed to a check's run function. It carries the target, records
// evidence, and collects the verdict, much like testing.T does for a test.
//
// Fatalf and Skipf stop the check by unwinding its goroutine with a
// sentinel panic that the runner recovers, so they must be called from the
// goroutine that runs the check.
type C struct {
	ctx     context.Context
	check   *Check
	target  Target
	session *session

	evidence   []string
	violations []string
	warnings   []string
	skip       string
}

// stopCheck is the sentinel panic value of Fatalf and Skipf.
type stopCheck struct{}

// Context returns the check's context, which ends at the check's deadline.
func (c *C) Context() context.Context { return c.ctx }

// Target returns the deployment under test.
func (c *C) Target() Target { return c.target }

// Logf adds a line of evidence.
func (c *C) Logf(format string, args ...any) {
	c.evidence = append(c.evidence, fmt.Sprintf(format, args...))
}

// Errorf records a violated requirement and continues. The check ends as
// fail, or as warning when its severity is SeverityShould.
func (c *C) Errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	c.violations = append(c.violations, msg)
	c.evidence = append(c.evidence, "violation: "+msg)
}

// Fatalf records a violated requirement and stops the check.
func (c *C) Fatalf(format string, args ...any) {
	c.Errorf(format, args...)
	panic(stopCheck{})
}

// Warnf records a SHOULD-level finding and continues.
func (c *C) Warnf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	c.warnings = append(c.warnings, msg)
	c.evidence = append(c.evidence, "warning: "+msg)
}

// Skipf stops the check as skipped, with the reason. Violations recorded
// before the call still make the check fail.
func (c *C) Skipf(format string, args ...any) {
	c.skip = fmt.Sprintf(format, args...)
	c.evidence = append(c.evidence, "skip: "+c.skip)
	panic(stopCheck{})
}

// Sleep waits for d through the runner's wait function, which tests may
// replace to move a fake clock instead.
func (c *C) Sleep(d time.Duration) {
	c.Logf("wait %s", d)
	if err := c.session.sleep(c.ctx, d); err != nil {
		c.Fatalf("wait of %s interrupted: %v", d, err)
	}
}

// verdict returns the outcome and its one-line reason.
func (c *C) verdict() (Status, string) {
	switch {
	case len(c.violations) > 0 && c.check.Severity == SeverityShould:
		return StatusWarning, strings.Join(c.violations, "; ")
	case len(c.violations) > 0:
		return StatusFail, strings.Join(c.violations, "; ")
	case c.skip != "":
		return StatusSkip, c.skip
	case len(c.warnings) > 0:
		return StatusWarning, strings.Join(c.warnings, "; ")
	default:
		return StatusPass, ""
	}
}

// client returns an HTTP client that never follows redirects and keeps no
// cookies, for back-channel requests.
func (c *C) client() *http.Client {
	return &http.Client{
		Transport:     c.session.transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
