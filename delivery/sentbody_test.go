package delivery_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/reps"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// The outbound fixture's agent is Aloware user 120776 with the e-mail
// sam.carter@example.com; the rep e-mail map sends another address for that user.
const (
	sentCallID   = "940868616"
	eventsEmail  = "sam.carter@example.com"
	mappedEmail  = "sam@kendo-team.example"
	fixtureAgent = "120776"
)

func mappedReps() *reps.Directory {
	return reps.NewDirectory(reps.Options{EmailMap: map[string]string{fixtureAgent: mappedEmail}})
}

// requestLog keeps the body of every request Kendo receives, in order.
type requestLog struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (l *requestLog) add(b []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.bodies = append(l.bodies, b)
}

func (l *requestLog) all() [][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([][]byte(nil), l.bodies...)
}

// The list shows the rep e-mail a call is sent with — the rep e-mail map's, not the one
// in the events — before its first request and after it was delivered.
func TestListShowsTheRepEmailSentNotTheEvents(t *testing.T) {
	for engine, db := range databases() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			k := newKendo(t, kendo.Rate{Limit: 1000, Period: time.Second})
			hold := make(chan struct{})
			var once sync.Once
			release := func() { once.Do(func() { close(hold) }) }
			t.Cleanup(release)
			k.SetFault(func(_ int64, _ http.ResponseWriter, _ *http.Request) bool { <-hold; return false })
			svc := startEngine(t, db(t), k.URL(), engineOpts{reps: mappedReps(), kendoTimeout: 30 * time.Second})
			for _, raw := range recorded(t, "outbound-940868616") {
				accept(t, svc, raw)
			}
			listed := func() string {
				t.Helper()
				page, err := svc.ListCalls(ctx, delivery.ListFilter{IDs: []string{sentCallID}})
				if err != nil || len(page.Items) != 1 {
					t.Fatalf("list: %+v, %v", page, err)
				}
				return page.Items[0].RepEmail
			}
			if got := listed(); got != mappedEmail {
				t.Errorf("before any request the list shows repEmail %q, want the mapped %q", got, mappedEmail)
			}
			release()
			waitStatus(t, svc, sentCallID, lifecycle.Delivered, 30*time.Second)
			if got := listed(); got != mappedEmail {
				t.Errorf("after delivery the list shows repEmail %q, want the one sent, %q", got, mappedEmail)
			}
			if sent := k.Payloads(t); len(sent) != 1 || sent[0].RepEmail != mappedEmail {
				t.Fatalf("Kendo got %+v, want one call with repEmail %q", sent, mappedEmail)
			}
		})
	}
}

