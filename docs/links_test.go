// Package docs holds the reference pages README links; its tests keep their links,
// README's size, the code's comments and the invariants' proofs honest.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The pages a reader follows links between: README, the reference pages, the workflow guides.
func pages(t *testing.T) []string {
	t.Helper()
	files := []string{"../README.md"}
	for _, pattern := range []string{"*.md", "../workflows/*.md", "../workflows/*/*.md"} {
		found, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, found...)
	}
	return files
}

var (
	mdLink   = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	htmlLink = regexp.MustCompile(`(?:src|href)="([^"]+)"`)
	fence    = regexp.MustCompile("(?s)```.*?```")
	heading  = regexp.MustCompile(`(?m)^#{1,6} +(.+?) *$`)
	notSlug  = regexp.MustCompile(`[^\p{L}\p{N} _-]`)
)

// anchors are the fragments GitHub makes of a page's headings: lower case, punctuation
// dropped, spaces to hyphens, repeats numbered.
func anchors(text string) map[string]bool {
	set := map[string]bool{}
	for _, m := range heading.FindAllStringSubmatch(fence.ReplaceAllString(text, ""), -1) {
		slug := strings.ReplaceAll(notSlug.ReplaceAllString(strings.ToLower(m[1]), ""), " ", "-")
		name := slug
		for n := 1; set[name]; n++ {
			name = slug + "-" + string(rune('0'+n))
		}
		set[name] = true
	}
	return set
}

// TestRelativeLinksResolve: every relative link of README.md, docs/*.md and the workflow
// guides names a file of the repository, and its #fragment a heading of that page.
func TestRelativeLinksResolve(t *testing.T) {
	for _, page := range pages(t) {
		raw, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		text := fence.ReplaceAllString(string(raw), "")
		var targets []string
		for _, re := range []*regexp.Regexp{mdLink, htmlLink} {
			for _, m := range re.FindAllStringSubmatch(text, -1) {
				targets = append(targets, m[1])
			}
		}
		for _, target := range targets {
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, fragment, _ := strings.Cut(target, "#")
			path := page
			if file != "" {
				path = filepath.Join(filepath.Dir(page), file)
				if _, err := os.Stat(path); err != nil {
					t.Errorf("%s: link %q: no file %s", page, target, path)
					continue
				}
			}
			if fragment == "" {
				continue
			}
			body, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("%s: link %q: %v", page, target, err)
				continue
			}
			if !anchors(string(body))[fragment] {
				t.Errorf("%s: link %q: %s has no heading #%s", page, target, path, fragment)
			}
		}
	}
}

// TestReadmeIsShort: README is what a newcomer reads; the reference lives in docs/.
func TestReadmeIsShort(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(raw), "\n"); n >= 300 {
		t.Errorf("README.md has %d lines, want under 300: move reference text to a docs/ page", n)
	}
	lines := strings.Split(string(raw), "\n")
	start, end := -1, -1
	for i, line := range lines {
		switch {
		case strings.HasPrefix(line, "<!-- quickstart"):
			start = i
		case strings.HasPrefix(line, "<!-- /quickstart"):
			end = i
		}
	}
	if start < 0 || end < start {
		t.Fatal("README.md has no quick start between <!-- quickstart --> and <!-- /quickstart -->")
	}
	if n := end - start - 1; n > 40 {
		t.Errorf("the quick start has %d lines, want at most 40", n)
	}
	if start > 25 {
		t.Errorf("the quick start begins at line %d, want it near the top", start+1)
	}
	for _, command := range []string{"bash .ci/run", "go run ./cmd/aloware-kendo serve"} {
		if !strings.Contains(strings.Join(lines[start:end], "\n"), "\n"+command+"\n") {
			t.Errorf("the quick start does not show the command %q on a line of its own", command)
		}
	}
}
