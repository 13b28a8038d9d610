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

// LedgerFacts are the columns of a call's row its ledger state and flags are read from.
type LedgerFacts struct {
	Status         Status
	Unanswered     bool
	OutcomeUnknown bool
	Delivered      bool // Kendo answered 201 for it at some point (delivered_ms is set)
	Analyzed       bool // Kendo's analysis arrived (analyzed_ms is set)
	NoRep          bool // it was sent (or is to be sent) without a rep e-mail
	RepMismatch    bool // Kendo's analysis names no agent, or another than the rep sent
	AnalysisDue    bool // delivered longer ago than the analysis is expected within (only when Kendo can tell us)
}

// Flag marks a call a person should look at. A call may carry several (sent without a
// rep and not analyzed, say); outcome_unknown and failed never go together.
type Flag string

const (
	FlagFailed         Flag = "failed"           // failed for a known reason (refused, retries ran out)
	FlagNotAnalyzed    Flag = "not_analyzed"     // delivered, and Kendo's call.uploaded did not come in time
	FlagOutcomeUnknown Flag = "outcome_unknown"  // Kendo may have it; nobody knows
	FlagRepMismatch    Flag = "rep_mismatch"     // Kendo's analysis names no agent, or another than the rep sent
	FlagSentWithoutRep Flag = "sent_without_rep" // Kendo has it, attributed to nobody
	FlagUnrouted       Flag = "unrouted"         // ready, and no team takes it: the teams file needs a fix
)

// Flags lists every flag in the order a call's flags are listed (by name).
func Flags() []Flag {
	return []Flag{FlagFailed, FlagNotAnalyzed, FlagOutcomeUnknown, FlagRepMismatch, FlagSentWithoutRep, FlagUnrouted}
}

// FlagsOf lists a call's flags, in the order of Flags. An erased call carries none: there
// is nothing left to act on.
func FlagsOf(f LedgerFacts) []Flag {
	var out []Flag
	switch f.Status {
	case Failed:
		if f.OutcomeUnknown {
			out = append(out, FlagOutcomeUnknown)
		} else {
			out = append(out, FlagFailed)
		}
	case Unrouted:
		out = append(out, FlagUnrouted)
	case Delivered, Analyzed:
		if f.Status == Delivered && f.AnalysisDue {
			out = append(out, FlagNotAnalyzed)
		}
		if f.Status == Analyzed && f.RepMismatch {
			out = append(out, FlagRepMismatch)
		}
		if f.NoRep {
			out = append(out, FlagSentWithoutRep)
		}
	}
	return out
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
