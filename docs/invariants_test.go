package docs

import (
	"os"
	"regexp"
	"strconv"
	"testing"
)

var (
	invariantHeading = regexp.MustCompile(`(?m)^## ([0-9]+)\. `)
	invariantPointer = regexp.MustCompile(`docs/invariants\.md ((?:#[0-9]+(?:,? (?:and )?)?)+)`)
	pointerNumber    = regexp.MustCompile(`#([0-9]+)`)
	namedTest        = regexp.MustCompile("`((?:Test|Benchmark|Fuzz)[A-Za-z0-9_]+)`")
)

func readInvariants(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("invariants.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// TestInvariantsAreNumbered: docs/invariants.md numbers its invariants 1, 2, 3, … in
// order, so "#N" in a comment names one for good; an invariant that goes away keeps its
// number's heading and says so.
func TestInvariantsAreNumbered(t *testing.T) {
	headings := invariantHeading.FindAllStringSubmatch(readInvariants(t), -1)
	if len(headings) < 17 {
		t.Errorf("docs/invariants.md has %d numbered invariants, want at least 17", len(headings))
	}
	for i, h := range headings {
		if h[1] != strconv.Itoa(i+1) {
			t.Errorf("invariant heading %d is numbered %s", i+1, h[1])
		}
	}
}

// TestInvariantPointersResolve: every "docs/invariants.md #N" in a comment names an
// invariant the page has.
func TestInvariantPointersResolve(t *testing.T) {
	count := len(invariantHeading.FindAllString(readInvariants(t), -1))
	pointers := 0
	for _, path := range repoFiles(t, ".go", ".sh") {
		for _, text := range commentTexts(t, path) {
			for _, m := range invariantPointer.FindAllStringSubmatch(text, -1) {
				for _, n := range pointerNumber.FindAllStringSubmatch(m[1], -1) {
					pointers++
					if i, _ := strconv.Atoi(n[1]); i < 1 || i > count {
						t.Errorf("%s: points at docs/invariants.md #%s; it has #1 to #%d", path, n[1], count)
					}
				}
			}
		}
	}
	if pointers == 0 {
		t.Error("no comment points at docs/invariants.md: is the pattern still the one comments use?")
	}
}

// TestInvariantsNameRealTests: every test docs/invariants.md gives as proof exists, so a
// renamed or deleted test cannot leave an invariant claiming a proof it lost.
func TestInvariantsNameRealTests(t *testing.T) {
	funcs := testFuncs(t)
	named := namedTest.FindAllStringSubmatch(readInvariants(t), -1)
	if len(named) == 0 {
		t.Fatal("docs/invariants.md names no test")
	}
	for _, m := range named {
		if !funcs[m[1]] {
			t.Errorf("docs/invariants.md names %s, which is no test, benchmark or fuzz function of the repository", m[1])
		}
	}
}
