package delivery

import (
	"errors"
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// Status is lifecycle.Status: the engine's answers carry the one definition.
type Status = lifecycle.Status

// The statuses under the names the engine used before package lifecycle existed.
const (
	StatusReceived   = lifecycle.Received
	StatusScheduled  = lifecycle.Scheduled
	StatusDelivering = lifecycle.Delivering
	StatusDelivered  = lifecycle.Delivered
	StatusIgnored    = lifecycle.Ignored
	StatusSkipped    = lifecycle.Skipped
	StatusFailed     = lifecycle.Failed
)

// Receipt is what /push answers once an event is durably stored.
type Receipt struct {
	AlowareCallID string     `json:"alowareCallId,omitempty" doc:"Aloware communication id the event belongs to"`
	Event         string     `json:"event,omitempty" doc:"Aloware event name as received"`
	Status        Status     `json:"status" enum:"received,scheduled,delivering,delivered,ignored,skipped,failed"`
	Reason        string     `json:"reason,omitempty" doc:"why the call is waiting, ignored, skipped or failed"`
	KendoCallID   string     `json:"callId,omitempty" doc:"Kendo's callId once delivered"`
	Duplicate     bool       `json:"duplicate,omitempty" doc:"true when the call had already been delivered"`
	DeliverAfter  *time.Time `json:"deliverAfter,omitempty" doc:"earliest time the call will be sent to Kendo"`

	// Warnings name the fields of this event that could not be read (dropped; the rest
	// was used). Problems say why a quarantined event could not be used at all.
	Warnings     []string  `json:"warnings,omitempty"`
	Problems     []Problem `json:"problems,omitempty"`
	QuarantineID int64     `json:"quarantineId,omitempty"`

	team string // for the metrics of the event's intake
}

// EventSeen is one stored event of a call, without its content.
type EventSeen struct {
	Name       string    `json:"name"`
	Kind       string    `json:"kind"`
	ReceivedAt time.Time `json:"receivedAt"`
}

// CallRecord is the state of one Aloware call as GET /calls/{id} shows it.
type CallRecord struct {
	AlowareCallID string      `json:"alowareCallId"`
	Status        Status      `json:"status" enum:"received,scheduled,delivering,delivered,ignored,skipped,failed"`
	Reason        string      `json:"reason,omitempty"`
	KendoCallID   string      `json:"callId,omitempty"`
	Attempts      int         `json:"attempts"`
	NextAttemptAt *time.Time  `json:"nextAttemptAt,omitempty"`
	LastError     string      `json:"lastError,omitempty"`
	FirstSeenAt   time.Time   `json:"firstSeenAt"`
	UpdatedAt     time.Time   `json:"updatedAt"`
	DeliveredAt   *time.Time  `json:"deliveredAt,omitempty"`
	Events        []EventSeen `json:"events"`

	Team           string     `json:"team,omitempty"`
	Direction      string     `json:"direction,omitempty"`
	RepEmail       string     `json:"repEmail,omitempty"`
	CallDate       *time.Time `json:"callDate,omitempty"`
	OutcomeUnknown bool       `json:"outcomeUnknown,omitempty"`
	PurgedAt       *time.Time `json:"purgedAt,omitempty"`
	Analysis       *Analysis  `json:"analysis,omitempty"`
	AttemptLog     []Attempt  `json:"attemptLog,omitempty"`
	Warnings       []string   `json:"warnings,omitempty"`
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
