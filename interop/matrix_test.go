package interop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/smartmate/smartmate-mock/mockidp"
)

// verdict is what a library did with a response: rejected it, accepted
// it, or could not be asked (n/a).
type verdict string

const (
	rejected      verdict = "rejected"
	accepted      verdict = "accepted"
	notApplicable verdict = "n/a"
)

// The cases of the matrix besides the relying-party faults: no fault, and
// the two key rotations.
const (
	caseNone       = "none"
	caseRotateKeep = "rotate-keep"
	caseRotateDrop = "rotate-drop"
)

// matrixCases returns the rows of the matrix in order.
func matrixCases() []string {
	cases := []string{caseNone}
	for _, f := range mockidp.RPFaults {
		cases = append(cases, string(f))
	}
	return append(cases, caseRotateKeep, caseRotateDrop)
}

// correctVerdict returns what a correct relying party does in a case: it
// accepts correct responses and rejects defective ones.
func correctVerdict(c string) verdict {
	if c == caseNone || c == caseRotateKeep {
		return accepted
	}
	return rejected
}

// cell is one library's outcome for one case. Only Verdict is compared
// with the committed matrix: Error holds the library's message at the last
// -update, for readers, and Note comes from matrixNotes.
type cell struct {
	Verdict verdict `json:"verdict"`
	Error   string  `json:"error,omitempty"`
	Note    string  `json:"note,omitempty"`
}

// outcome turns the error of a library call into a cell: no error means
// the library accepted the response.
func outcome(err error) cell {
	if err == nil {
		return cell{Verdict: accepted}
	}
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return cell{Verdict: rejected, Error: msg}
}

// normalizeError removes the parts of an error message that change from
// run to run, the emulator's port and timestamps, so that -update
// rewrites the matrix only when something changed.
func normalizeError(msg string, e *emulator) string {
	msg = strings.ReplaceAll(msg, e.url, "http://127.0.0.1:PORT")
	return timestamp.ReplaceAllString(msg, "TIME")
}

var timestamp = regexp.MustCompile(`\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?( [+-]\d{4} UTC|Z)?`)

// matrix is the content of testdata/rp-fault-matrix.json.
type matrix struct {
	Libraries []string                   `json:"libraries"`
	Cases     []string                   `json:"cases"`
	Cells     map[string]map[string]cell `json:"cells"` // library, then case
}

const matrixFile = "testdata/rp-fault-matrix.json"

// rpLibrary is one column of the matrix: a name and a function that
// returns the library's cell for a case, against an emulator of its own.
type rpLibrary struct {
	name string
	// prepare starts an emulator and what the library needs, and returns
	// the emulator and the function that runs one case. The cases run in
	// matrixCases order, so the key rotations come last.
	prepare func(t *testing.T) (*emulator, func(t *testing.T, c string) cell)
}

func rpLibraries() []rpLibrary {
	return []rpLibrary{
		{"go-oidc", prepareGoOIDCCases},
		{"openid-client", prepareOpenIDClientCases(false)},
		{"openid-client (non-repudiation)", prepareOpenIDClientCases(true)},
		{"keycloak-js", prepareKeycloakJSCases},
	}
}

