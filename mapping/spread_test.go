package mapping

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestArtifactSpreadOfTheFixtures measures, from the lifecycle fixtures' own timestamps,
// how long after the call's completion each artifact event of Aloware came, and checks
// that docs/delivery.md states those figures (the --settle trade is argued from them).
// The fixtures carry Aloware's times as captured on a real account: updated_at of each
// communication event; the transcription's own created_at for a transcription record.
// transcription.* events carry no time of their own.
func TestArtifactSpreadOfTheFixtures(t *testing.T) {
	spread := map[string][]time.Duration{} // event name → after the completing event
	dirs, _ := filepath.Glob(filepath.Join("..", "testdata", "lifecycle", "*"))
	for _, dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		var completed time.Time
		for _, f := range files {
			var ev struct {
				Event string `json:"event"`
				Body  struct {
					UpdatedAt string `json:"updated_at"`
					CreatedAt string `json:"created_at"`
					CommID    any    `json:"communication_id"`
				} `json:"body"`
			}
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatal(err)
			}
			at := ev.Body.UpdatedAt
			if ev.Body.CommID != nil {
				at = ev.Body.CreatedAt // a transcription record: when it was made
			}
			when, err := time.Parse(time.DateTime, at)
			if err != nil {
				continue // no time of its own
			}
			switch {
			case strings.Contains(ev.Event, "-Disposition"):
				completed = when
			case !completed.IsZero():
				spread[ev.Event] = append(spread[ev.Event], when.Sub(completed))
			}
		}
	}
	want := map[string]string{"Recording-Saved": "4s 4s 4s", "Call-Disposed": "7s 7s", "Transcription-Saved": "48s"}
	for name, w := range want {
		var got []string
		for _, d := range spread[name] {
			got = append(got, d.String())
		}
		if strings.Join(got, " ") != w {
			t.Errorf("%s after completion: %v, want %s", name, got, w)
		}
		t.Logf("%s: %s after the completing event", name, strings.Join(got, ", "))
	}
	docs, err := os.ReadFile(filepath.Join("..", "docs", "delivery.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, stated := range []string{"the recording 4 s", "`Call-Disposed` 7 s", "the transcript 48 s"} {
		if !strings.Contains(string(docs), stated) {
			t.Errorf("docs/delivery.md does not state %q", stated)
		}
	}
}
