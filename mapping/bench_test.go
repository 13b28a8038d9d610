package mapping

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// benchTranscriptEvent builds a Transcription-Saved event with n utterances of about
// textLen characters each.
func benchTranscriptEvent(n, textLen int) []byte {
	var b strings.Builder
	b.WriteString(`{"event":"Transcription-Saved","body":{"id":940868616,"type":1,"direction":2,"current_status2":9,"disposition_status2":4,` +
		`"talk_time":3540,"duration":3600,"created_at":"2026-08-05 20:58:49","contact_id":155091981,"campaign_id":63949,"user_id":120776,` +
		`"user":{"id":120776,"name":"Sam Carter"},"user_email":"sam.carter@example.com","contact":{"id":155091981,"name":"Jane Doe"},` +
		`"direct_recording_url":"https://app.aloware.io/static/recording/32c1a2f8-5b7e-4c0a-9d1e-7f6a2b3c4d5e","parsed_transcription":{"messages":[`)
	word := "renewal "
	text := strings.Repeat(word, textLen/len(word))
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		speaker := "AGENT"
		if i%2 == 1 {
			speaker = "CONTACT"
		}
		fmt.Fprintf(&b, `{"speaker":%q,"text":%q,"start":%d,"end":%d,"sentiment":"NEUTRAL"}`, speaker, text, i*4000, i*4000+3800)
	}
	b.WriteString(`],"talk_time_analysis":{"AGENT":55,"CONTACT":45}}}}`)
	return []byte(b.String())
}

// BenchmarkMapAndValidate measures what /map and the delivery job do per call: parse,
// merge, map, marshal the payload and validate it.
func BenchmarkMapAndValidate(b *testing.B) {
	small := mustRead(b, "../testdata/aloware/example-b-recording-saved.json")
	hour := benchTranscriptEvent(900, 60) // ~1 h call: 900 utterances of ~60 chars
	near5MB := benchTranscriptEvent(5000, 960)
	for _, bc := range []struct {
		name string
		raw  []byte
	}{{"small-event", small}, {"1h-call-900-utterances", hour}, {"near-5MB", near5MB}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.raw)))
			b.ReportAllocs()
			for b.Loop() {
				res, err := MapRaw(bc.raw)
				if err != nil || !res.Ready {
					b.Fatalf("%v %+v", err, res.Reason)
				}
				out, err := json.Marshal(res.Payload)
				if err != nil {
					b.Fatal(err)
				}
				if v := kendo.Validate(out); v != nil {
					b.Fatal(v)
				}
			}
		})
	}
}

// BenchmarkMapRaw is the mapping alone (no marshal, no validation).
func BenchmarkMapRaw(b *testing.B) {
	hour := benchTranscriptEvent(900, 60)
	b.SetBytes(int64(len(hour)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MapRaw(hour); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMapRawTypical is /map's work on a typical Transcription-Saved event (~10.6 KB,
// a five-minute call): the figure scripts/bench-map.sh compares with a bare echo server.
func BenchmarkMapRawTypical(b *testing.B) {
	raw := mustRead(b, "../testdata/aloware/transcription-saved-typical.json")
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MapRaw(raw); err != nil {
			b.Fatal(err)
		}
	}
}
