package lifecycle

// LedgerState is where a call ended up, as the completeness ledger counts it: every call
// is in exactly one, so the counts of a window add up to the calls first seen in it.
type LedgerState string

const (
	LedgerAnalyzed   LedgerState = "analyzed"   // Kendo has it and has analysed it
	LedgerDelivered  LedgerState = "delivered"  // Kendo has it; no analysis reported (yet)
	LedgerSkipped    LedgerState = "skipped"    // not sent, by a send rule or an operator (or erased before it was sent)
	LedgerUnanswered LedgerState = "unanswered" // not sent: nobody talked (missed, abandoned, talk time 0)
	LedgerIgnored    LedgerState = "ignored"    // not a phone call (SMS, appointment …)
	LedgerFailed     LedgerState = "failed"     // not in Kendo as far as we know: refused, retries ran out, or outcome unknown
	LedgerUnrouted   LedgerState = "unrouted"   // ready, but no team takes it
	LedgerWaiting    LedgerState = "waiting"    // still on its way: events coming, settling, queued or in flight
)

// LedgerStates lists every ledger state, in the order the ledger shows them.
func LedgerStates() []LedgerState {
	return []LedgerState{LedgerAnalyzed, LedgerDelivered, LedgerSkipped, LedgerUnanswered, LedgerIgnored,
		LedgerFailed, LedgerUnrouted, LedgerWaiting}
}

// LedgerFacts are the columns of a call's row the ledger state is read from.
type LedgerFacts struct {
	Status     Status
	Unanswered bool
	Delivered  bool // Kendo answered 201 for it at some point (delivered_ms is set)
	Analyzed   bool // Kendo's analysis arrived (analyzed_ms is set)
}

// Ledger is the one ledger state of a call. An erased call counts by what Kendo has:
// delivered (or analyzed) when it was sent before the erasure, skipped otherwise, since
// an operator's request stopped it.
func Ledger(f LedgerFacts) LedgerState {
	switch f.Status {
	case Analyzed:
		return LedgerAnalyzed
	case Delivered:
		return LedgerDelivered
	case Ignored:
		return LedgerIgnored
	case Failed:
		return LedgerFailed
	case Unrouted:
		return LedgerUnrouted
	case Skipped:
		if f.Unanswered {
			return LedgerUnanswered
		}
		return LedgerSkipped
	case Erased:
		switch {
		case f.Analyzed:
			return LedgerAnalyzed
		case f.Delivered:
			return LedgerDelivered
		}
		return LedgerSkipped
	}
	return LedgerWaiting // received, scheduled, delivering, and any status a newer version adds
}
