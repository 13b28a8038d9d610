package delivery

import (
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// The types below are what the operator-facing routes (GET /calls, bulk actions, the
// quarantine, the ops page) read from the engine. They are domain types: the HTTP edge
// builds its wire types from them. None of them carries a phone number, a recording URL
// or a transcript.

// ListFilter selects calls for GET /calls and for bulk redelivery.
type ListFilter struct {
	Statuses []lifecycle.Status // any of these; none = every status
	Since    time.Time          // first seen at or after (zero = unbounded)
	Until    time.Time          // first seen before (zero = unbounded)
	Query    string             // an Aloware call id or a Kendo callId (exact)
	IDs      []string           // only these Aloware call ids
	// UpdatedSince: only calls whose state changed at or after it, and whose content is
	// kept (a bulk redelivery's progress: the calls it queued, sent or failed again).
	UpdatedSince time.Time
	Limit        int    // page size for listing: 1..MaxListLimit, 0 = DefaultListLimit
	Cursor       string // opaque; from CallPage.Next
}

const (
	DefaultListLimit = 50
	MaxListLimit     = 500
)

// CallSummary is one row of GET /calls.
type CallSummary struct {
	AlowareCallID  string
	Status         lifecycle.Status
	Reason         string
	Team           string
	Direction      string     // "inbound", "outbound" or ""
	RepEmail       string     // the rep's e-mail the last request sent, or else the one outgoing would send
	CallDate       *time.Time // the call's created_at
	Attempts       int
	LastError      string
	KendoCallID    string
	OutcomeUnknown bool // a request may have reached Kendo without an answer: check before redelivering
	FirstSeenAt    time.Time
	UpdatedAt      time.Time
	PurgedAt       *time.Time // its content was purged (retention) or erased
}

// Redeliverable reports whether an operator may ask for the call to be sent again: its
// status allows it and its content is still stored (Redeliver answers ErrPurged otherwise).
func (c CallSummary) Redeliverable() bool { return c.Status.Redeliverable() && c.PurgedAt == nil }

// Redeliverable reports whether an operator may ask for the call to be sent again, as
// CallSummary.Redeliverable.
func (c CallRecord) Redeliverable() bool { return c.Status.Redeliverable() && c.PurgedAt == nil }

// CallPage is one page of calls, newest first; Next is "" on the last page.
type CallPage struct {
	Items []CallSummary
	Next  string
}

// Attempt is one Kendo request of a call and what Kendo answered.
type Attempt struct {
	N           int
	StartedAt   time.Time
	FinishedAt  *time.Time
	Outcome     string // kendo.Outcome, or "unknown" while/if no answer was recorded
	HTTPStatus  int    // 0 when no answer arrived
	Message     string // Kendo's error text (never the key)
	KendoCallID string
	BodySHA256  string // of the exact request body (hex); "" when not recorded or purged
	BodyBytes   int    // the request body's size; 0 when not recorded
}

// Analysis is what Kendo's call.uploaded webhook said about a delivered call.
type Analysis struct {
	AIScore    string
	AgentName  string
	ReceivedAt time.Time
}

// BulkOptions are a bulk redelivery's choices beyond its filter.
type BulkOptions struct {
	// IncludeOutcomeUnknown queues the calls Kendo may already have (a request reached it
	// and no answer was recorded) with the others; without it they are excluded, as a
	// redelivery of one of them is a duplicate if Kendo has it.
	IncludeOutcomeUnknown bool
	// DryRun answers what would be queued, and queues nothing.
	DryRun bool
}

// BulkResult answers a bulk redelivery: how many calls the filter matched, how many of
// them were (or, in a dry run, would be) queued, and why the others were not: Matched =
// Queued + the sum of Excluded.
type BulkResult struct {
	Matched  int
	Queued   int
	Excluded map[string]int // by one of the Excluded… reasons
}

// The reasons a matched call is not queued by a bulk redelivery.
const (
	ExcludedOutcomeUnknown   = "outcomeUnknown"   // Kendo may have it; only with IncludeOutcomeUnknown
	ExcludedUnrouted         = "unrouted"         // no team of the current teams file takes it
	ExcludedPurged           = "purged"           // its content is gone (retention or erasure)
	ExcludedNotRedeliverable = "notRedeliverable" // queued, sent or changed meanwhile, or never had anything to send
)

// Problem is one reason an event could not be used, located from the body root.
type Problem struct {
	Location string
	Message  string
}

// QuarantinedEvent is a stored JSON object that could not be used.
type QuarantinedEvent struct {
	ID         int64
	ReceivedAt time.Time
	Event      string // the event name, when it had a readable one
	Size       int    // bytes
	Problems   []Problem
}

// QuarantinePage is one page of the quarantine, newest first.
type QuarantinePage struct {
	Items []QuarantinedEvent
	Next  string
	Total int // events in quarantine now
	Bytes int64
}

// ReplayResult answers POST /quarantine/replay.
type ReplayResult struct {
	Replayed  int // fed into their calls and removed from the quarantine
	Remaining int // still unusable with the current code and configuration
}

// Overview is what the ops page's tiles and chart show.
type Overview struct {
	Now          time.Time
	Since        time.Time // start of the 24 h window of the counts
	Received     int       // calls first seen since Since
	Delivered    int       // calls delivered since Since
	Queued       int       // calls in the delivery queue now (scheduled or delivering)
	Failed       int       // calls failed now
	Quarantined  int       // events in quarantine now
	Analyzed     int       // calls analyzed since Since
	OldestQueued *time.Time
	Keys         []KeyUse
	PerMinute    []MinuteCount // deliveries per minute, oldest first, over the chart's hours
}

// KeyUse is one Kendo key's pacing window as the ops page shows it.
type KeyUse struct {
	Team        string
	KeyID       string // kendo.KeyID: a hash, never the key
	Limit       int
	Period      time.Duration
	InWindow    int           // sends in the current rolling window
	Backlog     int           // calls waiting for this key
	DrainTime   time.Duration // time the backlog needs at this pace
	Paused      bool
	PausedSince *time.Time
	PauseReason string
}

// MinuteCount is one minute of the deliveries chart.
type MinuteCount struct {
	Minute    time.Time
	Delivered int
	Failed    int
}

// WebhookResult says what one of Kendo's webhook deliveries did.
type WebhookResult string

const (
	WebhookMatched   WebhookResult = "matched"   // call.uploaded for a delivered call: it is analyzed now
	WebhookUnmatched WebhookResult = "unmatched" // stored and counted; no delivered call has that Kendo callId
	WebhookDuplicate WebhookResult = "duplicate" // a delivery id seen before: nothing changed
	WebhookTest      WebhookResult = "test"      // Kendo's test delivery: nothing changed
	WebhookIgnored   WebhookResult = "ignored"   // another event type (ai.training.completed …): stored, nothing changed
)
