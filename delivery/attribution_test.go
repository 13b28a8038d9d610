package delivery_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/reps"
)

// Attribution on the real engine: a call whose rep e-mail is missing, or dropped because
// Kendo would refuse it, is delivered without a rep, and says so — a warning in the /push
// receipt and in the call's record, its state in the record and the list, and the list's
// filter finds it. The e-mail map fills or spoils the rep the same way. Kendo's
// call.uploaded naming another agent (or none) makes a delivered call a mismatch.
func TestAttribution(t *testing.T) {
	const sam = "sam.carter@example.com"
	tests := []struct {
		name          string
		id            string
		edit          func([]byte) []byte
		wantState     reps.State
		wantRepEmail  string
		wantWarning   string // contained in the last receipt's and the record's warnings
		kendoAgent    string // call.uploaded's agentName; "-" sends none
		wantAnalyzed  reps.State
		wantMismatchW string
	}{
		{name: "mapped from the events", id: "940868701", wantState: reps.Mapped, wantRepEmail: sam,
			kendoAgent: "Sam Carter", wantAnalyzed: reps.Mapped},
		{name: "Kendo credits another agent", id: "940868702", wantState: reps.Mapped, wantRepEmail: sam,
			kendoAgent: "Alex Kim", wantAnalyzed: reps.Mismatch, wantMismatchW: "Kendo credited the call to another agent"},
		{name: "Kendo credits no agent", id: "940868703", wantState: reps.Mapped, wantRepEmail: sam,
			kendoAgent: "-", wantAnalyzed: reps.Mismatch, wantMismatchW: "Kendo credited the call to no agent"},
		{name: "invalid e-mail dropped", id: "940868704", edit: replace(sam, "sam.carter(at)example"),
			wantState: reps.Invalid, wantWarning: "the agent's e-mail was dropped because Kendo refuses it"},
		{name: "no e-mail", id: "940868705", edit: replace(sam, ""),
			wantState: reps.Missing, wantWarning: "no e-mail is known for the agent"},
		{name: "the e-mail map gives one", id: "940868706", edit: both(replace(sam, ""), replace("120776", "120777")),
			wantState: reps.Mapped, wantRepEmail: "sam@team.example"},
		{name: "the e-mail map gives a bad one", id: "940868707", edit: both(replace(sam, ""), replace("120776", "120778")),
			wantState: reps.Invalid, wantWarning: "map Aloware user 120778 in --rep-email-map"},
	}
	dir := reps.NewDirectory(reps.Options{EmailMap: map[string]string{"120777": "sam@team.example", "120778": "sam at team"}})
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			k := newKendo(t, kendo.Rate{Limit: 1000, Period: time.Second})
			svc := startEngine(t, db(t), k.URL(), engineOpts{settle: 10 * time.Millisecond, reps: dir})
			for _, tt := range tests {
				var rc delivery.Receipt
				for _, raw := range recorded(t, "outbound-940868616") {
					raw = withID(raw, "940868616", tt.id)
					if tt.edit != nil {
						raw = tt.edit(raw)
					}
					rc = accept(t, svc, raw)
				}
				if rc.RepState != string(tt.wantState) || !hasWarning(rc.Warnings, tt.wantWarning) {
					t.Errorf("%s: receipt rep %q, warnings %q; want %q with %q", tt.name, rc.RepState, rc.Warnings, tt.wantState, tt.wantWarning)
				}
				rec := waitStatus(t, svc, tt.id, lifecycle.Delivered, 30*time.Second)
				if rec.RepState != string(tt.wantState) || rec.RepEmail != tt.wantRepEmail || !hasWarning(rec.Warnings, tt.wantWarning) {
					t.Errorf("%s: record rep %q %q, warnings %q; want %q %q with %q", tt.name, rec.RepState, rec.RepEmail, rec.Warnings,
						tt.wantState, tt.wantRepEmail, tt.wantWarning)
				}
				if tt.kendoAgent == "" {
					continue
				}
				agent := tt.kendoAgent
				if agent == "-" {
					agent = ""
				}
				if _, err := svc.RecordAnalysis(ctx, kendo.WebhookEvent{Event: "call.uploaded", ID: "evt_" + tt.id,
					Data: kendo.WebhookCall{KendoCallID: rec.KendoCallID, AgentName: agent, AIScore: "80"}}, []byte(`{}`)); err != nil {
					t.Fatal(err)
				}
				rec = waitStatus(t, svc, tt.id, lifecycle.Analyzed, 10*time.Second)
				if rec.RepState != string(tt.wantAnalyzed) || !hasWarning(rec.Warnings, tt.wantMismatchW) {
					t.Errorf("%s: after call.uploaded rep %q, warnings %q; want %q with %q", tt.name, rec.RepState, rec.Warnings, tt.wantAnalyzed, tt.wantMismatchW)
				}
			}

			sent := map[string]string{}
			for _, p := range k.Payloads(t) {
				sent[p.Metadata["alowareCallId"]] = p.RepEmail
			}
			for _, tt := range tests {
				if sent[tt.id] != tt.wantRepEmail {
					t.Errorf("%s: Kendo got repEmail %q, want %q", tt.name, sent[tt.id], tt.wantRepEmail)
				}
			}

			page, err := svc.ListCalls(ctx, delivery.ListFilter{RepStates: reps.WithoutRep,
				Statuses: []lifecycle.Status{lifecycle.Delivered, lifecycle.Analyzed}})
			if err != nil {
				t.Fatal(err)
			}
			var without []string
			for _, c := range page.Items {
				without = append(without, c.AlowareCallID+":"+c.RepState)
			}
			slices.Sort(without)
			if want := "940868704:invalid,940868705:missing,940868707:invalid"; strings.Join(without, ",") != want {
				t.Errorf("sent without a rep: %v, want %s", without, want)
			}
		})
	}
}

