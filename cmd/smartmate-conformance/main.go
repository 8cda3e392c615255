package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/smartmate/smartmate-mock/conformance"
	"github.com/smartmate/smartmate-mock/conformance/chromium"
)

// Exit statuses.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

// errReported is a usage error that was already printed.
var errReported = errors.New("usage error already reported")

// progressFmt formats the line shown while a check runs.
const progressFmt = "%-7s %s"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv, isTerminal(os.Stdout))
	stop()
	os.Exit(code)
}

// profileList is a repeatable flag of comma-separated profiles.
type profileList []conformance.Profile

func (p *profileList) String() string {
	names := make([]string, len(*p))
	for i, v := range *p {
		names[i] = string(v)
	}
	return strings.Join(names, ",")
}

func (p *profileList) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		prof, err := conformance.ParseProfile(part)
		if err != nil {
			return err
		}
		*p = append(*p, prof)
	}
	return nil
}

// config is the parsed command line.
type config struct {
	target   conformance.Target
	profiles profileList
	run      *regexp.Regexp
	list     bool
	format   string
	output   string
	timeout  time.Duration
	// expected maps check ids to the reason they are expected to fail.
	expected map[string]string
	// browser is the login driver: "http" or "chromium".
	browser      string
	chromiumPath string
}

// parseArgs builds the configuration from defaults, then the target file,
// then environment variables, then flags, each overriding the one before.
func parseArgs(args []string, stderr io.Writer, lookup func(string) (string, bool)) (*config, error) {
	fs := flag.NewFlagSet("smartmate-conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := &config{}
	var (
		targetFile, runExpr, expectedFile string
		flagTarget                        conformance.Target
	)
	fs.StringVar(&targetFile, "target", "", "read the target from this JSON `file` with the keys "+conformance.TargetFileKeys+"; environment variables and flags override it")
	fs.StringVar(&flagTarget.Issuer, "issuer", "", "issuer `URL` of the provider (default "+conformance.DefaultIssuer+")")
	fs.StringVar(&flagTarget.DiscoveryURL, "discovery-url", "", "discovery document `URL` (default: issuer + /.well-known/openid-configuration)")
	fs.StringVar(&flagTarget.PublicClient.ID, "client-id", "", "client `id` of the browser (public) client (default demo-web)")
	fs.StringVar(&flagTarget.PublicClient.Secret, "client-secret", "", "`secret` of the browser client, if it is confidential")
	fs.StringVar(&flagTarget.PublicClient.RedirectURI, "redirect-uri", "", "registered redirect `URI` of the browser client (default http://127.0.0.1/callback)")
	fs.StringVar(&flagTarget.ConfidentialClient.ID, "confidential-client-id", "", "client `id` of the confidential client (default demo-backend)")
	fs.StringVar(&flagTarget.ConfidentialClient.Secret, "confidential-client-secret", "", "`secret` of the confidential client (default demo-backend-secret)")
	fs.StringVar(&flagTarget.SecondClient.ID, "second-client-id", "", "client `id` of a second client for cross-client checks (default demo-cli)")
	fs.StringVar(&flagTarget.SecondClient.Secret, "second-client-secret", "", "`secret` of the second client, if it is confidential")
	fs.StringVar(&flagTarget.User.Username, "username", "", "`name` of a user with API roles (default alice)")
	fs.StringVar(&flagTarget.User.Password, "password", "", "`password` of that user (default alice-password)")
	fs.StringVar(&flagTarget.SecondUser.Username, "second-username", "", "`name` of a user without API roles (default bob)")
	fs.StringVar(&flagTarget.SecondUser.Password, "second-password", "", "`password` of that user (default bob-password)")
	fs.StringVar(&flagTarget.APIURL, "api-url", "", "Smartmate GraphQL `URL` (default: {base}/workspaces/{realm}/graphql derived from the issuer)")
	fs.StringVar(&flagTarget.PostLogoutRedirectURI, "post-logout-redirect-uri", "", "registered post-logout redirect `URI` (default: the redirect URI)")
	fs.StringVar(&flagTarget.BackchannelLogoutURL, "backchannel-logout-url", "", "loopback `URL` registered as the client's back-channel logout URI; the tool listens there")
	fs.Var(&cfg.profiles, "profile", "run only these `profiles`: oidc, keycloak, smartmate (repeatable or comma-separated; default: all that apply to the target)")
	fs.StringVar(&runExpr, "run", "", "run only checks whose id matches this `regexp`")
	fs.BoolVar(&cfg.list, "list", false, "list the selected checks and exit")
	fs.StringVar(&cfg.format, "format", "text", "report `format`: text, json or junit")
	fs.StringVar(&cfg.output, "output", "", "write the report to this `file` instead of standard output")
	fs.StringVar(&expectedFile, "expected-failures", "", "compare the failed checks with this JSON `file` (an object of check id to reason): exit 0 when they are exactly the listed ones, 1 otherwise")
	fs.StringVar(&cfg.browser, "browser", "http", "login `driver`: http posts the login form with the tool's HTTP client, chromium signs in with a headless Chromium")
	fs.StringVar(&cfg.chromiumPath, "chromium-path", chromium.DefaultExecPath, "`path` of the Chromium executable for --browser chromium")
	fs.DurationVar(&cfg.timeout, "check-timeout", 2*time.Minute, "maximum `duration` of one check, waits included")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: smartmate-conformance [flags]\n\nGrades an OpenID Connect provider with the conformance kit's checks.\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nEnvironment variables (overridden by flags): %s\n", strings.Join(conformance.EnvNames(), ", "))
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		// The flag package has already printed the error and the usage.
		return nil, errReported
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	t := conformance.DefaultTarget()
	if targetFile != "" {
		var err error
		if t, err = conformance.LoadTargetFile(targetFile, t); err != nil {
			return nil, err
		}
	}
	t = conformance.ApplyEnv(t, lookup)
	apiSet := t.APIURL != ""
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "api-url" {
			apiSet = true
		}
	})
	overlay(&t, flagTarget)
	if !apiSet {
		t.APIURL = conformance.DeriveAPIURL(t.Issuer)
	}
	cfg.target = t

	if runExpr != "" {
		re, err := regexp.Compile(runExpr)
		if err != nil {
			return nil, fmt.Errorf("invalid --run regexp: %w", err)
		}
		cfg.run = re
	}
	if expectedFile != "" {
		data, err := os.ReadFile(expectedFile)
		if err != nil {
			return nil, fmt.Errorf("read --expected-failures file: %w", err)
		}
		if err := json.Unmarshal(data, &cfg.expected); err != nil {
			return nil, fmt.Errorf("parse --expected-failures file %q: %w", expectedFile, err)
		}
	}
	switch cfg.format {
	case conformance.FormatText, conformance.FormatJSON, conformance.FormatJUnit:
	default:
		return nil, fmt.Errorf("invalid --format %q: expected text, json or junit", cfg.format)
	}
	if cfg.list && cfg.format == conformance.FormatJUnit {
		return nil, fmt.Errorf("invalid --format junit with --list: expected text or json")
	}
	if cfg.timeout < 0 {
		return nil, fmt.Errorf("invalid --check-timeout %s: expected a positive duration, or 0 for the default of 2 minutes", cfg.timeout)
	}
	if cfg.browser != "http" && cfg.browser != "chromium" {
		return nil, fmt.Errorf("invalid --browser %q: expected http or chromium", cfg.browser)
	}
	return cfg, nil
}

