package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/smartmate/smartmate-mock/"

func TestComponentsDoNotImportEachOther(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}: {{join .Imports \" \"}}", module+"...").Output()
	if err != nil {
		t.Skipf("go list failed, so the rule cannot be checked here: %v", err)
	}
	components := []string{"mockidp", "mockapi", "conformance"}
	owner := func(pkg string) string {
		rest, ok := strings.CutPrefix(pkg, module)
		if !ok {
			return ""
		}
		first, _, _ := strings.Cut(rest, "/")
		for _, c := range components {
			if first == c {
				return c
			}
		}
		return ""
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ": ")
		from := owner(pkg)
		if from == "" {
			continue
		}
		checked++
		for _, imp := range strings.Fields(imports) {
			if to := owner(imp); to != "" && to != from {
				t.Errorf("package %s imports %s: %s and %s must not depend on each other", pkg, imp, from, to)
			}
		}
	}
	if checked < 2 {
		t.Errorf("checked %d component packages, want at least mockidp and mockapi", checked)
	}
}
