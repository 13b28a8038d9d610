package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// A call that is complete and carries its recording, transcript and AloAi
// summary is scheduled a short grace after its last event, not the full --settle (60 s
// by default, as here): nothing a later event could add is missing. The receipt of the
// last event says when it goes; the delay from the last event to Kendo's request is
// logged, not asserted.
func TestCompleteCallGoesAfterTheGraceNotTheSettle(t *testing.T) {
	t.Parallel()
	k := kendotest.New(t, kendo.Rate{Limit: 30, Period: time.Minute})
	p := serve(t, "--db", "sqlite:"+t.TempDir()+"/ak.db", "--kendo-url", k.URL(), "--kendo-api-key", "pk_test_grace")
	events := lifecycle(t, "outbound-940868616") // every event of a call, the summary and the transcript included
	var last struct {
		Status       string     `json:"status"`
		DeliverAfter *time.Time `json:"deliverAfter"`
	}
	var lastAck time.Time
	for _, raw := range events {
		code, body := p.push(t, raw)
		if code != 202 {
			t.Fatalf("push: %d %s", code, body)
		}
		lastAck = time.Now()
		if err := json.Unmarshal([]byte(body), &last); err != nil {
			t.Fatal(err)
		}
	}
	if last.Status != "scheduled" || last.DeliverAfter == nil {
		t.Fatalf("the last event's receipt: %+v; want scheduled with its time", last)
	}
	if wait := last.DeliverAfter.Sub(lastAck); wait > 6*time.Second { // the 5 s grace, and a second of clocks
		t.Fatalf("scheduled %s after the last event; want the 5 s grace, not the 60 s settle", wait.Round(time.Millisecond))
	}
	waitFor(t, 30*time.Second, "the call at Kendo", func() bool { return len(k.Emu.Calls()) == 1 })
	t.Logf("last event acknowledged → Kendo's request: %s (settle 60 s, grace 5 s)",
		k.Emu.Calls()[0].ReceivedAt.Sub(lastAck).Round(time.Millisecond))
}
