package handlers_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

var update = flag.Bool("update", false, "rewrite the golden answers under testdata/")

// golden compares an answer with testdata/NAME (rewritten with -update).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		var v any
		if err := json.Unmarshal(got, &v); err != nil {
			t.Fatal(err)
		}
		pretty, _ := json.MarshalIndent(v, "", "  ")
		if err := os.WriteFile(path, append(pretty, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want := readFile(t, path); !sameJSON(t, got, want) {
		t.Errorf("answer differs from %s (run with -update after checking):\n got %s\nwant %s", path, got, want)
	}
}

func at(min int) time.Time { return time.Date(2026, 8, 5, 20, 58+min, 49, 0, time.UTC) }

func ptr[T any](v T) *T { return &v }

// Every field of a call record, under the JSON names the API has always used plus the
// new ones; the golden file is the contract.
func TestCallRecordOnTheWire(t *testing.T) {
	full := delivery.CallRecord{
		AlowareCallID: "940868616", Status: lifecycle.Analyzed, Reason: "delivered", KendoCallID: "kc_1",
		Attempts: 2, NextAttemptAt: ptr(at(3)), LastError: "Kendo answered 503", FirstSeenAt: at(0), UpdatedAt: at(4),
		DeliveredAt: ptr(at(4)),
		Events: []delivery.EventSeen{
			{Name: "OutboundPhoneCall-DispositionCompleted", Kind: "call", ReceivedAt: at(0)},
			{Name: "Recording-Saved", Kind: "call", ReceivedAt: at(1)},
		},
		Team: "sales", Direction: "outbound", RepEmail: "sam@example.com", CallDate: ptr(at(0)), OutcomeUnknown: true,
		PurgedAt: ptr(at(60)), Analysis: &delivery.Analysis{AIScore: "87", AgentName: "Sam Carter", ReceivedAt: at(10)},
		AttemptLog: []delivery.Attempt{
			{N: 1, StartedAt: at(2), FinishedAt: ptr(at(2)), Outcome: "transient", HTTPStatus: 503, Message: "upstream busy"},
			{N: 2, StartedAt: at(4), FinishedAt: ptr(at(4)), Outcome: "accepted", HTTPStatus: 201, KendoCallID: "kc_1"},
		},
		Warnings: []string{"body.wait_time: not a number; ignored"},
		LateArtifacts: []delivery.LateArtifact{{Event: "Transcription-Saved", ReceivedAt: at(5), Artifacts: []string{"transcript"},
			KendoHas: []string{"recording"}, AfterDelivery: 60, Note: "transcript arrived 60 s after delivery; Kendo has the recording only"}},
	}
	p := &fakeEngine{call: func(string) (delivery.CallRecord, error) { return full, nil }}
	srv := newServer(t, handlers.Deps{Intake: p, Operator: p})
	golden(t, "call-record.json", get(t, srv.URL+"/calls/940868616").body)

	// A bare record: every list is [] rather than null, optional fields are absent.
	p.call = func(string) (delivery.CallRecord, error) {
		return delivery.CallRecord{AlowareCallID: "7", Status: lifecycle.Received, FirstSeenAt: at(0), UpdatedAt: at(0)}, nil
	}
	want := `{"alowareCallId":"7","status":"received","attempts":0,"firstSeenAt":"2026-08-05T20:58:49Z",
		"updatedAt":"2026-08-05T20:58:49Z","events":[],"attemptLog":[],"warnings":[],"lateArtifacts":[]}`
	if got := get(t, srv.URL+"/calls/7").body; !sameJSON(t, got, []byte(want)) {
		t.Errorf("bare record %s", got)
	}
}

func TestReceiptOnTheWire(t *testing.T) {
	quarantined := delivery.Receipt{
		Event: "Recording-Saved", Status: lifecycle.Quarantined, Reason: "no readable call id",
		Warnings:     []string{"body.talk_time: not a number; ignored"},
		Problems:     []delivery.Problem{{Location: "body.body.id", Message: "missing"}, {Location: "", Message: "unknown shape"}},
		QuarantineID: 42,
	}
	scheduled := delivery.Receipt{AlowareCallID: "940868616", Event: "Recording-Saved", Status: lifecycle.Scheduled, DeliverAfter: ptr(at(1))}
	p := &fakeEngine{}
	srv := newServer(t, handlers.Deps{Intake: p, Operator: p})
	for name, rec := range map[string]delivery.Receipt{"receipt-quarantined.json": quarantined, "receipt-scheduled.json": scheduled} {
		p.accept = func([]byte) (delivery.Receipt, error) { return rec, nil }
		resp := post(t, srv.URL+"/push", []byte(`{"event":"Recording-Saved","body":{}}`))
		if resp.status != 202 {
			t.Fatalf("%s: %d %s", name, resp.status, resp.body)
		}
		golden(t, name, resp.body)
	}
}

// The status enums of the document are lifecycle's lists, written nowhere else.
func TestStatusEnumsComeFromLifecycle(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Enum []string `json:"enum"`
			} `json:"schemas"`
		} `json:"components"`
	}
	srv := newServer(t, handlers.Deps{})
	if err := json.Unmarshal(get(t, srv.URL+"/openapi.json").body, &doc); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]lifecycle.Status{
		"CallStatus": lifecycle.CallStatuses(), "ReceiptStatus": lifecycle.ReceiptStatuses(),
	} {
		got := doc.Components.Schemas[name].Enum
		if !slices.Equal(got, statusStrings(want)) {
			t.Errorf("%s enum %v, want %v", name, got, want)
		}
	}
}

func statusStrings(ss []lifecycle.Status) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}
