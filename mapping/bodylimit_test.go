package mapping

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aloware-kendo/aloware-kendo/kendo"
)

func TestEncodedLenMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quote " and \ backslash`, "line\nbreak\r\ttab", "\b\f\x00\x1f", "<html> & more",
		"héllo wörld", "emoji 🎉", "\u2028\u2029", "invalid \xff byte", "\x7f",
	} {
		b, _ := json.Marshal(s)
		if got, want := encodedLen(s), len(b)-2; got != want {
			t.Errorf("encodedLen(%q) = %d, encoding/json writes %d", s, got, want)
		}
	}
}

func TestFitBodyLimit(t *testing.T) {
	line := "Rep: " + strings.Repeat("word ", 40) + "<&>" // HTML escaping makes it longer
	big := strings.Repeat(line+"\n", kendo.MaxBodyBytes/len(line)+10)
	big = strings.TrimSuffix(big, "\n")
	tests := []struct {
		name       string
		p          kendo.Payload
		warning    string
		transcript func(string) bool
	}{
		{"small transcript untouched", kendo.Payload{Transcript: "Rep: hi"}, "", func(s string) bool { return s == "Rep: hi" }},
		{"with audio: dropped", kendo.Payload{AudioURL: "https://r.example/a", Transcript: big}, "transcript dropped", func(s string) bool { return s == "" }},
		{"without audio: cut at a line", kendo.Payload{CallTitle: "t", Metadata: map[string]string{"source": "aloware"}, Transcript: big}, "cut at a line boundary", func(s string) bool {
			return s != "" && strings.HasPrefix(big, s) && strings.HasSuffix(s, "<&>")
		}},
		{"one enormous line: cut inside it", kendo.Payload{Transcript: strings.Repeat("é", kendo.MaxBodyBytes)}, "cut", func(s string) bool {
			return len(s) > kendo.MaxBodyBytes/2 && strings.Trim(s, "é") == ""
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			w := fitBodyLimit(&p)
			if (tc.warning == "") != (len(w) == 0) || (tc.warning != "" && !strings.Contains(w[0], tc.warning)) {
				t.Errorf("warnings %v, want %q", w, tc.warning)
			}
			if !tc.transcript(p.Transcript) {
				t.Errorf("transcript of %d bytes not as expected", len(p.Transcript))
			}
			raw, _ := json.Marshal(p)
			if len(raw) > kendo.MaxBodyBytes {
				t.Errorf("payload is %d bytes, over the limit", len(raw))
			}
			if tc.warning == "cut at a line boundary" && len(raw) < kendo.MaxBodyBytes-len(line)*7 {
				t.Errorf("cut too much: %d bytes", len(raw))
			}
			if p.Transcript != "" || p.AudioURL != "" {
				if v := kendo.Validate(raw); v != nil {
					t.Errorf("Validate: %v", v)
				}
			}
		})
	}
}

// TestShrinkAfter413 (rule P10): the shrink once Kendo has answered 413 anyway.
func TestShrinkAfter413(t *testing.T) {
	lines := strings.Repeat("Rep: a long line about the renewal\n", 1000)
	tests := []struct {
		name       string
		p          kendo.Payload
		how        string
		transcript func(string) bool
	}{
		{"with audio: transcript dropped", kendo.Payload{AudioURL: "https://r.example/a", Transcript: "Rep: hello"}, "transcript dropped after Kendo's 413 (audioUrl kept)",
			func(s string) bool { return s == "" }},
		{"without audio: a tenth cut at a line, with a marker", kendo.Payload{Transcript: lines}, "transcript cut by a tenth after Kendo's 413",
			func(s string) bool {
				body := strings.TrimSuffix(s, transcriptCutMarker)
				return body != s && strings.HasPrefix(lines, body+"\n") && len(body) <= len(lines)*9/10 && len(body) > len(lines)*8/10
			}},
		{"one long line: cut inside it, never inside a character", kendo.Payload{Transcript: strings.Repeat("é", 1000)}, "transcript cut by a tenth after Kendo's 413",
			func(s string) bool {
				body := strings.TrimSuffix(s, transcriptCutMarker)
				return utf8.ValidString(body) && strings.Trim(body, "é") == "" && len(body) >= 1800-2 && len(body) <= 1800
			}},
		{"no transcript: nothing to do", kendo.Payload{AudioURL: "https://r.example/a"}, "", func(s string) bool { return s == "" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			if how := ShrinkAfter413(&p); how != tc.how {
				t.Errorf("how = %q, want %q", how, tc.how)
			}
			if !tc.transcript(p.Transcript) {
				t.Errorf("transcript of %d bytes not as expected: …%q", len(p.Transcript), p.Transcript[max(0, len(p.Transcript)-80):])
			}
			if p.AudioURL != tc.p.AudioURL {
				t.Errorf("audioUrl changed to %q", p.AudioURL)
			}
		})
	}
}
