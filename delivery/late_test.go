package delivery_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// An artifact that arrives after its call was delivered is new content Kendo will never
// get (it has no update API): it is answered late, not duplicate, listed on the call with
// what Kendo has, and counted. A repeat of what was sent stays a duplicate.
func TestLateArtifactIsListedAndCounted(t *testing.T) {
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
			reg := prometheus.NewRegistry()
			svc := startEngine(t, db(t), k.URL(), engineOpts{settle: 50 * time.Millisecond, reg: reg})
			events := recorded(t, "outbound-940868616") // 01–04 call and recording, 05 summary, 06 transcript
			for _, raw := range events[:3] {
				accept(t, svc, raw)
			}
			delivered := waitStatus(t, svc, "940868616", lifecycle.Delivered, 15*time.Second)

			if rc := accept(t, svc, events[3]); !rc.Duplicate || rc.Late { // Call-Disposed: nothing new
				t.Errorf("Call-Disposed after delivery: %+v, want a duplicate", rc)
			}
			rc := accept(t, svc, events[4])
			if !rc.Late || rc.Duplicate || rc.Status != lifecycle.Delivered || rc.KendoCallID != delivered.KendoCallID {
				t.Fatalf("summary after delivery: %+v, want late (not duplicate), delivered, with the callId", rc)
			}
			rec, err := svc.Call(t.Context(), "940868616")
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.LateArtifacts) != 1 {
				t.Fatalf("late artifacts %+v, want the summary", rec.LateArtifacts)
			}
			late := rec.LateArtifacts[0]
			note := regexp.MustCompile(`^summary arrived \d+ s after delivery; Kendo has the recording only$`)
			if late.Event != "transcription.call.summarized" || !note.MatchString(late.Note) {
				t.Errorf("late artifact %+v", late)
			}
			if got := sample(t, reg, "aloware_kendo_late_artifacts_total", map[string]string{"artifact": "summary"}); got != 1 {
				t.Errorf("late summaries counted %v, want 1", got)
			}
			if k.Posts() != 1 {
				t.Errorf("Kendo got %d requests, want 1", k.Posts())
			}
		})
	}
}