// The call's record shows the exact body its latest request sent: Kendo answers the
// first request 429 and the second 413, so the third is shrunk (the transcript dropped,
// the recording kept). Every attempt names the bytes Kendo received by size and SHA-256;
// the two identical bodies are kept once; the record's payload is the third body, with
// the mapped rep e-mail, and the list shows that e-mail too.
func TestCallRecordShowsTheBodyItsLastRequestSent(t *testing.T) {
	for engine, db := range databases() {
		t.Run(engine, func(t *testing.T) {
			loc := db(t)
			var got requestLog
			k := newKendo(t, kendo.Rate{Limit: 1000, Period: time.Second})
			k.SetFault(func(n int64, w http.ResponseWriter, r *http.Request) bool {
				body, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(body))
				got.add(body)
				switch n {
				case 1:
					w.Header().Set("Retry-After", "1")
					w.WriteHeader(http.StatusTooManyRequests)
				case 2:
					w.WriteHeader(http.StatusRequestEntityTooLarge)
				default:
					return false
				}
				return true
			})
			svc := startEngine(t, loc, k.URL(), engineOpts{reps: mappedReps()})
			for _, raw := range recorded(t, "outbound-940868616") {
				accept(t, svc, raw)
			}
			rec := waitStatus(t, svc, sentCallID, lifecycle.Delivered, 30*time.Second)
			bodies := got.all()
			if len(bodies) != 3 || len(rec.AttemptLog) != 3 {
				t.Fatalf("Kendo got %d requests, the attempt log has %d; want 3", len(bodies), len(rec.AttemptLog))
			}
			for i, a := range rec.AttemptLog {
				if a.BodySHA256 != store.BodyHash(bodies[i]) || a.BodyBytes != len(bodies[i]) {
					t.Errorf("attempt %d records a body of %d bytes, SHA-256 %s; Kendo got %d bytes, %s",
						a.N, a.BodyBytes, a.BodySHA256, len(bodies[i]), store.BodyHash(bodies[i]))
				}
			}
			if !bytes.Equal(bodies[0], bodies[1]) || bytes.Equal(bodies[1], bodies[2]) {
				t.Fatal("want the retry after the 429 to send the same body and the one after the 413 a shrunk one")
			}
			var kept int
			if err := inspect(t, loc).SQL.QueryRow(`SELECT COUNT(*) FROM ak_sent_bodies WHERE aloware_call_id = $1`, sentCallID).Scan(&kept); err != nil || kept != 2 {
				t.Errorf("%d bodies kept for three requests with two distinct bodies (%v); want 2", kept, err)
			}

			p := rec.Payload
			if p == nil || p.Source != delivery.PayloadSent || p.Attempt != 3 || p.Body == nil {
				t.Fatalf("record's payload %+v; want the body request 3 sent", p)
			}
			if p.Bytes != len(bodies[2]) || p.SHA256 != store.BodyHash(bodies[2]) {
				t.Errorf("record's payload: %d bytes, %s; Kendo got %d bytes, %s", p.Bytes, p.SHA256, len(bodies[2]), store.BodyHash(bodies[2]))
			}
			if again, err := json.Marshal(p.Body); err != nil || !bytes.Equal(again, bodies[2]) {
				t.Errorf("record's payload re-encoded is not the body sent (%v):\n%s\n%s", err, again, bodies[2])
			}
			if p.Body.RepEmail != mappedEmail || p.Body.Transcript != "" || p.Body.AudioURL == "" {
				t.Errorf("record's payload: repEmail %q, transcript %d bytes, audioUrl %q; want the mapped e-mail, no transcript, the recording",
					p.Body.RepEmail, len(p.Body.Transcript), p.Body.AudioURL)
			}
			if rec.RepEmail != mappedEmail {
				t.Errorf("record's repEmail %q, want the one sent, %q", rec.RepEmail, mappedEmail)
			}
		})
	}
}

// Before any request a call's record shows what a delivery would send now: the rep
// e-mail map applied, marked as not sent.
func TestCallRecordShowsWhatWouldBeSentBeforeAnyRequest(t *testing.T) {
	for engine, db := range databases() {
		t.Run(engine, func(t *testing.T) {
			k := newKendo(t, kendo.Rate{Limit: 1000, Period: time.Second})
			svc := startEngine(t, db(t), k.URL(), engineOpts{reps: mappedReps(), settle: time.Hour})
			for _, raw := range recorded(t, "outbound-940868616") {
				accept(t, svc, raw)
			}
			rec, err := svc.Call(context.Background(), sentCallID)
			if err != nil {
				t.Fatal(err)
			}
			p := rec.Payload
			if rec.Status != lifecycle.Scheduled || p == nil || p.Source != delivery.PayloadWouldSend || !p.Ready || p.Body == nil {
				t.Fatalf("status %s, payload %+v; want a scheduled call's payload that would be sent", rec.Status, p)
			}
			if p.Body.RepEmail != mappedEmail || rec.RepEmail != mappedEmail || p.Attempt != 0 || p.SHA256 != "" {
				t.Errorf("payload repEmail %q, record's %q, attempt %d, hash %q; want %q twice and no request",
					p.Body.RepEmail, rec.RepEmail, p.Attempt, p.SHA256, mappedEmail)
			}
			if p.Body.Transcript == "" {
				t.Error("the payload that would be sent lost its transcript")
			}
		})
	}
}
