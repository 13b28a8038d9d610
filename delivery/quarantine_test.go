package delivery_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/aloware"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// A JSON object that cannot be used (here a call event without its id) is
// stored anyway, answered "quarantined" with its problems, and listed; once the code (or
// the configuration) can read it, a replay feeds it into its call in arrival order.
func TestQuarantineAndReplay(t *testing.T) {
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			loc := db(t)
			k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
			svc := startEngine(t, loc, k.URL(), engineOpts{settle: time.Hour})
			rc := accept(t, svc, []byte(`{"event":"InboundPhoneCall","body":{"type":1,"direction":1,"talk_time":3}}`))
			if rc.Status != lifecycle.Quarantined || rc.QuarantineID == 0 || len(rc.Problems) == 0 || rc.Problems[0].Location != "body.body.id" {
				t.Fatalf("receipt %+v", rc)
			}
			page, err := svc.Quarantine(context.Background(), 10, "")
			if err != nil || page.Total != 1 || len(page.Items) != 1 || page.Items[0].Event != "InboundPhoneCall" || page.Items[0].Problems[0].Location != "body.body.id" {
				t.Fatalf("quarantine %+v, %v", page, err)
			}

			// An older version quarantined the initiation of call 940870001, which this
			// version reads; the call's later events arrived and were stored normally.
			events := recorded(t, "inbound-940870001")
			other, err := store.Open(context.Background(), loc, nil)
			if err != nil {
				t.Fatal(err)
			}
			tx, err := other.SQL.Begin()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := other.Quarantine(context.Background(), tx, store.Quarantined{ReceivedAt: time.Now().Add(-time.Minute),
				Name: "InboundPhoneCall", Raw: events[0], Problems: []store.Problem{{Location: "body", Message: "old parser"}}}, 1<<20); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			other.Close()
			for _, raw := range events[1:] {
				accept(t, svc, raw)
			}

			res, err := svc.ReplayQuarantine(context.Background(), "an operator in a test")
			if err != nil || res.Replayed != 1 || res.Remaining != 1 {
				t.Fatalf("replay %+v, %v", res, err)
			}
			rec, err := svc.Call(context.Background(), "940870001")
			if err != nil || len(rec.Events) != len(events) || rec.Events[0].Name != "InboundPhoneCall" || rec.Status != lifecycle.Scheduled {
				t.Fatalf("after the replay: %+v, %v", rec, err)
			}
			if again, _ := svc.ReplayQuarantine(context.Background(), "an operator in a test"); again.Replayed != 0 || again.Remaining != 1 {
				t.Fatalf("a second replay: %+v", again)
			}
		})
	}
}

// The quarantine is bounded, so an unauthenticated sender cannot fill the disk: past the
// bound an unusable object is refused (the handler answers 422) and nothing is kept.
func TestQuarantineIsBounded(t *testing.T) {
	k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
	svc := startEngine(t, "sqlite:"+t.TempDir()+"/ak.db", k.URL(), engineOpts{quarantineMax: 300})
	small := []byte(`{"event":"X","body":{"type":1}}`)
	if rc := accept(t, svc, small); rc.Status != lifecycle.Quarantined {
		t.Fatalf("receipt %+v", rc)
	}
	big := []byte(`{"event":"X","body":{"type":1,"note":"` + strings.Repeat("x", 400) + `"}}`)
	_, err := svc.Accept(context.Background(), big)
	var ie *aloware.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("past the bound: %v, want the InputError (a 422)", err)
	}
	if page, _ := svc.Quarantine(context.Background(), 10, ""); page.Total != 1 {
		t.Fatalf("%d events in quarantine, want 1", page.Total)
	}
}

// An event's cost does not grow with the call's history (the merged call is
// kept in its row and each event folded into it), and the raw bytes kept per call are
// bounded: past the bound an event is still folded in, only its raw body is not kept.
func TestRawBytesPerCallAreBounded(t *testing.T) {
	k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
	loc := "sqlite:" + t.TempDir() + "/ak.db"
	const bound = 3 << 20
	svc := startEngine(t, loc, k.URL(), engineOpts{settle: time.Hour, maxCallRaw: bound})
	var last string
	for i := range 10 {
		last = strings.Repeat(string(rune('a'+i)), 1<<20-200)
		raw := `{"event":"Transcription-Saved","body":{"id":940876000,"type":1,"direction":2,"current_status2":9,` +
			`"parsed_transcription":{"messages":[{"speaker":"AGENT","text":"` + last + `","start":0,"end":1000}]}}}`
		rc := accept(t, svc, []byte(raw))
		if i >= 3 && !strings.Contains(strings.Join(rc.Warnings, " "), "raw event not kept") {
			t.Fatalf("event %d: receipt warnings %q", i, rc.Warnings)
		}
	}
	db, err := store.Open(context.Background(), loc, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	events, err := db.Events(context.Background(), db.SQL, "940876000", true)
	if err != nil || len(events) != 10 {
		t.Fatalf("%d events, %v", len(events), err)
	}
	kept := 0
	for _, e := range events {
		kept += len(e.Raw)
	}
	if kept > bound {
		t.Fatalf("%d raw bytes kept for one call, bound %d", kept, bound)
	}
	rec, err := svc.Call(context.Background(), "940876000")
	if err != nil || rec.Payload == nil || rec.Payload.Body == nil || !strings.Contains(rec.Payload.Body.Transcript, last[:100]) {
		t.Fatal("the last event's transcript was not merged into the call")
	}
}
