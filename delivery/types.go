package delivery

import (
	"errors"
	"time"
)

// Status is where a call stands on its way to Kendo.
type Status string

const (
	StatusReceived   Status = "received"   // events stored, the call is not ready yet
	StatusScheduled  Status = "scheduled"  // ready; delivery waits for the settle time or a pacing slot
	StatusDelivering Status = "delivering" // a Kendo request is in flight (or was, when the process died)
	StatusDelivered  Status = "delivered"  // Kendo answered 201 with a callId
	StatusIgnored    Status = "ignored"    // not a phone call (SMS, appointment, test payload …)
	StatusSkipped    Status = "skipped"    // a call that has nothing Kendo can analyse (missed, no artifacts)
	StatusFailed     Status = "failed"     // Kendo refused it for good, or retries ran out
)

// Final reports whether no more work is planned for a call in this status.
func (s Status) Final() bool {
	switch s {
	case StatusDelivered, StatusIgnored, StatusSkipped, StatusFailed:
		return true
	}
	return false
}

// Receipt is what /push answers once an event is durably stored.
type Receipt struct {
	AlowareCallID string     `json:"alowareCallId,omitempty" doc:"Aloware communication id the event belongs to"`
	Event         string     `json:"event,omitempty" doc:"Aloware event name as received"`
	Status        Status     `json:"status" enum:"received,scheduled,delivering,delivered,ignored,skipped,failed"`
	Reason        string     `json:"reason,omitempty" doc:"why the call is waiting, ignored, skipped or failed"`
	CallID        string     `json:"callId,omitempty" doc:"Kendo's callId once delivered"`
	Duplicate     bool       `json:"duplicate,omitempty" doc:"true when the call had already been delivered"`
	DeliverAfter  *time.Time `json:"deliverAfter,omitempty" doc:"earliest time the call will be sent to Kendo"`
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
	CallID        string      `json:"callId,omitempty"`
	Attempts      int         `json:"attempts"`
	NextAttemptAt *time.Time  `json:"nextAttemptAt,omitempty"`
	LastError     string      `json:"lastError,omitempty"`
	FirstSeenAt   time.Time   `json:"firstSeenAt"`
	UpdatedAt     time.Time   `json:"updatedAt"`
	DeliveredAt   *time.Time  `json:"deliveredAt,omitempty"`
	Events        []EventSeen `json:"events"`
}

var (
	// ErrNotFound: no event of this call id was ever stored.
	ErrNotFound = errors.New("call not found")
	// ErrNotRedeliverable: redelivery is only for failed calls.
	ErrNotRedeliverable = errors.New("only a failed call can be redelivered")
)
