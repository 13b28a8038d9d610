package delivery_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// kendoRefusal is the error text Kendo answers the refused call with; it quotes the
// payload, so it is content that retention and erasure must remove.
const kendoRefusal = `{"error":"repEmail sam.rivera@acme.example is not a member of this workspace"}`

// The calls of the retention test, one per way a call can end or wait.
const (
	deliveredID = "940870001" // delivered
	failedID    = "940868616" // Kendo refuses it (400): failed
	skippedID   = "940871555" // a missed call: skipped
	ignoredID   = "940872001" // an SMS: ignored
	pacedID     = "940870002" // Kendo answers 429 with a long Retry-After: scheduled
	receivedID  = "940870003" // only its first event: received
)

// inspect opens a second handle on the engine's database, to read what is stored.
func inspect(t *testing.T, loc string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), loc, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// stored is what the database holds for one call, content included.
type stored struct {
	call     store.Call
	events   []store.Event
	attempts []store.Attempt
	sent     []byte // the body of its latest request, as kept with it
}

func storedCall(t *testing.T, db *store.DB, alowareCallID string) stored {
	t.Helper()
	ctx := context.Background()
	call, err := db.GetCall(ctx, alowareCallID)
	if err != nil {
		t.Fatalf("call %s: %v", alowareCallID, err)
	}
	events, err := db.Events(ctx, db.SQL, alowareCallID, true)
	if err != nil {
		t.Fatal(err)
	}
	attempts, err := db.Attempts(ctx, db.SQL, alowareCallID)
	if err != nil {
		t.Fatal(err)
	}
	sent, _, err := db.LastSentBody(ctx, db.SQL, alowareCallID)
	if err != nil {
		t.Fatal(err)
	}
	return stored{call: call, events: events, attempts: attempts, sent: sent.Body}
}

// contentGone fails the test unless nothing of the call's content is left: no raw
// event, no merged call, no text of Kendo's, while ids, status, events' names and times
// stay.
func (s stored) contentGone(t *testing.T, wantStatus lifecycle.Status) {
	t.Helper()
	c := s.call
	if c.Status != wantStatus || c.PurgedAt == nil {
		t.Errorf("call %s: status %s, purgedAt %v; want %s and a purge time", c.AlowareCallID, c.Status, c.PurgedAt, wantStatus)
	}
	if c.RepEmail != "" || c.AgentName != "" {
		t.Errorf("call %s: the rep's e-mail %q or agent name %q kept after the purge", c.AlowareCallID, c.RepEmail, c.AgentName)
	}
	if c.Merged != nil || c.RawBytes != 0 {
		t.Errorf("call %s: merged call (%d bytes) or raw bytes (%d) kept after the purge", c.AlowareCallID, len(c.Merged), c.RawBytes)
	}
	if strings.Contains(c.LastError, "sam.rivera") || strings.Contains(c.Reason, "sam.rivera") {
		t.Errorf("call %s: Kendo's error text kept on the row: lastError %q, reason %q", c.AlowareCallID, c.LastError, c.Reason)
	}
	if len(s.events) == 0 {
		t.Errorf("call %s: its events' names and times are gone too", c.AlowareCallID)
	}
	for _, e := range s.events {
		if len(e.Raw) != 0 || e.Warnings != "" || e.Name == "" || e.ReceivedAt.IsZero() {
			t.Errorf("call %s: event %q after the purge: %d raw bytes, warnings %q, received %v", c.AlowareCallID, e.Name, len(e.Raw), e.Warnings, e.ReceivedAt)
		}
	}
	for _, a := range s.attempts {
		if a.Message != "" || a.BodySHA256 != "" {
			t.Errorf("call %s: attempt %d keeps Kendo's text %q or its body's hash %q", c.AlowareCallID, a.N, a.Message, a.BodySHA256)
		}
	}
	if len(s.sent) != 0 {
		t.Errorf("call %s: the body sent (%d bytes) kept after the purge", c.AlowareCallID, len(s.sent))
	}
}

