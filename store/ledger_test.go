package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// The ledger's reads on a real database: calls first seen in the window are counted by
// the facts of their ledger state, the ones outside it are not; every flag is listed with
// since when it holds, in pages that continue where the cursor says.
func TestLedgerReads(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	now := t0.Add(30 * time.Hour)
	at := func(d time.Duration) *time.Time { v := t0.Add(d); return &v }
	calls := []Call{
		{AlowareCallID: "1", State: lifecycle.State{Status: lifecycle.Analyzed, DeliveredAt: at(time.Hour), AnalyzedAt: at(2 * time.Hour)}, RepEmail: "ann@x", RepName: "Ann Lee", AgentName: "ann lee"},
		{AlowareCallID: "2", State: lifecycle.State{Status: lifecycle.Analyzed, DeliveredAt: at(time.Hour), AnalyzedAt: at(2 * time.Hour)}, RepEmail: "ann@x", RepName: "Ann Lee", AgentName: "Bob Roe", RepState: "mismatch"},
		{AlowareCallID: "3", State: lifecycle.State{Status: lifecycle.Analyzed, DeliveredAt: at(time.Hour), AnalyzedAt: at(2 * time.Hour)}, RepEmail: "ann@x", RepName: "Ann Lee", RepState: "mismatch"},
		{AlowareCallID: "4", State: lifecycle.State{Status: lifecycle.Delivered, DeliveredAt: at(time.Hour)}, RepEmail: "ann@x"},
		{AlowareCallID: "5", State: lifecycle.State{Status: lifecycle.Delivered, DeliveredAt: at(29 * time.Hour)}},
		{AlowareCallID: "6", State: lifecycle.State{Status: lifecycle.Skipped, Unanswered: true}},
		{AlowareCallID: "7", State: lifecycle.State{Status: lifecycle.Skipped, ByOperator: true}},
		{AlowareCallID: "8", State: lifecycle.State{Status: lifecycle.Failed, OutcomeUnknown: true}},
		{AlowareCallID: "9", State: lifecycle.State{Status: lifecycle.Failed}},
		{AlowareCallID: "10", State: lifecycle.State{Status: lifecycle.Unrouted}},
		{AlowareCallID: "11", State: lifecycle.State{Status: lifecycle.Scheduled}},
		{AlowareCallID: "12", State: lifecycle.State{Status: lifecycle.Ignored}},
		{AlowareCallID: "13", State: lifecycle.State{Status: lifecycle.Erased, DeliveredAt: at(time.Hour)}},
	}
	for name, location := range testenv.Databases() {
		t.Run(name, func(t *testing.T) {
			db, err := Open(ctx, location(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for i, c := range append(calls, Call{AlowareCallID: "99", State: lifecycle.State{Status: lifecycle.Failed}}) {
				seen := t0.Add(time.Duration(i) * time.Minute)
				if c.AlowareCallID == "99" {
					seen = t0.Add(-time.Minute) // before the window
				}
				if _, err := db.EnsureCall(ctx, db.SQL, c.AlowareCallID, "call", seen); err != nil {
					t.Fatal(err)
				}
				c.FirstSeen, c.Updated = seen, seen.Add(10*time.Minute)
				if err := db.SaveCall(ctx, db.SQL, c); err != nil {
					t.Fatal(err)
				}
			}
			w := LedgerWindow{Since: t0, Until: t0.Add(24 * time.Hour), AnalysisDue: 2 * time.Hour, Now: now}
			counts, err := db.LedgerCounts(ctx, w)
			if err != nil {
				t.Fatal(err)
			}
			byState, byFlag := map[lifecycle.LedgerState]int{}, map[lifecycle.Flag]int{}
			for _, c := range counts {
				byState[lifecycle.Ledger(c.LedgerFacts)] += c.Calls
				for _, f := range lifecycle.FlagsOf(c.LedgerFacts) {
					byFlag[f] += c.Calls
				}
			}
			want := map[lifecycle.LedgerState]int{lifecycle.LedgerAnalyzed: 3, lifecycle.LedgerDelivered: 3, lifecycle.LedgerUnanswered: 1,
				lifecycle.LedgerSkipped: 1, lifecycle.LedgerFailed: 2, lifecycle.LedgerUnrouted: 1, lifecycle.LedgerWaiting: 1, lifecycle.LedgerIgnored: 1}
			if !maps(byState, want) {
				t.Fatalf("by state %v, want %v", byState, want)
			}
			wantFlags := map[lifecycle.Flag]int{lifecycle.FlagRepMismatch: 2, lifecycle.FlagNotAnalyzed: 1, lifecycle.FlagSentWithoutRep: 1,
				lifecycle.FlagOutcomeUnknown: 1, lifecycle.FlagFailed: 1, lifecycle.FlagUnrouted: 1}
			if !maps(byFlag, wantFlags) {
				t.Fatalf("by flag %v, want %v", byFlag, wantFlags)
			}

			// The candidates are the flagged calls, oldest first, in pages that go on from
			// the position given; without a webhook secret no delivery is due its analysis.
			wantIDs := []string{"2", "3", "4", "5", "8", "9", "10"}
			var paged []string
			var from *LedgerPosition
			for range 10 {
				page, err := db.LedgerCandidates(ctx, w, from, 3)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page {
					if len(lifecycle.FlagsOf(c.LedgerFacts)) == 0 {
						t.Errorf("call %s is no candidate: %+v", c.AlowareCallID, c.LedgerFacts)
					}
					if c.AlowareCallID == "4" && (c.Delivered == nil || !c.Delivered.Equal(t0.Add(time.Hour))) {
						t.Errorf("call 4 delivered at %v", c.Delivered)
					}
					if from == nil || c.AlowareCallID != from.AlowareCallID {
						paged = append(paged, c.AlowareCallID)
					}
				}
				if len(page) < 3 {
					break
				}
				last := page[len(page)-1]
				from = &LedgerPosition{FirstSeenMs: last.FirstSeenMs, AlowareCallID: last.AlowareCallID}
			}
			if !slices.Equal(paged, wantIDs) {
				t.Fatalf("candidates %v, want %v", paged, wantIDs)
			}
			w.AnalysisDue = 0
			if page, err := db.LedgerCandidates(ctx, w, nil, 100); err != nil || len(page) != 6 {
				t.Fatalf("without a webhook secret: %d candidates (%v), want 6 (call 4 is not due)", len(page), err)
			}
		})
	}
}

func maps[K comparable](a, b map[K]int) bool {
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
