// Package notify tells people about what needs them: events raised inside the engine's
// call transaction are written to an outbox table in that same transaction (so nothing is
// told that did not commit), grouped per type and team at most once per interval, and
// sent through the job queue to a Slack-compatible webhook and to a JSON webhook signed
// per the Standard Webhooks spec. Nothing here may carry a secret, a phone number or a
// recording URL: causes are masked (package mask) before they are stored.
package notify

import (
	"slices"
	"time"
)

// Type names what happened; the names are part of the outside contract.
type Type string

const (
	CallsFailed         Type = "calls.failed"
	CallsUnrouted       Type = "calls.unrouted"
	CallsOutcomeUnknown Type = "calls.outcome_unknown"
	CallsNotAnalyzed    Type = "calls.not_analyzed"
	RepsMismatch        Type = "reps.mismatch"
	KeyPaused           Type = "key.paused"
	KeyResumed          Type = "key.resumed"
	KendoUnreachable    Type = "kendo.unreachable"
	KendoRecovered      Type = "kendo.recovered"
	QuarantineGrowing   Type = "quarantine.growing"
)

// Types lists every notification type, in the order documentation shows them.
func Types() []Type {
	return []Type{CallsFailed, CallsUnrouted, CallsOutcomeUnknown, CallsNotAnalyzed, RepsMismatch,
		KeyPaused, KeyResumed, KendoUnreachable, KendoRecovered, QuarantineGrowing}
}

// Known reports whether t is one of Types.
func (t Type) Known() bool { return slices.Contains(Types(), t) }

// aboutCalls: the type counts calls (each event names one), not events of a key or of
// the quarantine.
func (t Type) aboutCalls() bool {
	switch t {
	case CallsFailed, CallsUnrouted, CallsOutcomeUnknown, CallsNotAnalyzed, RepsMismatch:
		return true
	}
	return false
}

// headline says what a group of n means, for the Slack text.
func (t Type) headline(n int) string {
	switch t {
	case CallsFailed:
		return plural(n, "call") + " failed"
	case CallsUnrouted:
		return plural(n, "call") + " matched no team (unrouted)"
	case CallsOutcomeUnknown:
		return plural(n, "call") + " may or may not be in Kendo (outcome unknown); check Kendo before redelivering"
	case CallsNotAnalyzed:
		return plural(n, "call") + " delivered but not analysed by Kendo"
	case RepsMismatch:
		return plural(n, "call") + " attributed by Kendo to another rep"
	case KeyPaused:
		return "Kendo refused the API key: deliveries are paused"
	case KeyResumed:
		return "Kendo accepts the API key again: deliveries resumed"
	case KendoUnreachable:
		return "Kendo cannot be reached"
	case KendoRecovered:
		return "Kendo can be reached again"
	case QuarantineGrowing:
		return plural(n, "event") + " stored in the quarantine (could not be used)"
	}
	return plural(n, "event") + " of type " + string(t)
}

// Event is one thing to tell, raised in the transaction that made it true.
type Event struct {
	Type          Type
	Team          string // the Kendo team it concerns; "" when none (unrouted calls, the quarantine)
	AlowareCallID string // the call it is about; "" for key, Kendo and quarantine events
	Cause         string // why, in one line ("bad_request (HTTP 400): repEmail is not a member of team sales")
	At            time.Time
}
