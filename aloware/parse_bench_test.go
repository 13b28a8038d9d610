package aloware

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// BenchmarkParse is the one pass /push and /map make over an event before anything else:
// check the bytes, record the tape and read the fields. The large shapes are the ones the
// tape's sizing and pooling exist for (a long transcript of short messages).
func BenchmarkParse(b *testing.B) {
	typical, err := os.ReadFile("../testdata/aloware/transcription-saved-typical.json")
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		raw  []byte
	}{
		{"typical-10KB", typical},
		{"1h-call-900-utterances", transcriptEvent(900, 60)},
		{"near-5MB", transcriptEvent(5000, 960)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(bc.raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// transcriptEvent is a Transcription-Saved event with n utterances of about textLen
// characters each.
func transcriptEvent(n, textLen int) []byte {
	var b strings.Builder
	b.WriteString(`{"event":"Transcription-Saved","body":{"id":940868616,"type":1,"direction":2,"talk_time":3540,` +
		`"created_at":"2026-08-05 20:58:49","user":{"id":120776,"name":"Sam Carter"},"parsed_transcription":{"messages":[`)
	text := strings.Repeat("renewal ", textLen/8)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"speaker":"AGENT","text":%q,"start":%d,"end":%d,"sentiment":"NEUTRAL"}`, text, i*4000, i*4000+3800)
	}
	b.WriteString(`]}}}`)
	return []byte(b.String())
}
