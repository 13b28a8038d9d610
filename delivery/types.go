package delivery

import (
	"errors"
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// Receipt is what storing one event did to its call. Its JSON form, what /push answers,
// is handlers.Receipt: the domain types here carry no wire names.
type Receipt struct {
	AlowareCallID string
	Event         string
	Status        lifecycle.Status
	Reason        string
	KendoCallID   string
	Duplicate     bool
	// Late: the call was sent before this artifact (recording, transcript, summary)
	// came; it is stored and listed on the call, never sent.
	Late         bool
	DeliverAfter *time.Time

	// Warnings name the fields of this event that could not be read (dropped; the rest
	// was used). Problems say why a quarantined event could not be used at all.
	Warnings     []string
	Problems     []Problem
	QuarantineID int64
	// RepState is what became of the call's rep (reps.Mapped …); a rep that is not mapped
	// also adds a warning, while the call is one that is (or will be) sent.
	RepState string
}

// EventSeen is one stored event of a call, without its content.
type EventSeen struct {
	Name       string
	Kind       string
	ReceivedAt time.Time
}

// CallRecord is the state of one Aloware call (GET /calls/{id} shows it as
// handlers.CallRecord).
type CallRecord struct {
	AlowareCallID string
	Status        lifecycle.Status
	Reason        string
	KendoCallID   string
	Attempts      int
	NextAttemptAt *time.Time
	LastError     string
	FirstSeenAt   time.Time
	UpdatedAt     time.Time
	DeliveredAt   *time.Time
	Events        []EventSeen

	Team           string
	Direction      string
	RepEmail       string
	AlowareUserID  string // the agent's Aloware user id
	RepState       string // reps.Mapped …; "" without a payload
	CallDate       *time.Time
	OutcomeUnknown bool
	PurgedAt       *time.Time
	Analysis       *Analysis
	AttemptLog     []Attempt
	Warnings       []string
	// LateArtifacts lists the events that brought an artifact after the call was sent.
	LateArtifacts []LateArtifact
	// Payload is the body the latest request sent, or what would be sent now; nil once
	// the call's content is purged.
	Payload *Payload
}

// LateArtifact is one event that brought an artifact Kendo never got: the call had been
// sent already (Kendo has no update API).
type LateArtifact struct {
	Event         string
	ReceivedAt    time.Time
	Artifacts     []string // what it brought: recording, transcript, summary
	KendoHas      []string // what the call had when it was sent
	AfterDelivery int64    // seconds after the delivery (0 when it was in flight)
	// Note says it in words: "transcript arrived 40 s after delivery; Kendo has the
	// recording only".
	Note string
}

// The bounds of a list query's free texts (ListFilter.Query, Cursor): the API and the
// ops page refuse longer ones, so a crafted link cannot make the engine work hard.
const (
	MaxListQuery  = 128 // an Aloware call id or a Kendo callId
	MaxListCursor = 512 // what CallPage.Next and QuarantinePage.Next give
)

var (
	// ErrNotFound: no event of this call id was ever stored.
	ErrNotFound = errors.New("call not found")
	// ErrNotRedeliverable: only failed, skipped and unrouted calls can be sent again.
	ErrNotRedeliverable = lifecycle.ErrNotRedeliverable
)

var (
	// ErrNotSkippable: only a call that waits (received, scheduled, unrouted) can be skipped.
	ErrNotSkippable = lifecycle.ErrNotSkippable
	// ErrPurged: the call's content was purged (retention) or erased.
	ErrPurged = lifecycle.ErrPurged
)
