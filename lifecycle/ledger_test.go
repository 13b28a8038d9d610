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
