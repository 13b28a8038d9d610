package reps_test

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/reps"
)

func TestLoadEmailMap(t *testing.T) {
	want := map[string]string{"120776": "sam@team.example", "agent@aloware.example": "alex@team.example"}
	for _, file := range []string{"emailmap.json", "emailmap.csv", "emailmap_noheader.csv"} {
		t.Run(file, func(t *testing.T) {
			got, err := reps.LoadEmailMap(filepath.Join("testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
}

func TestLoadEmailMapErrors(t *testing.T) {
	tmp := func(name, content string) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		path string
		want []string // every fragment must appear in the one error
	}{
		{"csv, every line reported", "testdata/emailmap_bad.csv", []string{
			`line 2: value "sam-at-team" is not an email`,
			"line 3: want 2 columns",
			`line 4: key "not an id" is neither`,
		}},
		{"json, every key reported", "testdata/emailmap_bad.json", []string{
			`key "120776": value "sam-at-team" is not an email`,
			`key "120777": value must be a string email`,
			`key "agent": key "agent" is neither`,
		}},
		{"json not an object", tmp("m.json", `["a@b.example"]`), []string{"want a JSON object"}},
		{"conflicting keys differ only in case", tmp("m.csv", "A@x.example,one@team.example\na@X.example,two@team.example\n"),
			[]string{`line 2: key "a@X.example" is mapped twice`}},
		{"unquoted quote in csv", tmp("m.csv", "1,\"a@b.example\n"), []string{"m.csv"}},
		{"unknown extension", tmp("m.yaml", "1: a@b.example"), []string{`unsupported extension ".yaml"`}},
		{"missing file", filepath.Join(t.TempDir(), "nope.json"), []string{"no such file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := reps.LoadEmailMap(tt.path)
			if err == nil {
				t.Fatalf("no error, got map %v", m)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
		})
	}
}

func TestLoadEmailMapUppercaseExtAndRepeat(t *testing.T) {
	p := filepath.Join(t.TempDir(), "MAP.CSV")
	// The same mapping twice (any case) is harmless and must not be an error.
	if err := os.WriteFile(p, []byte("120776,sam@team.example\n120776,SAM@team.example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := reps.LoadEmailMap(p)
	if err != nil || len(m) != 1 {
		t.Fatalf("got %v, %v", m, err)
	}
}
