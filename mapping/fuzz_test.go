package mapping

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/aloware"
)

// FuzzMapRaw: whatever arrives, MapRaw never panics, and it answers either an
// *aloware.InputError with located problems or a Result whose invariants hold (a ready
// payload passes kendo.Validate). Seeded with every fixture.
//
//	go test ./mapping -run x -fuzz FuzzMapRaw -fuzztime 3m
func FuzzMapRaw(f *testing.F) {
	for _, pattern := range []string{"aloware/*.json", "lifecycle/*/*.json"} {
		files, _ := filepath.Glob(filepath.Join("..", "testdata", pattern))
		for _, file := range files {
			raw, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(raw)
		}
	}
	for _, s := range []string{``, `{}`, `[]`, `null`, `{"foo":1}`, `[{"id":1},{"id":2}]`, `{"id":"1e3","type":"1"}`,
		`{"event":"Transcription-Saved","body":{"id":1,"parsed_transcription":"{\"messages\":[{\"text\":\"x\"}]}"}}`,
		`{"ID":1,"Type":"Call","Direction":"Inbound","Recording URL":"https://r.example/a"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		res, err := MapRaw(raw)
		if err != nil {
			var ie *aloware.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error is %T, not *aloware.InputError: %v", err, err)
			}
			if len(ie.Problems) == 0 {
				t.Fatal("InputError without problems")
			}
			for _, p := range ie.Problems {
				if !strings.HasPrefix(p.Field, "body") || p.Message == "" {
					t.Fatalf("bad problem %+v", p)
				}
			}
			return
		}
		// The fast validator must never accept what encoding/json rejects.
		if !json.Valid(raw) {
			t.Fatalf("accepted input that encoding/json calls invalid: %q", raw)
		}
		checkResultInvariants(t, res)
	})
}