// contentKept fails the test unless the call still has everything it needs to be sent.
func (s stored) contentKept(t *testing.T, wantStatus lifecycle.Status) {
	t.Helper()
	c := s.call
	if c.Status != wantStatus || c.PurgedAt != nil || c.Merged == nil {
		t.Errorf("call %s: status %s, purgedAt %v, merged %d bytes; want %s with its content", c.AlowareCallID, c.Status, c.PurgedAt, len(c.Merged), wantStatus)
	}
	for _, e := range s.events {
		if len(e.Raw) == 0 {
			t.Errorf("call %s: event %q lost its body while the call waits", c.AlowareCallID, e.Name)
		}
	}
	if len(s.attempts) > 0 && len(s.sent) == 0 {
		t.Errorf("call %s: its requests' body is gone while the call waits", c.AlowareCallID)
	}
}

// kendoFaults makes Kendo refuse the failed call with kendoRefusal and hold the paced
// one off with a 429 whose Retry-After outlasts the test; the rest it accepts.
func kendoFaults(n int64, w http.ResponseWriter, r *http.Request) bool {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	switch {
	case bytes.Contains(body, []byte(`"alowareCallId":"`+failedID+`"`)):
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, kendoRefusal)
		return true
	case bytes.Contains(body, []byte(`"alowareCallId":"`+pacedID+`"`)):
		w.Header().Set("Retry-After", "300")
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	}
	return false
}

// Retention: with a short --retain, delivered, skipped, ignored and failed
// calls older than it lose their content (raw events, the merged call, Kendo's texts)
// and keep their row — ids, status, Kendo's callId, events' names and times — so a late
// repeat of a delivered call is still a duplicate and nothing is sent again. A call that
// waits (received, scheduled) keeps everything however old it is; quarantined events
// older than the retention go.
func TestRetentionPurgesFinishedCallsOnly(t *testing.T) {
	const retain = 2 * time.Second // the retention job runs every second
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			loc := db(t)
			k := newKendo(t, kendo.Rate{Limit: 1000, Period: time.Second})
			k.SetFault(kendoFaults)
			svc := startEngine(t, loc, k.URL(), engineOpts{retain: retain})

			// The waiting calls come first: they are the oldest in the database.
			inbound := recorded(t, "inbound-940870001")
			accept(t, svc, withID(inbound[0], deliveredID, receivedID))
			for _, raw := range inbound {
				accept(t, svc, withID(raw, deliveredID, pacedID))
			}
			if rc := accept(t, svc, []byte(`{"event":"InboundPhoneCall","body":{"type":1,"direction":1,"talk_time":3}}`)); rc.Status != lifecycle.Quarantined {
				t.Fatalf("unusable event: %+v", rc)
			}
			for _, raw := range inbound {
				accept(t, svc, raw)
			}
			for _, raw := range recorded(t, "outbound-940868616") {
				accept(t, svc, raw)
			}
			for _, f := range []string{"missed-inbound.json", "sms-inbound.json"} {
				for _, raw := range events(t, fixture(t, f)) {
					accept(t, svc, raw)
				}
			}
			delivered := waitStatus(t, svc, deliveredID, lifecycle.Delivered, 20*time.Second)
			waitStatus(t, svc, failedID, lifecycle.Failed, 20*time.Second)
			waitCall(t, svc, pacedID, "answered attempt", 20*time.Second, func(rec delivery.CallRecord) bool {
				return len(rec.AttemptLog) > 0 && rec.AttemptLog[0].FinishedAt != nil && rec.Status == lifecycle.Scheduled
			})
			setUp := time.Now()

			// Every finished call is purged by the retention job.
			check := inspect(t, loc)
			finished := map[string]lifecycle.Status{deliveredID: lifecycle.Delivered, failedID: lifecycle.Failed,
				skippedID: lifecycle.Skipped, ignoredID: lifecycle.Ignored}
			for id := range finished {
				waitCall(t, svc, id, "purge", 20*time.Second, func(rec delivery.CallRecord) bool { return rec.PurgedAt != nil })
			}
			// … and the waiting ones have been older than the retention for two runs of it.
			time.Sleep(time.Until(setUp.Add(retain + 2*time.Second + 500*time.Millisecond)))

			for id, status := range finished {
				storedCall(t, check, id).contentGone(t, status)
			}
			if got := storedCall(t, check, deliveredID).call.KendoCallID; got != delivered.KendoCallID || got == "" {
				t.Errorf("delivered call's Kendo callId after the purge %q, want %q", got, delivered.KendoCallID)
			}
			failed, err := svc.Call(ctx, failedID)
			if err != nil || failed.Attempts != 1 || len(failed.AttemptLog) != 1 || failed.AttemptLog[0].HTTPStatus != 400 {
				t.Errorf("failed call after the purge: %+v, %v; want its one attempt with Kendo's status", failed, err)
			}
			storedCall(t, check, receivedID).contentKept(t, lifecycle.Received)
			storedCall(t, check, pacedID).contentKept(t, lifecycle.Scheduled)
			if page, err := svc.Quarantine(ctx, 10, ""); err != nil || page.Total != 0 {
				t.Errorf("quarantine after the retention: %+v, %v; want it empty", page, err)
			}

			// A late repeat of the delivered call is a duplicate with Kendo's callId; nothing
			// reaches Kendo, and the repeat's body is not kept either.
			posts := k.Posts()
			rc := accept(t, svc, inbound[2])
			if !rc.Duplicate || rc.Status != lifecycle.Delivered || rc.KendoCallID != delivered.KendoCallID {
				t.Errorf("late repeat of a purged delivered call: %+v; want a duplicate with callId %s", rc, delivered.KendoCallID)
			}
			storedCall(t, check, deliveredID).contentGone(t, lifecycle.Delivered)

			// What is gone cannot be sent again.
			for _, id := range []string{failedID, skippedID} {
				if _, err := svc.Redeliver(ctx, id, delivery.RedeliverOptions{}, "an operator in a test"); !errors.Is(err, delivery.ErrPurged) {
					t.Errorf("redeliver purged call %s: %v, want ErrPurged", id, err)
				}
			}
			if _, err := svc.Redeliver(ctx, deliveredID, delivery.RedeliverOptions{}, "an operator in a test"); !errors.Is(err, delivery.ErrNotRedeliverable) {
				t.Errorf("redeliver a purged delivered call: %v, want ErrNotRedeliverable", err)
			}
			if res, err := svc.RedeliverMany(ctx, delivery.ListFilter{Statuses: []lifecycle.Status{lifecycle.Failed, lifecycle.Skipped}}, delivery.BulkOptions{}, "test"); err != nil || res.Queued != 0 {
				t.Errorf("bulk redelivery of purged calls: %+v, %v; want none queued", res, err)
			}
			for _, id := range []string{failedID, deliveredID} {
				if rec, err := svc.Call(ctx, id); err != nil || rec.Payload != nil {
					t.Errorf("the record of purged call %s shows a payload: %+v, %v", id, rec.Payload, err)
				}
			}
			time.Sleep(500 * time.Millisecond)
			if n := k.Posts(); n != posts {
				t.Errorf("Kendo got %d more POSTs after the purge", n-posts)
			}
		})
	}
}