// TestRPFaultMatrix drives each library through its flow once per case
// and compares the verdicts with testdata/rp-fault-matrix.json. A library
// that rejects the response without a fault fails the test, because that
// is a bug of the emulator. A library that accepts a defective response is
// a finding about the library, which the matrix records.
func TestRPFaultMatrix(t *testing.T) {
	observed := matrix{Cases: matrixCases(), Cells: map[string]map[string]cell{}}
	var mu sync.Mutex
	t.Run("library", func(t *testing.T) {
		for _, lib := range rpLibraries() {
			observed.Libraries = append(observed.Libraries, lib.name)
			t.Run(lib.name, func(t *testing.T) {
				t.Parallel()
				e, runCase := lib.prepare(t)
				cells := map[string]cell{}
				for _, c := range observed.Cases {
					got := runCase(t, c)
					got.Error = normalizeError(got.Error, e)
					got.Note = matrixNotes[lib.name][c]
					if c == caseNone && got.Verdict != accepted {
						t.Errorf("%s rejected a correct response: %s", lib.name, got.Error)
					}
					if got.Verdict != correctVerdict(c) && got.Note == "" {
						t.Errorf("%s, %s: verdict %s needs an explanation in matrixNotes", lib.name, c, got.Verdict)
					}
					cells[c] = got
				}
				mu.Lock()
				observed.Cells[lib.name] = cells
				mu.Unlock()
			})
		}
	})
	if t.Failed() {
		return
	}
	var skipped []string
	for _, lib := range observed.Libraries {
		if observed.Cells[lib] == nil {
			skipped = append(skipped, lib)
		}
	}

	if *update {
		if len(skipped) > 0 {
			t.Fatalf("not rewriting %s: no verdicts for %v, whose tests were skipped", matrixFile, skipped)
		}
		writeMatrix(t, observed)
		return
	}
	var want matrix
	raw, err := os.ReadFile(matrixFile)
	if err != nil {
		t.Fatalf("reading the committed matrix (run with -update to create it): %v", err)
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatalf("%s is not JSON: %v", matrixFile, err)
	}
	if !slices.Equal(want.Cases, observed.Cases) || !slices.Equal(want.Libraries, observed.Libraries) {
		t.Errorf("%s has cases %v and libraries %v, want %v and %v; run with -update", matrixFile, want.Cases, want.Libraries, observed.Cases, observed.Libraries)
	}
	for _, lib := range observed.Libraries {
		if observed.Cells[lib] == nil {
			continue
		}
		for _, c := range observed.Cases {
			got, wantCell := observed.Cells[lib][c], want.Cells[lib][c]
			if got.Verdict != wantCell.Verdict {
				t.Errorf("%s, %s: verdict %q, committed %q (error: %s); if the change is right, run go test ./interop/ -run TestRPFaultMatrix -update", lib, c, got.Verdict, wantCell.Verdict, got.Error)
			}
		}
	}
}

// writeMatrix writes the observed matrix to testdata/rp-fault-matrix.json
// and renders docs/rp-fault-matrix.md from it.
func writeMatrix(t *testing.T, m matrix) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(matrixFile, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("../docs/rp-fault-matrix.md", []byte(renderMatrixDoc(m)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// renderMatrixDoc renders the matrix as the Markdown page
// docs/rp-fault-matrix.md.
func renderMatrixDoc(m matrix) string {
	var b strings.Builder
	b.WriteString(matrixDocIntro)
	b.WriteString("\n| case | " + strings.Join(m.Libraries, " | ") + " |\n")
	b.WriteString("|---" + strings.Repeat("|---", len(m.Libraries)) + "|\n")
	for _, c := range m.Cases {
		row := []string{"`" + c + "`"}
		for _, lib := range m.Libraries {
			cl := m.Cells[lib][c]
			text := string(cl.Verdict)
			if cl.Verdict == accepted && correctVerdict(c) == rejected {
				text = "**accepted**"
			}
			if cl.Note != "" {
				text += " ¹"
			}
			row = append(row, text)
		}
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	b.WriteString("\n¹ explained below, where each rejection also shows the library's error message. " +
		"A bold **accepted** is a defective response that the library took.\n")

	b.WriteString("\n## Cases\n\n")
	for _, c := range m.Cases {
		fmt.Fprintf(&b, "- `%s`: %s\n", c, caseDescriptions[c])
	}
	b.WriteString("\n## Notes, findings and error messages\n")
	for _, lib := range m.Libraries {
		fmt.Fprintf(&b, "\n### %s\n\n%s\n\n", lib, libraryDescriptions[lib])
		for _, c := range m.Cases {
			cl := m.Cells[lib][c]
			if cl.Note == "" && cl.Error == "" {
				continue
			}
			fmt.Fprintf(&b, "- `%s` (%s):", c, cl.Verdict)
			if cl.Note != "" {
				b.WriteString(" " + cl.Note)
			}
			if cl.Error != "" {
				fmt.Fprintf(&b, " Error: `%s`", strings.ReplaceAll(cl.Error, "`", "'"))
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}
