package delivery_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// Kendo's transient answers (5xx, 429) are retried until the call is delivered, exactly
// once: Kendo answered, so it does not have the call.
func TestTransientAnswersAreRetried(t *testing.T) {
	cases := []struct {
		name  string
		fault func(w http.ResponseWriter, r *http.Request)
	}{
		{"500", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"error":"boom"}`, http.StatusInternalServerError)
		}},
		{"503", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }},
		{"429 with Retry-After", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		}},
	}
	for name, db := range databases() {
		for _, tc := range cases {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
				k.SetFault(func(n int64, w http.ResponseWriter, r *http.Request) bool {
					if n > 2 {
						return false
					}
					tc.fault(w, r)
					return true
				})
				svc := startEngine(t, db(t), k.URL(), engineOpts{kendoTimeout: 500 * time.Millisecond})
				for _, raw := range recorded(t, "inbound-940870001") {
					accept(t, svc, raw)
				}
				rec := waitStatus(t, svc, "940870001", lifecycle.Delivered, 30*time.Second)
				if rec.Attempts != 3 || rec.KendoCallID == "" || len(rec.AttemptLog) != 3 {
					t.Fatalf("attempts %d (%d logged), callId %q; want 3 attempts and a callId", rec.Attempts, len(rec.AttemptLog), rec.KendoCallID)
				}
				if n := len(k.Emu.Calls()); n != 1 {
					t.Fatalf("Kendo accepted %d calls, want 1", n)
				}
			})
		}
	}
}

// A request that never reached Kendo (nothing listening: the connection is refused) is
// retried: Kendo cannot have the call.
func TestUnreachableKendoIsRetried(t *testing.T) {
	url, startKendo := kendotest.Later(t, kendo.Rate{Limit: 30, Period: time.Minute})
	svc := startEngine(t, "sqlite:"+t.TempDir()+"/ak.db", url, engineOpts{})
	for _, raw := range recorded(t, "inbound-940870001") {
		accept(t, svc, raw)
	}
	rec := waitCall(t, svc, "940870001", "retry of a refused connection", 20*time.Second, func(rec delivery.CallRecord) bool {
		return rec.Attempts >= 2 && rec.Status == lifecycle.Scheduled
	})
	if !strings.Contains(rec.LastError, "connection refused") || rec.OutcomeUnknown {
		t.Fatalf("after a refused connection: %+v", rec)
	}
	k := startKendo()
	rec = waitStatus(t, svc, "940870001", lifecycle.Delivered, 30*time.Second)
	if n := len(k.Emu.Calls()); n != 1 || rec.KendoCallID == "" {
		t.Fatalf("Kendo accepted %d calls (record %+v), want 1", n, rec)
	}
}

// Once a request was sent and no answer came (a timeout, a connection reset after Kendo
// read it), Kendo may have the call: it is never sent again by itself. The call fails
// with "outcome unknown" and waits for an operator, whose redelivery sends it once more.
func TestNoAnswerAfterSendingIsNeverResent(t *testing.T) {
	cases := []struct {
		name  string
		fault func(w http.ResponseWriter, r *http.Request)
	}{
		{"timeout", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			select { // slower than the engine's Kendo timeout; ends with the request
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}},
		{"connection reset after reading", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
		}},
	}
	for name, db := range databases() {
		for _, tc := range cases {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
				k.SetFault(func(n int64, w http.ResponseWriter, r *http.Request) bool {
					if n > 1 {
						return false
					}
					tc.fault(w, r)
					return true
				})
				var logs testenv.LogBuffer
				svc := startEngine(t, db(t), k.URL(), engineOpts{kendoTimeout: 500 * time.Millisecond, logs: &logs})
				for _, raw := range recorded(t, "inbound-940870001") {
					accept(t, svc, raw)
				}
				rec := waitStatus(t, svc, "940870001", lifecycle.Failed, 20*time.Second)
				if !rec.OutcomeUnknown || !strings.Contains(rec.Reason, "outcome unknown") || rec.Attempts != 1 {
					t.Fatalf("record %+v", rec)
				}
				time.Sleep(2 * time.Second)
				if n := k.Posts(); n != 1 {
					t.Fatalf("Kendo got %d POSTs, want 1: a call Kendo may have is never sent again by itself", n)
				}
				if !strings.Contains(logs.String(), "DELIVERY OUTCOME UNKNOWN") {
					t.Fatal("an unknown outcome must be logged loudly")
				}
				// an operator who checked Kendo asks for it again
				if _, err := svc.Redeliver(context.Background(), "940870001", delivery.RedeliverOptions{IncludeOutcomeUnknown: true}, "an operator in a test"); err != nil {
					t.Fatal(err)
				}
				waitStatus(t, svc, "940870001", lifecycle.Delivered, 20*time.Second)
				if n := len(k.Emu.Calls()); n != 1 || k.Posts() != 2 {
					t.Fatalf("after the operator's redelivery: %d accepted, %d POSTs; want 1 and 2", n, k.Posts())
				}
			})
		}
	}
}

// A 400 is final: the call fails at once with Kendo's message and is not retried; an
// operator's redelivery sends it once more.
func TestRefusedPayloadFailsAtOnce(t *testing.T) {
	k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
	k.SetFault(func(_ int64, w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":"rep email is bad"}`))
		return true
	})
	var logs testenv.LogBuffer
	svc := startEngine(t, "sqlite:"+t.TempDir()+"/ak.db", k.URL(), engineOpts{logs: &logs})
	for _, raw := range recorded(t, "inbound-940870001") {
		accept(t, svc, raw)
	}
	rec := waitStatus(t, svc, "940870001", lifecycle.Failed, 15*time.Second)
	if !strings.Contains(rec.LastError, "rep email is bad") || rec.Attempts != 1 || rec.OutcomeUnknown {
		t.Fatalf("record %+v", rec)
	}
	time.Sleep(time.Second)
	if n := k.Posts(); n != 1 {
		t.Fatalf("Kendo got %d POSTs, want 1 (no blind retries)", n)
	}
	if _, err := svc.Redeliver(context.Background(), "940870001", delivery.RedeliverOptions{}, "an operator in a test"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Redeliver(context.Background(), "940870001", delivery.RedeliverOptions{}, "an operator in a test"); err != delivery.ErrNotRedeliverable {
		t.Fatalf("second redeliver: %v, want ErrNotRedeliverable", err)
	}
	waitStatus(t, svc, "940870001", lifecycle.Failed, 15*time.Second)
	if n := k.Posts(); n != 2 {
		t.Fatalf("after redelivery Kendo got %d POSTs, want 2", n)
	}
}

