package delivery

import (
	"errors"
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// Receipt is what /push answers once an event is durably stored.
type Receipt struct {
	AlowareCallID string           `json:"alowareCallId,omitempty"`
	Event         string           `json:"event,omitempty"`
	Status        lifecycle.Status `json:"status"`
	Reason        string           `json:"reason,omitempty"`
	KendoCallID   string           `json:"callId,omitempty"`
	Duplicate     bool             `json:"duplicate,omitempty"`
	// Late: the call was sent before this artifact (recording, transcript, summary)
	// came; it is stored and listed on the call, never sent.
	Late         bool       `json:"late,omitempty"`
	DeliverAfter *time.Time `json:"deliverAfter,omitempty"`

	// Warnings name the fields of this event that could not be read (dropped; the rest
	// was used). Problems say why a quarantined event could not be used at all.
	Warnings     []string  `json:"warnings,omitempty"`
	Problems     []Problem `json:"problems,omitempty"`
	QuarantineID int64     `json:"quarantineId,omitempty"`
	// RepState is what became of the call's rep (reps.Mapped …); a rep that is not mapped
	// also adds a warning, while the call is one that is (or will be) sent.
	RepState string `json:"repState,omitempty"`

	team          string   // for the metrics of the event's intake
	lateArtifacts []string // … the artifacts a late event brought
	filteredBy    string   // … the send rule that just skipped the call
}

// EventSeen is one stored event of a call, without its content.
type EventSeen struct {
	Name       string    `json:"name"`
	Kind       string    `json:"kind"`
	ReceivedAt time.Time `json:"receivedAt"`
}

// CallRecord is the state of one Aloware call as GET /calls/{id} shows it.
type CallRecord struct {
	AlowareCallID string           `json:"alowareCallId"`
	Status        lifecycle.Status `json:"status"`
	Reason        string           `json:"reason,omitempty"`
	KendoCallID   string           `json:"callId,omitempty"`
	Attempts      int              `json:"attempts"`
	NextAttemptAt *time.Time       `json:"nextAttemptAt,omitempty"`
	LastError     string           `json:"lastError,omitempty"`
	FirstSeenAt   time.Time        `json:"firstSeenAt"`
	UpdatedAt     time.Time        `json:"updatedAt"`
	DeliveredAt   *time.Time       `json:"deliveredAt,omitempty"`
	Events        []EventSeen      `json:"events"`

	Team           string     `json:"team,omitempty"`
	Direction      string     `json:"direction,omitempty"`
	RepEmail       string     `json:"repEmail,omitempty"`
	AlowareUserID  string     `json:"alowareUserId,omitempty"` // the agent's Aloware user id
	RepState       string     `json:"repState,omitempty"`      // reps.Mapped …; "" without a payload
	CallDate       *time.Time `json:"callDate,omitempty"`
	OutcomeUnknown bool       `json:"outcomeUnknown,omitempty"`
	PurgedAt       *time.Time `json:"purgedAt,omitempty"`
	Analysis       *Analysis  `json:"analysis,omitempty"`
	AttemptLog     []Attempt  `json:"attemptLog,omitempty"`
	Warnings       []string   `json:"warnings,omitempty"`
	// LateArtifacts lists the events that brought an artifact after the call was sent.
	LateArtifacts []LateArtifact `json:"lateArtifacts,omitempty"`
}

// LateArtifact is one event that brought an artifact Kendo never got: the call had been
// sent already (Kendo has no update API).
type LateArtifact struct {
	Event         string    `json:"event"`
	ReceivedAt    time.Time `json:"receivedAt"`
	Artifacts     []string  `json:"artifacts"`     // what it brought: recording, transcript, summary
	KendoHas      []string  `json:"kendoHas"`      // what the call had when it was sent
	AfterDelivery int64     `json:"afterDelivery"` // seconds after the delivery (0 when it was in flight)
	// Note says it in words: "transcript arrived 40 s after delivery; Kendo has the
	// recording only".
	Note string `json:"note"`
}

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
