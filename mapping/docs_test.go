package mapping

import (
	"os"
	"strings"
	"testing"
)

// TestDocsRulesTable: the rule table of docs/mapping.md is the header table of rules.go,
// so readers of either see the same rules.
func TestDocsRulesTable(t *testing.T) {
	src, err := os.ReadFile("rules.go")
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, line := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(line, "// |") {
			rules = append(rules, strings.TrimPrefix(line, "// "))
		}
	}
	page, err := os.ReadFile("../docs/mapping.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(page), "\n")
	start := -1
	for i, line := range lines {
		if line == rules[0] {
			start = i
			break
		}
	}
	if start < 0 {
		t.Fatalf("docs/mapping.md has no table starting with %q", rules[0])
	}
	for i, want := range rules {
		if got := lines[start+i]; got != want {
			t.Fatalf("docs/mapping.md's mapping rules differ from rules.go at row %d:\ndocs:     %s\nrules.go: %s", i, got, want)
		}
	}
	if next := lines[start+len(rules)]; strings.HasPrefix(next, "|") {
		t.Errorf("docs/mapping.md's table has a row rules.go lacks: %s", next)
	}
}
