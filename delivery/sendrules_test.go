package delivery_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/mapping"
)

// A call the send rules filter is skipped at once with the rule's reason and counted by
// rule; an operator can still have it sent, and the rule is not applied to that.
func TestSendRulesSkipAndOperatorRedelivers(t *testing.T) {
	k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
	reg := prometheus.NewRegistry()
	svc := startEngine(t, databases()["sqlite"](t), k.URL(), engineOpts{settle: 50 * time.Millisecond, reg: reg,
		send: mapping.SendRules{MinTalkTime: 10 * time.Second, Directions: []string{"inbound", "outbound"}}})
	short := []byte(`{"event":"OutboundPhoneCall-DispositionCompleted","body":{"id":5551,"type":1,"direction":2,"current_status2":9,"disposition_status2":4,
		"talk_time":4,"created_at":"2026-09-14 15:02:10","user_email":"sam@acme.example","contact_id":1,"campaign_id":2,
		"direct_recording_url":"https://app.aloware.io/static/recording/5551"}}`)
	rc := accept(t, svc, short)
	if rc.Status != lifecycle.Skipped || rc.Reason != "talk time 4 s is under --min-talk-time 10s" {
		t.Fatalf("short call: %+v", rc)
	}
	if got := sample(t, reg, "aloware_kendo_calls_filtered_total", map[string]string{"rule": mapping.RuleMinTalkTime}); got != 1 {
		t.Errorf("filtered by min-talk-time counted %v, want 1", got)
	}
	if got := sample(t, reg, "aloware_kendo_calls_filtered_total", map[string]string{"rule": mapping.RuleSkipDispositions}); got != 0 {
		t.Errorf("filtered by skip-dispositions %v, want 0 (pre-created)", got)
	}
	// A later event of the skipped call does not count it again.
	accept(t, svc, short)
	if got := sample(t, reg, "aloware_kendo_calls_filtered_total", map[string]string{"rule": mapping.RuleMinTalkTime}); got != 1 {
		t.Errorf("filtered counted %v after a repeat, want 1", got)
	}
	if _, err := svc.Redeliver(t.Context(), "5551", delivery.RedeliverOptions{}, "an operator in a test"); err != nil {
		t.Fatalf("redeliver a filtered call: %v", err)
	}
	waitStatus(t, svc, "5551", lifecycle.Delivered, 15*time.Second)
	if k.Posts() != 1 {
		t.Errorf("Kendo got %d requests, want 1", k.Posts())
	}
}

// POST /map on the service shows the verdict of the send rules, so a rule can be tried
// before it is turned on.
func TestMapShowsTheSendRulesVerdict(t *testing.T) {
	svc := openEngine(t, databases()["sqlite"](t), "http://127.0.0.1:1/ingest", engineOpts{send: mapping.SendRules{Directions: []string{"inbound"}}})
	res, err := svc.MapRaw([]byte(`{"event":"OutboundPhoneCall-DispositionCompleted","body":{"id":7,"type":1,"direction":2,"current_status2":9,"talk_time":40,
		"direct_recording_url":"https://app.aloware.io/static/recording/7"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if res.State != mapping.StateFiltered || res.FilteredBy != mapping.RuleSendDirections || res.Reason != "direction outbound is not in --send-directions inbound" || res.Ready {
		t.Errorf("map: state %s by %s (%s), ready %v", res.State, res.FilteredBy, res.Reason, res.Ready)
	}
}