func replace(from, to string) func([]byte) []byte {
	return func(raw []byte) []byte { return bytes.ReplaceAll(raw, []byte(from), []byte(to)) }
}

func both(a, b func([]byte) []byte) func([]byte) []byte {
	return func(raw []byte) []byte { return b(a(raw)) }
}

// hasWarning: want is "" and no warning is about the rep, or one warning contains want.
func hasWarning(warnings []string, want string) bool {
	for _, w := range warnings {
		if want == "" && (strings.Contains(w, "without a rep") || strings.Contains(w, "Kendo credited")) {
			return false
		}
		if want != "" && strings.Contains(w, want) {
			return true
		}
	}
	return want == ""
}

// GET /reps's engine side: every agent seen, with the e-mail sent, its state and its
// calls per state, on both databases.
func TestReps(t *testing.T) {
	const sam = "sam.carter@example.com"
	calls := []struct {
		id   string
		edit func([]byte) []byte
	}{
		{"940869001", nil},                         // 120776, mapped
		{"940869002", nil},                         // 120776, mapped, then Kendo credits another agent
		{"940869003", replace("120776", "120779")}, // 120779 (Sam's e-mail)
		{"940869004", both(replace(sam, "sam(at)x"), replace("120776", "120780"))}, // invalid
		{"940869005", both(replace(sam, ""), replace("120776", "120781"))},         // missing, older
		{"940869006", replace("120776", "120781")},                                 // … then mapped
	}
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			k := newKendo(t, kendo.Rate{Limit: 1000, Period: time.Second})
			svc := startEngine(t, db(t), k.URL(), engineOpts{settle: 10 * time.Millisecond})
			for _, c := range calls {
				for _, raw := range recorded(t, "outbound-940868616") {
					raw = withID(raw, "940868616", c.id)
					if c.edit != nil {
						raw = c.edit(raw)
					}
					accept(t, svc, raw)
				}
				time.Sleep(2 * time.Millisecond) // first_seen_ms orders the calls
			}
			var mismatched delivery.CallRecord
			for _, c := range calls {
				rec := waitStatus(t, svc, c.id, lifecycle.Delivered, 30*time.Second)
				if c.id == "940869002" {
					mismatched = rec
				}
			}
			if _, err := svc.RecordAnalysis(ctx, kendo.WebhookEvent{Event: "call.uploaded", ID: "evt_1",
				Data: kendo.WebhookCall{KendoCallID: mismatched.KendoCallID, AgentName: "Alex Kim"}}, []byte(`{}`)); err != nil {
				t.Fatal(err)
			}
			agents, err := svc.Reps(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range agents {
				got = append(got, fmt.Sprintf("%s %q %s %s %d mapped=%d missing=%d invalid=%d mismatch=%d", a.AlowareUserID, a.Name, a.RepEmail, a.State, a.Calls,
					a.ByState[reps.Mapped], a.ByState[reps.Missing], a.ByState[reps.Invalid], a.ByState[reps.Mismatch]))
			}
			want := []string{
				`120776 "Sam Carter" sam.carter@example.com mismatch 2 mapped=1 missing=0 invalid=0 mismatch=1`,
				`120779 "Sam Carter" sam.carter@example.com mapped 1 mapped=1 missing=0 invalid=0 mismatch=0`,
				`120780 "Sam Carter"  invalid 1 mapped=0 missing=0 invalid=1 mismatch=0`,
				`120781 "Sam Carter" sam.carter@example.com mapped 2 mapped=1 missing=1 invalid=0 mismatch=0`,
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("agents:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// namingResolver is a rep lookup that knows the person behind an e-mail, as the Users
// API does: it resolves nothing itself.
type namingResolver map[string]string

func (namingResolver) Resolve(_, name, email string) reps.Rep {
	return reps.Rep{Name: name, Email: email}
}
func (n namingResolver) NameOf(email string) string { return n[email] }

// Kendo names the member it matched by the rep's e-mail; when the rep lookup knows that
// e-mail's person by another name than the one sent, Kendo's name (written with accents
// and other spacing) is still the same person: no mismatch. Another person is one.
func TestCreditedByTheNameOfTheEmailSent(t *testing.T) {
	k := newKendo(t, kendo.Rate{Limit: 1000, Period: time.Second})
	svc := startEngine(t, databases()["sqlite"](t), k.URL(), engineOpts{settle: 10 * time.Millisecond,
		reps: namingResolver{"sam.carter@example.com": "Samuel Carter"}})
	ctx := context.Background()
	for id, agent := range map[string]string{"940868751": "  SAMUEL  Cárter", "940868752": "Alex Kim"} {
		for _, raw := range recorded(t, "outbound-940868616") {
			accept(t, svc, withID(raw, "940868616", id))
		}
		rec := waitStatus(t, svc, id, lifecycle.Delivered, 30*time.Second)
		if _, err := svc.RecordAnalysis(ctx, kendo.WebhookEvent{Event: "call.uploaded", ID: "evt_" + id,
			Data: kendo.WebhookCall{KendoCallID: rec.KendoCallID, AgentName: agent}}, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	for id, want := range map[string]reps.State{"940868751": reps.Mapped, "940868752": reps.Mismatch} {
		if rec, err := svc.Call(ctx, id); err != nil || reps.State(rec.RepState) != want {
			t.Errorf("call %s: rep state %q (%v), want %q", id, rec.RepState, err, want)
		}
	}
}
