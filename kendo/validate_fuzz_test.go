package kendo

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzValidate: Validate never panics, every violation is located under "body", and
// what it accepts is JSON with a non-empty transcript or audioUrl.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{`{"transcript":"x"}`, `{"audioUrl":"https://r.example/a","repEmail":"a@example.com","duration":1.5}`,
		`{"audio_url":"http://x.y/z","metadata":{"a":1,"b":true}}`, `{}`, `[]`, `{"transcript":"x","callDate":"2026-08-05T20:58:49Z"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		vs := Validate(raw)
		for _, v := range vs {
			if !strings.HasPrefix(v.Location, "body") || v.Message == "" {
				t.Fatalf("bad violation %+v", v)
			}
		}
		if vs != nil {
			return
		}
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("accepted non-JSON-object %q: %v", raw, err)
		}
		nonEmpty := func(k string) bool { s, _ := doc[k].(string); return s != "" }
		if !nonEmpty("transcript") && !nonEmpty("audioUrl") && !nonEmpty("audio_url") {
			t.Fatalf("accepted a payload without transcript or audioUrl: %q", raw)
		}
	})
}
