package delivery_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// Kendo takes every request but answers after our timeout: each call it gets is failed
// with its outcome unknown, while Kendo has it. Kendo's call.uploaded for a callId no call
// has then resolves the one call whose duration and agent it matches — delivered under
// that callId and analyzed, with a reason saying how, never sent again. A call.uploaded
// matching two such calls (twins of one rep and one length) resolves neither, and one
// whose duration differs resolves nothing. The ledger counts what happened.
func TestKendoResolvesOutcomeUnknown(t *testing.T) {
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			k := newKendo(t, kendo.Rate{Limit: 100, Period: time.Second})
			k.SetFault(func(n int64, w http.ResponseWriter, r *http.Request) bool {
				time.Sleep(1500 * time.Millisecond) // past our timeout; then the emulator takes it
				return false
			})
			svc := startEngine(t, db(t), k.URL(), engineOpts{kendoTimeout: 500 * time.Millisecond})
			start := time.Now()
			ids := []string{"940870001", "940870002", "940870003"}
			for _, id := range ids {
				for _, raw := range recorded(t, "inbound-940870001") {
					accept(t, svc, bytes.ReplaceAll(raw, []byte("940870001"), []byte(id)))
				}
			}
			for _, id := range ids {
				waitCall(t, svc, id, "outcome unknown", 30*time.Second, func(c delivery.CallRecord) bool {
					return c.Status == lifecycle.Failed && c.OutcomeUnknown
				})
			}
			for deadline := time.Now().Add(10 * time.Second); len(k.Emu.Calls()) < 3; time.Sleep(50 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("Kendo took %d calls, want 3", len(k.Emu.Calls()))
				}
			}
			kendoIDOf := map[string]string{}
			var duration float64
			var agent string
			for _, c := range k.Emu.Calls() {
				var p kendo.Payload
				if err := json.Unmarshal(c.Payload, &p); err != nil {
					t.Fatal(err)
				}
				kendoIDOf[p.Metadata["alowareCallId"]] = c.KendoCallID
				duration, agent = float64(*p.Duration), p.RepName
			}

			// The three calls are alike (one rep, one length): Kendo's word matches all of them
			// and resolves none.
			record(t, svc, uploaded(t, "d1", kendoIDOf["940870002"], agent, duration), delivery.WebhookUnmatched)
			for _, id := range ids {
				if c := callRecord(t, svc, id); c.Status != lifecycle.Failed || !c.OutcomeUnknown {
					t.Fatalf("an ambiguous match changed call %s: %s", id, c.Status)
				}
			}
			record(t, svc, uploaded(t, "d2", kendoIDOf["940870001"], agent, duration+7), delivery.WebhookUnmatched)

			// Once the other two are erased, 940870001 is the only candidate left.
			for _, id := range ids[1:] {
				if _, err := svc.Erase(context.Background(), id, "test"); err != nil {
					t.Fatal(err)
				}
			}
			record(t, svc, uploaded(t, "d3", kendoIDOf["940870001"], strings.ToUpper(agent), duration), delivery.WebhookResolved)
			c := callRecord(t, svc, "940870001")
			if c.Status != lifecycle.Analyzed || c.KendoCallID != kendoIDOf["940870001"] || c.OutcomeUnknown {
				t.Fatalf("resolved call: %s, callId %q (want %q), outcomeUnknown %v", c.Status, c.KendoCallID, kendoIDOf["940870001"], c.OutcomeUnknown)
			}
			if !strings.Contains(c.Reason, "outcome resolved by Kendo") || !strings.Contains(c.Reason, kendoIDOf["940870001"]) {
				t.Fatalf("reason %q does not say how it was resolved", c.Reason)
			}
			if k.Posts() != 3 {
				t.Fatalf("Kendo got %d POSTs, want 3: a resolution never sends", k.Posts())
			}
			// A repeat of the resolving delivery changes nothing.
			record(t, svc, uploaded(t, "d3", kendoIDOf["940870001"], agent, duration), delivery.WebhookDuplicate)

			l, err := svc.Ledger(context.Background(), delivery.LedgerQuery{Since: start.Add(-time.Minute)})
			if err != nil {
				t.Fatal(err)
			}
			if l.Calls != 3 || l.ByState[lifecycle.LedgerAnalyzed] != 1 || l.ByState[lifecycle.LedgerSkipped] != 2 {
				t.Fatalf("ledger: %d calls, by state %v; want 3: 1 analyzed, 2 skipped (erased unsent)", l.Calls, l.ByState)
			}
			if len(l.Flagged) != 0 {
				t.Fatalf("flagged %v; want none", l.Flagged)
			}
		})
	}
}

// uploaded is Kendo's call.uploaded for kendoCallID naming agent and duration.
func uploaded(t *testing.T, deliveryID, kendoCallID, agent string, duration float64) webhook {
	t.Helper()
	raw := fmt.Appendf(nil, `{"id":"evt_%s","event":"call.uploaded","created_at":%q,"data":{"callId":%q,"agentName":%q,"duration":%v,"aiScore":"80","timestamp":%q}}`,
		deliveryID, time.Now().UTC().Format(time.RFC3339), kendoCallID, agent, duration, time.Now().UTC().Format(time.RFC3339))
	h := http.Header{}
	h.Set(kendo.DeliveryIDHeader, deliveryID)
	ev, err := kendo.ParseWebhook(h, raw)
	if err != nil {
		t.Fatal(err)
	}
	return webhook{ev, raw}
}

func callRecord(t *testing.T, svc *delivery.Service, id string) delivery.CallRecord {
	t.Helper()
	c, err := svc.Call(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The other order: Kendo's analysis arrives while the call is still delivering (stored
// unmatched), and only then is the call's outcome unknown (Kendo's answer never came).
// The engine tries the unmatched analysis again and resolves the call.
func TestEarlyAnalysisResolvesALaterOutcomeUnknown(t *testing.T) {
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			k := newKendo(t, kendo.Rate{Limit: 100, Period: time.Second})
			arrived := make(chan kendo.Payload, 1)
			analysed := make(chan struct{})
			k.SetFault(func(n int64, w http.ResponseWriter, r *http.Request) bool {
				var p kendo.Payload
				body, _ := io.ReadAll(r.Body)
				_ = json.Unmarshal(body, &p)
				arrived <- p
				<-analysed
				<-r.Context().Done() // no answer: our request times out
				return true
			})
			svc := startEngine(t, db(t), k.URL(), engineOpts{kendoTimeout: 2 * time.Second})
			for _, raw := range recorded(t, "inbound-940870001") {
				accept(t, svc, raw)
			}
			p := <-arrived
			record(t, svc, uploaded(t, "early", "kc-early-1", p.RepName, float64(*p.Duration)), delivery.WebhookUnmatched)
			close(analysed)
			c := waitCall(t, svc, "940870001", "resolved by the early analysis", 30*time.Second, func(c delivery.CallRecord) bool {
				return c.Status == lifecycle.Analyzed
			})
			if c.KendoCallID != "kc-early-1" || !strings.Contains(c.Reason, "outcome resolved by Kendo") || k.Posts() != 1 {
				t.Fatalf("call %s, callId %q, reason %q, %d POSTs", c.Status, c.KendoCallID, c.Reason, k.Posts())
			}
		})
	}
}