// A transcript that would push the body over 5 MB is dropped when there is audio (Kendo
// prefers audio) and cut when there is not; a 413 from Kendo shrinks the payload once more.
func TestOversizePayloadShrinks(t *testing.T) {
	huge := strings.Repeat("We talked about the renewal at length. ", 160000) // ~6.2 MB
	cases := []struct {
		name       string
		transcript string
		withAudio  bool
		answer413  bool
		check      func(t *testing.T, p kendo.Payload)
	}{
		{"over 5 MB with audio: transcript dropped", huge, true, false, func(t *testing.T, p kendo.Payload) {
			if p.Transcript != "" || p.AudioURL == "" {
				t.Fatalf("transcript %d bytes, audio %q", len(p.Transcript), p.AudioURL)
			}
		}},
		{"over 5 MB without audio: transcript cut", huge, false, false, func(t *testing.T, p kendo.Payload) {
			if p.AudioURL != "" || len(p.Transcript) < 4<<20 || len(p.Transcript) > kendo.MaxBodyBytes {
				t.Fatalf("transcript %d bytes, audio %q", len(p.Transcript), p.AudioURL)
			}
		}},
		{"413 with audio: resent without transcript", "hello", true, true, func(t *testing.T, p kendo.Payload) {
			if p.Transcript != "" || p.AudioURL == "" {
				t.Fatalf("transcript %q, audio %q", p.Transcript, p.AudioURL)
			}
		}},
		{"413 without audio: resent cut, with a marker", strings.Repeat(`a long line\n`, 1000), false, true, func(t *testing.T, p kendo.Payload) {
			if !strings.HasSuffix(p.Transcript, "size limit]") || len(p.Transcript) > 11000 {
				t.Fatalf("transcript %d bytes: %q…", len(p.Transcript), p.Transcript[:40])
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
			if tc.answer413 {
				k.SetFault(func(n int64, w http.ResponseWriter, r *http.Request) bool {
					if n == 1 {
						w.WriteHeader(http.StatusRequestEntityTooLarge)
						return true
					}
					return false
				})
			}
			svc := startEngine(t, "sqlite:"+t.TempDir()+"/ak.db", k.URL(), engineOpts{})
			audio := `"direct_recording_url":"https://app.aloware.io/static/recording/32c1a2f8-1111-4222-8333-944455556666",`
			if !tc.withAudio {
				audio = ""
			}
			raw := `{"event":"InboundPhoneCall-DispositionCompleted","body":{"id":940870555,"type":1,"direction":1,` +
				`"current_status2":9,"disposition_status2":4,"talk_time":3600,"duration":3610,"created_at":"2026-08-05 22:14:03",` +
				audio + `"parsed_transcription":{"messages":[{"speaker":"AGENT","text":"` + tc.transcript + `","start":0,"end":3600000}]}}}`
			accept(t, svc, []byte(raw))
			waitStatus(t, svc, "940870555", lifecycle.Delivered, 20*time.Second)
			got := k.Payloads(t)
			if len(got) != 1 {
				t.Fatalf("Kendo accepted %d payloads", len(got))
			}
			tc.check(t, got[0])
		})
	}
}
