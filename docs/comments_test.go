package docs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// privateReference matches what a reader of this repository cannot open: the notes the
// engine was designed from and the numbered tickets of the tracker it was built with. A
// comment says its reason itself, or points at a numbered invariant of docs/invariants.md.
var privateReference = regexp.MustCompile(`(?i)\bdesign[ -]?notes?\b|\bissues? #?[0-9]+|\bissue[0-9]+`)

// TestCommentsStandOnTheirOwn: no comment of a Go file, and no line of a script, points at
// a reference outside the repository (privateReference) that a reader cannot follow.
func TestCommentsStandOnTheirOwn(t *testing.T) {
	for _, path := range repoFiles(t, ".go", ".sh") {
		for _, text := range commentTexts(t, path) {
			if found := privateReference.FindString(text); found != "" {
				t.Errorf("%s: a comment points at %q, which a reader cannot open: say the reason, or point to docs/invariants.md #N\n\t%s", path, found, text)
			}
		}
	}
}

// repoFiles lists the repository's files with one of exts, leaving out hidden
// directories, fixtures and installed packages.
func repoFiles(t *testing.T, exts ...string) []string {
	t.Helper()
	const root = ".."
	var files []string
	err := filepath.WalkDir(root, func(path string, entry fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := entry.Name()
		if entry.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		for _, ext := range exts {
			if filepath.Ext(name) == ext {
				files = append(files, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// commentTexts gives each comment of a file as one line of text, so a reference broken
// across lines ("design\n// note 10") is still found: each comment group of a Go file,
// and a script's whole text.
func commentTexts(t *testing.T, path string) []string {
	t.Helper()
	oneLine := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	if filepath.Ext(path) != ".go" {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Error(err)
			return nil
		}
		return []string{oneLine(strings.ReplaceAll(string(raw), "#", " "))}
	}
	file, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return nil
	}
	texts := make([]string, len(file.Comments))
	for i, group := range file.Comments {
		texts[i] = oneLine(group.Text())
	}
	return texts
}

// testFuncs are the names of the repository's test, benchmark and fuzz functions.
func testFuncs(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, path := range repoFiles(t, ".go") {
		if !strings.HasSuffix(path, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, decl := range file.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil {
				names[fn.Name.Name] = true
			}
		}
	}
	return names
}
