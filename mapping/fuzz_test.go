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

// FuzzMapField puts an arbitrary value under one key of a completed call's body, so the
// fuzzer reaches every typed field reader rather than mostly breaking the JSON syntax.
// value is used as raw JSON when it is JSON, else as a string.
func FuzzMapField(f *testing.F) {
	keys := []string{"id", "type", "direction", "current_status2", "current_status", "disposition_status2", "disposition_status",
		"call_disposition", "call_disposition_id", "talk_time", "wait_time", "hold_time", "duration", "created_at", "updated_at",
		"contact_id", "contact", "campaign_id", "campaign", "user_id", "user", "user_email", "user_name", "has_recording",
		"direct_recording_url", "recording_url", "parsed_transcription", "summary", "communication"}
	values := []string{`1`, `"63"`, `-1`, `1.5`, `"NaN"`, `null`, `{}`, `[]`, `"2026-08-05 20:58:49"`, `"https://r.example/a"`,
		`{"messages":[{"speaker":"AGENT","text":"hi","start":1}]}`, `{"id":1,"name":"x"}`, `"a@example.com"`, `1e999`, `"\u2028"`}
	for i, k := range keys {
		f.Add(k, values[i%len(values)])
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		body := map[string]any{"id": 5, "type": 1, "direction": 2, "current_status2": 9, "talk_time": 10,
			"direct_recording_url": "https://r.example/a", "created_at": "2026-08-05 20:58:49"}
		var v any = value
		if json.Valid([]byte(value)) {
			v = json.RawMessage(value)
		}
		body[key] = v
		raw, err := json.Marshal(map[string]any{"event": "OutboundPhoneCall-DispositionCompleted", "body": body})
		if err != nil {
			return // e.g. a key that is not valid UTF-8
		}
		res, err := MapRaw(raw)
		if err != nil {
			var ie *aloware.InputError
			if !errors.As(err, &ie) || len(ie.Problems) == 0 {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		checkResultInvariants(t, res)
	})
}
