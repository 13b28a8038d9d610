package lifecycle

import "testing"

func TestLedger(t *testing.T) {
	tests := []struct {
		facts LedgerFacts
		want  LedgerState
	}{
		{LedgerFacts{Status: Received}, LedgerWaiting},
		{LedgerFacts{Status: Scheduled}, LedgerWaiting},
		{LedgerFacts{Status: Delivering}, LedgerWaiting},
		{LedgerFacts{Status: Delivered, Delivered: true}, LedgerDelivered},
		{LedgerFacts{Status: Analyzed, Delivered: true, Analyzed: true}, LedgerAnalyzed},
		{LedgerFacts{Status: Ignored}, LedgerIgnored},
		{LedgerFacts{Status: Skipped}, LedgerSkipped},
		{LedgerFacts{Status: Skipped, Unanswered: true}, LedgerUnanswered},
		{LedgerFacts{Status: Failed}, LedgerFailed},
		{LedgerFacts{Status: Unrouted}, LedgerUnrouted},
		{LedgerFacts{Status: Erased}, LedgerSkipped},
		{LedgerFacts{Status: Erased, Delivered: true}, LedgerDelivered},
		{LedgerFacts{Status: Erased, Delivered: true, Analyzed: true}, LedgerAnalyzed},
	}
	for _, tt := range tests {
		if got := Ledger(tt.facts); got != tt.want {
			t.Errorf("Ledger(%+v) = %s, want %s", tt.facts, got, tt.want)
		}
	}
	// Every call status lands in a ledger state that LedgerStates lists.
	listed := map[LedgerState]bool{}
	for _, s := range LedgerStates() {
		listed[s] = true
	}
	for _, st := range CallStatuses() {
		for _, f := range []LedgerFacts{{Status: st}, {Status: st, Unanswered: true, Delivered: true, Analyzed: true}} {
			if !listed[Ledger(f)] {
				t.Errorf("%+v lands in %q, which the ledger does not list", f, Ledger(f))
			}
		}
	}
}

func TestFlagsOf(t *testing.T) {
	tests := []struct {
		facts LedgerFacts
		want  []Flag
	}{
		{LedgerFacts{Status: Failed}, []Flag{FlagFailed}},
		{LedgerFacts{Status: Failed, OutcomeUnknown: true}, []Flag{FlagOutcomeUnknown}},
		{LedgerFacts{Status: Unrouted}, []Flag{FlagUnrouted}},
		{LedgerFacts{Status: Delivered, Delivered: true}, nil},
		{LedgerFacts{Status: Delivered, Delivered: true, AnalysisDue: true, NoRep: true}, []Flag{FlagNotAnalyzed, FlagSentWithoutRep}},
		{LedgerFacts{Status: Analyzed, Delivered: true, Analyzed: true, AnalysisDue: true}, nil},
		{LedgerFacts{Status: Analyzed, Delivered: true, Analyzed: true, RepMismatch: true, NoRep: true}, []Flag{FlagRepMismatch, FlagSentWithoutRep}},
		{LedgerFacts{Status: Delivered, RepMismatch: true}, nil}, // a mismatch needs an analysis
		{LedgerFacts{Status: Erased, Delivered: true, AnalysisDue: true, NoRep: true}, nil},
		{LedgerFacts{Status: Skipped, NoRep: true}, nil},
		{LedgerFacts{Status: Scheduled, NoRep: true}, nil},
	}
	for _, tt := range tests {
		got := FlagsOf(tt.facts)
		if len(got) != len(tt.want) {
			t.Errorf("FlagsOf(%+v) = %v, want %v", tt.facts, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("FlagsOf(%+v) = %v, want %v", tt.facts, got, tt.want)
			}
		}
	}
}