// Erasure: DELETE /calls/{id} removes a call's content at once, cancels its
// pending delivery (here one waiting for a pacing slot: nothing reaches Kendo) and leaves
// the tombstone erased; the queue behind it goes on. Later events of the call are
// acknowledged and dropped, never sent; erasing twice is harmless; an erased call cannot
// be redelivered (there is nothing left to send). A delivered call can be erased too:
// Kendo's callId stays on the tombstone.
func TestEraseCancelsThePendingDeliveryAndDropsLaterEvents(t *testing.T) {
	const (
		pendingID = "940870002"
		nextID    = "940870003"
	)
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			loc := db(t)
			rate := kendo.Rate{Limit: 1, Period: 3 * time.Second} // a call waits for its slot for seconds
			k := newKendo(t, rate)
			svc := startEngine(t, loc, k.URL(), engineOpts{rate: rate})
			inbound := recorded(t, "inbound-940870001")
			for _, raw := range inbound {
				accept(t, svc, raw)
			}
			delivered := waitStatus(t, svc, deliveredID, lifecycle.Delivered, 20*time.Second)

			for _, raw := range inbound {
				accept(t, svc, withID(raw, deliveredID, pendingID))
			}
			rec, err := svc.Erase(ctx, pendingID, "an operator in a test")
			if err != nil || rec.Status != lifecycle.Erased || rec.PurgedAt == nil || rec.RepEmail != "" {
				t.Fatalf("erase a waiting call: %+v, %v", rec, err)
			}
			check := inspect(t, loc)
			storedCall(t, check, pendingID).contentGone(t, lifecycle.Erased)
			for _, raw := range inbound {
				accept(t, svc, withID(raw, deliveredID, nextID))
			}
			waitStatus(t, svc, nextID, lifecycle.Delivered, 20*time.Second)

			// Later events of the erased call: acknowledged, their bodies not kept, not sent.
			rc := accept(t, svc, withID(inbound[2], deliveredID, pendingID))
			if rc.Status != lifecycle.Erased || rc.Duplicate {
				t.Errorf("event of an erased call: %+v; want status erased", rc)
			}
			again, err := svc.Erase(ctx, pendingID, "an operator in a test")
			if err != nil || again.Status != lifecycle.Erased {
				t.Errorf("erase twice: %+v, %v", again, err)
			}
			after := storedCall(t, check, pendingID)
			after.contentGone(t, lifecycle.Erased)
			if n := len(after.events); n != len(inbound)+1 {
				t.Errorf("erased call keeps %d event names, want %d", n, len(inbound)+1)
			}
			if _, err := svc.Redeliver(ctx, pendingID, delivery.RedeliverOptions{}, "an operator in a test"); !errors.Is(err, delivery.ErrPurged) {
				t.Errorf("redeliver an erased call: %v, want ErrPurged", err)
			}
			if _, err := svc.Erase(ctx, "940879999", "an operator in a test"); !errors.Is(err, delivery.ErrNotFound) {
				t.Errorf("erase a call never seen: %v, want ErrNotFound", err)
			}
			var jobState string
			if err := check.SQL.QueryRowContext(ctx, `SELECT state FROM river_job WHERE id = $1`, after.call.JobID).Scan(&jobState); err != nil {
				t.Fatal(err)
			}
			if jobState != "cancelled" && jobState != "completed" {
				t.Errorf("the erased call's delivery job is %s, want it finalized", jobState)
			}

			// A delivered call erased: the tombstone keeps Kendo's callId; a repeat is dropped.
			rec, err = svc.Erase(ctx, deliveredID, "an operator in a test")
			if err != nil || rec.Status != lifecycle.Erased || rec.KendoCallID != delivered.KendoCallID {
				t.Fatalf("erase a delivered call: %+v, %v", rec, err)
			}
			if rc := accept(t, svc, inbound[2]); rc.Status != lifecycle.Erased {
				t.Errorf("repeat of an erased delivered call: %+v", rc)
			}
			storedCall(t, check, deliveredID).contentGone(t, lifecycle.Erased)

			time.Sleep(rate.Period + time.Second) // the erased call's slot time has long passed
			var sent []string
			for _, p := range k.Payloads(t) {
				sent = append(sent, p.Metadata["alowareCallId"])
			}
			if strings.Join(sent, ",") != deliveredID+","+nextID || k.Posts() != 2 {
				t.Errorf("Kendo got %d POSTs, accepted calls %v; want exactly %s and %s", k.Posts(), sent, deliveredID, nextID)
			}
		})
	}
}

