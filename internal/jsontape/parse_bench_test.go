package jsontape

import (
	"os"
	"testing"
)

// BenchmarkParse is the tape alone (no field read) on a typical Transcription-Saved
// event (~10.6 KB, a five-minute call).
func BenchmarkParse(b *testing.B) {
	raw, err := os.ReadFile("../../testdata/aloware/transcription-saved-typical.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		d, err := Parse(raw)
		if err != nil {
			b.Fatal(err)
		}
		d.Release()
	}
}
