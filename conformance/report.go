package conformance

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Report formats accepted by WriteReport.
const (
	FormatText  = "text"
	FormatJSON  = "json"
	FormatJUnit = "junit"
)

// WriteReport writes r in format (text, json or junit).
func WriteReport(w io.Writer, r *Report, format string) error {
	switch format {
	case FormatText:
		return WriteText(w, r)
	case FormatJSON:
		return WriteJSON(w, r)
	case FormatJUnit:
		return WriteJUnit(w, r)
	default:
		return fmt.Errorf("unknown report format %q, expected text, json or junit", format)
	}
}

// statusLabel is the fixed-width label of a status in text output.
func statusLabel(s Status) string {
	return strings.ToUpper(string(s))
}

// FormatResultLine formats one result as the text report and the live
// progress show it: status, id, duration, and the reason of a non-pass.
func FormatResultLine(res Result) string {
	line := fmt.Sprintf("%-7s %s (%s)", statusLabel(res.Status), res.Check.ID, roundDuration(res.Duration))
	if res.Reason != "" {
		line += "\n        " + res.Reason
	}
	return line
}

// roundDuration rounds for display: milliseconds below a minute.
func roundDuration(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(10 * time.Millisecond)
}

// WriteText writes one line per result and a summary table per profile.
func WriteText(w io.Writer, r *Report) error {
	var b strings.Builder
	b.WriteString(FormatHeader(r.Target.Issuer, r.Profiles))
	for _, res := range r.Results {
		b.WriteString(FormatResultLine(res))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	return WriteSummary(w, r)
}

// WriteSummary writes the table of outcomes per profile and the total.
func WriteSummary(w io.Writer, r *Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "profile\tpass\twarning\tfail\tskip\ttotal\t")
	counts := map[Profile]map[Status]int{}
	for _, res := range r.Results {
		if counts[res.Check.Profile] == nil {
			counts[res.Check.Profile] = map[Status]int{}
		}
		counts[res.Check.Profile][res.Status]++
	}
	row := func(name string, n map[Status]int) {
		total := 0
		for _, s := range Statuses {
			total += n[s]
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t\n", name, n[StatusPass], n[StatusWarning], n[StatusFail], n[StatusSkip], total)
	}
	for _, p := range Profiles {
		if n, ok := counts[p]; ok {
			row(string(p), n)
		}
	}
	row("all", r.Counts())
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d checks in %s\n", len(r.Results), roundDuration(r.Duration))
	return err
}

// FormatHeader returns the first lines of a text report, which name the
// issuer and the profiles that ran, followed by a blank line.
func FormatHeader(issuer string, profiles []Profile) string {
	return fmt.Sprintf("Conformance of %s (profiles %s)\n\n", issuer, joinProfiles(profiles))
}

// ProfilesOf returns the profiles of checks, in the order of Profiles.
func ProfilesOf(checks []*Check) []Profile {
	var ps []Profile
	for _, p := range Profiles {
		if slices.ContainsFunc(checks, func(c *Check) bool { return c.Profile == p }) {
			ps = append(ps, p)
		}
	}
	return ps
}

// joinProfiles lists profile names with commas.
func joinProfiles(ps []Profile) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = string(p)
	}
	return strings.Join(names, ",")
}

// jsonReport is the wire form of the JSON report.
type jsonReport struct {
	Issuer     string         `json:"issuer"`
	Profiles   []Profile      `json:"profiles"`
	Started    string         `json:"started"`
	DurationMS int64          `json:"duration_ms"`
	Summary    map[Status]int `json:"summary"`
	Results    []jsonResult   `json:"results"`
}

// jsonResult is one result in the JSON report.
type jsonResult struct {
	ID         string   `json:"id"`
	Status     Status   `json:"status"`
	Title      string   `json:"title"`
	Spec       string   `json:"spec"`
	Profile    Profile  `json:"profile"`
	Severity   Severity `json:"severity"`
	DurationMS int64    `json:"duration_ms"`
	Reason     string   `json:"reason,omitempty"`
	Evidence   []string `json:"evidence"`
}

// WriteJSON writes the report as indented JSON: summary (count per
// outcome) and results.
func WriteJSON(w io.Writer, r *Report) error {
	out := jsonReport{
		Issuer:     r.Target.Issuer,
		Profiles:   r.Profiles,
		Started:    r.Started.UTC().Format(time.RFC3339),
		DurationMS: r.Duration.Milliseconds(),
		Summary:    r.Counts(),
		Results:    make([]jsonResult, 0, len(r.Results)),
	}
	for _, res := range r.Results {
		ev := res.Evidence
		if ev == nil {
			ev = []string{}
		}
		out.Results = append(out.Results, jsonResult{
			ID: res.Check.ID, Status: res.Status, Title: res.Check.Title, Spec: res.Check.Spec,
			Profile: res.Check.Profile, Severity: res.Check.Severity,
			DurationMS: res.Duration.Milliseconds(), Reason: res.Reason, Evidence: ev,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// junitSuites is the root of a JUnit XML report, in the form that CI
// systems (Jenkins, GitLab, GitHub actions) read.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Name    string       `xml:"name,attr"`
	Tests   int          `xml:"tests,attr"`
	Fails   int          `xml:"failures,attr"`
	Skipped int          `xml:"skipped,attr"`
	Time    string       `xml:"time,attr"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name    string      `xml:"name,attr"`
	Tests   int         `xml:"tests,attr"`
	Fails   int         `xml:"failures,attr"`
	Skipped int         `xml:"skipped,attr"`
	Time    string      `xml:"time,attr"`
	Cases   []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// seconds formats a duration as JUnit's decimal seconds.
func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes a JUnit XML report with one test suite per profile.
// Warnings pass, with the warning in system-out, because JUnit has no
// warning outcome.
func WriteJUnit(w io.Writer, r *Report) error {
	root := junitSuites{Name: "smartmate-conformance " + r.Target.Issuer, Time: seconds(r.Duration)}
	index := map[Profile]int{}
	for _, res := range r.Results {
		i, ok := index[res.Check.Profile]
		if !ok {
			i = len(root.Suites)
			index[res.Check.Profile] = i
			root.Suites = append(root.Suites, junitSuite{Name: string(res.Check.Profile)})
		}
		s := &root.Suites[i]
		tc := junitCase{Name: res.Check.ID, Classname: "conformance." + string(res.Check.Profile), Time: seconds(res.Duration)}
		text := res.Check.Title + "\n" + res.Check.Spec + "\n\n" + strings.Join(res.Evidence, "\n")
		switch res.Status {
		case StatusFail:
			tc.Failure = &junitMessage{Message: res.Reason, Type: "fail", Text: text}
			s.Fails++
			root.Fails++
		case StatusSkip:
			tc.Skipped = &junitMessage{Message: res.Reason}
			s.Skipped++
			root.Skipped++
		case StatusWarning:
			tc.SystemOut = "WARNING: " + res.Reason + "\n\n" + text
		default:
			tc.SystemOut = text
		}
		s.Cases = append(s.Cases, tc)
		s.Tests++
		root.Tests++
	}
	for i := range root.Suites {
		var d time.Duration
		for _, res := range r.Results {
			if string(res.Check.Profile) == root.Suites[i].Name {
				d += res.Duration
			}
		}
		root.Suites[i].Time = seconds(d)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
