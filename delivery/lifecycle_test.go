package delivery_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// A completed outbound call arrives as six events over two minutes (here compressed);
// Kendo must get exactly one request carrying the recording, the transcript and the rep.
func TestLifecycleDeliversOnce(t *testing.T) {
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
			svc := startEngine(t, db(t), k.URL(), engineOpts{settle: 2 * time.Second}) // longer than the six pushes take, even under -race
			events := recorded(t, "outbound-940868616")
			for i, raw := range events {
				rc := accept(t, svc, raw)
				if rc.AlowareCallID != "940868616" {
					t.Fatalf("event %d: call id %q", i, rc.AlowareCallID)
				}
				time.Sleep(20 * time.Millisecond) // real order, compressed timing
			}
			rec := waitStatus(t, svc, "940868616", lifecycle.Delivered, 15*time.Second)
			if rec.KendoCallID == "" || rec.Attempts != 1 || len(rec.Events) != len(events) {
				t.Fatalf("record %+v", rec)
			}
			got := k.Payloads(t)
			if len(got) != 1 || k.Posts() != 1 {
				t.Fatalf("Kendo got %d payloads in %d POSTs, want 1", len(got), k.Posts())
			}
			p := got[0]
			if p.AudioURL == "" || !strings.Contains(p.Transcript, "Rep: ") || p.RepEmail == "" || p.RepName == "" {
				t.Fatalf("payload lacks recording, transcript or rep: %+v", p)
			}
			if p.Metadata["alowareCallId"] != "940868616" || p.Metadata["source"] != "aloware" {
				t.Fatalf("metadata %v", p.Metadata)
			}
			// Replaying any event of a delivered call is a duplicate with the original callId.
			for _, raw := range events {
				rc := accept(t, svc, raw)
				if !rc.Duplicate || rc.KendoCallID != rec.KendoCallID || rc.Status != lifecycle.Delivered {
					t.Fatalf("replay: %+v", rc)
				}
			}
			time.Sleep(500 * time.Millisecond)
			if k.Posts() != 1 {
				t.Fatalf("replays caused %d Kendo POSTs", k.Posts())
			}
		})
	}
}