// A first run of the retention job over a large backlog purges all of it at once, not
// one listing (200 calls) per run: with the default --retain a run is a minute apart,
// and 100,000 calls took 8 hours to purge so.
func TestRetentionPurgesABacklogInOneRun(t *testing.T) {
	const n = 1000
	loc := "sqlite:" + filepath.Join(t.TempDir(), "ak.db")
	loadFailed(t, loc, n) // failed over the last n minutes; the newest updated just now
	var logs testenv.LogBuffer
	start := time.Now()
	startEngine(t, loc, newKendo(t, kendo.Rate{Limit: 1000, Period: time.Second}).URL(), engineOpts{retain: 2 * time.Second, logs: &logs})
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(logs.String(), "content of finished calls purged") {
		if time.Now().After(deadline) {
			t.Fatal("the retention job purged nothing")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for line := range strings.Lines(logs.String()) {
		var entry struct {
			Msg   string `json:"msg"`
			Calls int    `json:"calls"`
		}
		if json.Unmarshal([]byte(line), &entry) != nil || entry.Msg != "retention: content of finished calls purged" {
			continue
		}
		if entry.Calls < n-1 {
			t.Fatalf("the first run purged %d calls of %d older than the retention", entry.Calls, n-1)
		}
		t.Logf("%d calls purged in the first run, %s after the start", entry.Calls, time.Since(start).Round(time.Millisecond))
		return
	}
}