// overlay copies the non-empty fields of flags onto t.
func overlay(t *conformance.Target, flags conformance.Target) {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&t.Issuer, flags.Issuer)
	set(&t.DiscoveryURL, flags.DiscoveryURL)
	set(&t.PublicClient.ID, flags.PublicClient.ID)
	set(&t.PublicClient.Secret, flags.PublicClient.Secret)
	set(&t.PublicClient.RedirectURI, flags.PublicClient.RedirectURI)
	set(&t.ConfidentialClient.ID, flags.ConfidentialClient.ID)
	set(&t.ConfidentialClient.Secret, flags.ConfidentialClient.Secret)
	set(&t.SecondClient.ID, flags.SecondClient.ID)
	set(&t.SecondClient.Secret, flags.SecondClient.Secret)
	set(&t.User.Username, flags.User.Username)
	set(&t.User.Password, flags.User.Password)
	set(&t.SecondUser.Username, flags.SecondUser.Username)
	set(&t.SecondUser.Password, flags.SecondUser.Password)
	set(&t.APIURL, flags.APIURL)
	set(&t.PostLogoutRedirectURI, flags.PostLogoutRedirectURI)
	set(&t.BackchannelLogoutURL, flags.BackchannelLogoutURL)
}

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool), tty bool) int {
	cfg, err := parseArgs(args, stderr, lookup)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if errors.Is(err, errReported) {
		return exitUsage
	}
	if err != nil {
		fmt.Fprintf(stderr, "smartmate-conformance: %v\n", err)
		return exitUsage
	}
	opts := conformance.Options{Profiles: cfg.profiles, Run: cfg.run, CheckTimeout: cfg.timeout}
	selected := conformance.SelectChecks(cfg.target, opts)
	if len(selected) == 0 {
		fmt.Fprintf(stderr, "smartmate-conformance: %s\n", noMatchMessage(cfg))
		return exitUsage
	}

	if cfg.list {
		if err := writeList(stdout, selected, cfg.format); err != nil {
			fmt.Fprintf(stderr, "smartmate-conformance: write list: %v\n", err)
			return exitUsage
		}
		return exitOK
	}

	// The report file is created before any check runs, so that a bad path
	// fails in a second rather than after the whole run.
	out := stdout
	if cfg.output != "" {
		f, err := os.Create(cfg.output)
		if err != nil {
			fmt.Fprintf(stderr, "smartmate-conformance: create --output file: %v\n", err)
			return exitUsage
		}
		defer f.Close()
		out = f
	}

	// Live progress goes to the terminal when the report goes elsewhere or
	// is text, so JSON and JUnit on standard output stay parseable.
	progress := stderr
	if tty && (cfg.output != "" || cfg.format == conformance.FormatText) {
		progress = stdout
	}
	showProgress := tty || cfg.output != ""
	if showProgress {
		fmt.Fprint(progress, conformance.FormatHeader(cfg.target.Issuer, conformance.ProfilesOf(selected)))
		opts.Started = func(c *conformance.Check) {
			if tty {
				fmt.Fprintf(progress, progressFmt, "RUN", c.ID)
			}
		}
		opts.Finished = func(res conformance.Result) {
			if tty {
				fmt.Fprint(progress, "\r\033[K")
			}
			fmt.Fprintln(progress, conformance.FormatResultLine(res))
		}
	}

	if cfg.browser == "chromium" {
		dir, err := os.MkdirTemp("", "smartmate-conformance-chromium-")
		if err != nil {
			fmt.Fprintf(stderr, "smartmate-conformance: %v\n", err)
			return exitUsage
		}
		defer os.RemoveAll(dir)
		driver, err := chromium.New(cfg.chromiumPath, dir)
		if err != nil {
			fmt.Fprintf(stderr, "smartmate-conformance: %v\n", err)
			return exitUsage
		}
		defer driver.Close()
		opts.LoginDriver = driver
	}

	report, err := conformance.Execute(ctx, cfg.target, opts)
	if err != nil {
		fmt.Fprintf(stderr, "smartmate-conformance: %v\n", err)
		return exitUsage
	}

	switch {
	case showProgress && cfg.format == conformance.FormatText && cfg.output == "":
		// The results were already shown line by line; add the summary.
		fmt.Fprintln(out)
		err = conformance.WriteSummary(out, report)
	default:
		err = conformance.WriteReport(out, report, cfg.format)
	}
	if err != nil {
		fmt.Fprintf(stderr, "smartmate-conformance: write report: %v\n", err)
		return exitUsage
	}
	if showProgress && cfg.output != "" {
		fmt.Fprintln(progress)
		_ = conformance.WriteSummary(progress, report)
	}
	if cfg.expected != nil {
		return compareExpected(stderr, report, cfg.expected)
	}
	if report.Failed() {
		return exitFailed
	}
	return exitOK
}

