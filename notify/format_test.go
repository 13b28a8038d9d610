package notify_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/notify"
)

func TestGroupCountsTopCausesAndLinksTenCalls(t *testing.T) {
	at := time.Date(2027, 1, 15, 8, 0, 0, 0, time.UTC)
	var events []notify.Event
	for i := range 38 {
		events = append(events, notify.Event{Type: notify.CallsFailed, Team: "sales", AlowareCallID: fmt.Sprint(1000 + i),
			Cause: "bad_request (HTTP 400): repEmail is not a member of team sales", At: at.Add(time.Duration(i) * time.Second)})
	}
	for i := range 3 {
		events = append(events, notify.Event{Type: notify.CallsFailed, Team: "sales", AlowareCallID: fmt.Sprint(2000 + i),
			Cause: "too large for Kendo even after shrinking", At: at.Add(-time.Minute)})
	}
	events = append(events, events[0]) // the same call failing twice counts once as a call
	d := notify.Group(notify.CallsFailed, "sales", events, "https://kendo-sync.example.com/")

	if d.Count != 42 || d.Calls != 41 {
		t.Errorf("count %d calls %d, want 42 and 41", d.Count, d.Calls)
	}
	if len(d.Causes) != 2 || d.Causes[0].Count != 39 || !strings.Contains(d.Causes[0].Cause, "repEmail is not a member") {
		t.Errorf("causes %+v", d.Causes)
	}
	if len(d.CallLinks) != 10 || d.CallLinks[0].URL != "https://kendo-sync.example.com/ui/calls/1000" {
		t.Errorf("links %+v", d.CallLinks)
	}
	if !d.FirstSeen.Equal(at.Add(-time.Minute)) || !d.LastSeen.Equal(at.Add(37*time.Second)) {
		t.Errorf("first %s last %s", d.FirstSeen, d.LastSeen)
	}
	if d.Summary != "41 calls failed (team sales)" || d.OpsURL != "https://kendo-sync.example.com/ui/issues" {
		t.Errorf("summary %q ops %q", d.Summary, d.OpsURL)
	}

	m := notify.Message{ID: 7, Type: notify.CallsFailed, Team: "sales", CreatedAt: at, Data: d}
	text := notify.SlackText(m)
	for _, want := range []string{"41 calls failed (team sales)", "• 39 calls: bad_request (HTTP 400): repEmail is not a member of team sales",
		"<https://kendo-sync.example.com/ui/calls/1000|1000>", "and 31 more"} {
		if !strings.Contains(text, want) {
			t.Errorf("Slack text lacks %q:\n%s", want, text)
		}
	}
	body, err := notify.WebhookBody(m)
	if err != nil {
		t.Fatal(err)
	}
	var wire struct {
		Type      string          `json:"type"`
		Timestamp time.Time       `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &wire); err != nil || wire.Type != "calls.failed" || !wire.Timestamp.Equal(at) || len(wire.Data) < 10 {
		t.Errorf("webhook body %s (%v)", body, err)
	}
}

func TestSlackTextCannotBeTurnedIntoMarkup(t *testing.T) {
	d := notify.Group(notify.QuarantineGrowing, "", []notify.Event{{Type: notify.QuarantineGrowing, Cause: "<!channel> <http://evil|click>"}}, "")
	text := notify.SlackText(notify.Message{Type: notify.QuarantineGrowing, Data: d})
	if strings.Contains(text, "<!channel>") || strings.Contains(text, "<http") {
		t.Errorf("cause became markup: %s", text)
	}
	if !strings.Contains(text, "1 event stored in the quarantine") {
		t.Errorf("text %s", text)
	}
}

func TestEveryContractTypeHasAHeadline(t *testing.T) {
	want := []string{"calls.failed", "calls.unrouted", "calls.outcome_unknown", "calls.not_analyzed", "reps.mismatch",
		"key.paused", "key.resumed", "kendo.unreachable", "kendo.recovered", "quarantine.growing"}
	types := notify.Types()
	if len(types) != len(want) {
		t.Fatalf("types %v, want %v", types, want)
	}
	for i, typ := range types {
		if string(typ) != want[i] {
			t.Errorf("type %d is %s, want %s", i, typ, want[i])
		}
		d := notify.Group(typ, "", []notify.Event{{Type: typ, AlowareCallID: "1"}}, "")
		if strings.Contains(d.Summary, "of type") {
			t.Errorf("%s has no headline of its own: %q", typ, d.Summary)
		}
	}
}