// listedCheck is the JSON form of a check in --list --format json.
type listedCheck struct {
	ID       string `json:"id"`
	Profile  string `json:"profile"`
	Severity string `json:"severity"`
	Title    string `json:"title"`
	Spec     string `json:"spec"`
}

// writeList prints the checks as text or as a JSON array.
func writeList(w io.Writer, checks []*conformance.Check, format string) error {
	if format == conformance.FormatJSON {
		list := make([]listedCheck, len(checks))
		for i, c := range checks {
			list[i] = listedCheck{ID: c.ID, Profile: string(c.Profile), Severity: string(c.Severity), Title: c.Title, Spec: c.Spec}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	for _, c := range checks {
		if _, err := fmt.Fprintf(w, "%-9s %-8s %s\n          %s (%s)\n", c.Profile, c.Severity, c.ID, c.Title, c.Spec); err != nil {
			return err
		}
	}
	return nil
}

// noMatchMessage explains why the selection of cfg is empty.
func noMatchMessage(cfg *config) string {
	profiles := cfg.profiles
	if len(profiles) == 0 {
		profiles = cfg.target.ApplicableProfiles()
	}
	list := profileList(profiles)
	names := list.String()
	if cfg.run != nil {
		return fmt.Sprintf("no check matches --run %q in the profiles %s; see --list for the check ids", cfg.run, names)
	}
	return fmt.Sprintf("no check in the profiles %s", names)
}

// compareExpected prints every difference between the failed checks and
// the expected failures, and returns exitFailed when there is any.
func compareExpected(w io.Writer, report *conformance.Report, expected map[string]string) int {
	failed := map[string]string{}
	for _, res := range report.Results {
		if res.Status == conformance.StatusFail {
			failed[res.Check.ID] = res.Reason
		}
	}

	var diffs []string
	for id, reason := range failed {
		if _, ok := expected[id]; !ok {
			diffs = append(diffs, fmt.Sprintf("unexpected failure: %s: %s", id, reason))
		}
	}

	ran := map[string]conformance.Status{}
	for _, res := range report.Results {
		ran[res.Check.ID] = res.Status
	}
	for id, why := range expected {
		if _, ok := failed[id]; ok {
			continue
		}
		status, ok := ran[id]
		if !ok {
			status = "not run"
		}
		diffs = append(diffs, fmt.Sprintf("expected failure did not happen: %s is %s (listed because: %s)", id, status, why))
	}

	sort.Strings(diffs)
	for _, d := range diffs {
		fmt.Fprintln(w, d)
	}
	if len(diffs) > 0 {
		noun := "differences"
		if len(diffs) == 1 {
			noun = "difference"
		}
		fmt.Fprintf(w, "%d %s from the expected failures\n", len(diffs), noun)
		return exitFailed
	}
	if len(failed) == 1 {
		fmt.Fprintln(w, "the 1 failed check is exactly the expected one")
	} else {
		fmt.Fprintf(w, "the %d failed checks are exactly the expected ones\n", len(failed))
	}
	return exitOK
}

// isTerminal reports whether f is a character device, such as a terminal.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
