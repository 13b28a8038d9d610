// Package lifecycle is a call's life on its way to Kendo as one pure state machine: an
// event or an outcome goes in, the next state and what to do about it come out. Every
// change of a call's status goes through Apply; the delivery engine only stores the
// result and carries out the effects. Nothing here touches a database or the network,
// so the whole table of transitions is tested without either.
package lifecycle

// Status is where a call stands. It is the one definition: the database, the HTTP
// answers and the ops page all use these values.
type Status string

const (
	Received   Status = "received"   // events stored; the call is not finished, or waits for its recording/transcript
	Scheduled  Status = "scheduled"  // ready; waits for its settle time, a pacing slot, a retry or a paused key
	Delivering Status = "delivering" // a Kendo request is in flight (or was, when the process stopped)
	Delivered  Status = "delivered"  // Kendo answered 201 with a callId
	Analyzed   Status = "analyzed"   // delivered, and Kendo's webhook said its analysis is ready
	Ignored    Status = "ignored"    // not a phone call (SMS, appointment, contact, test payload …)
	Skipped    Status = "skipped"    // nothing Kendo could analyse (missed, no recording), or an operator stopped it
	Failed     Status = "failed"     // Kendo refused it, retries ran out, or its outcome is unknown: needs an operator
	Unrouted   Status = "unrouted"   // ready, but no team's match holds and there is no default team
	Erased     Status = "erased"     // its content was erased on request; later events are acknowledged and dropped
)

// Quarantined is not a call's status but an event's: /push answers it for a JSON object
// it stored but cannot use (no readable call id, an unknown shape).
const Quarantined Status = "quarantined"

// CallStatuses lists every status a call can have, in the order a call usually meets them.
func CallStatuses() []Status {
	return []Status{Received, Scheduled, Delivering, Delivered, Analyzed, Ignored, Skipped, Failed, Unrouted, Erased}
}

// ReceiptStatuses lists every status /push can answer: a call's, or quarantined.
func ReceiptStatuses() []Status { return append(CallStatuses(), Quarantined) }

// Final reports whether no more work is planned for a call in this status without an
// operator or a new event: /push?wait= stops waiting there.
func (s Status) Final() bool {
	switch s {
	case Delivered, Analyzed, Ignored, Skipped, Failed, Unrouted, Erased, Quarantined:
		return true
	}
	return false
}

// Retained reports whether --retain applies to a call in this status: it is finished
// (delivered, skipped, ignored, failed), so its content is purged once it is
// older than the retention. Unrouted is not: it waits for the teams file to be fixed.
func (s Status) Retained() bool {
	switch s {
	case Delivered, Analyzed, Ignored, Skipped, Failed:
		return true
	}
	return false
}

// RetainedStatuses lists the statuses Retained reports.
func RetainedStatuses() []Status { return statusesWhere(Status.Retained) }

// Queued reports whether the call is in the delivery queue: scheduled (its job waits for
// its time, a pacing slot, a retry or a paused key) or delivering (its request is in
// flight). The overview's queue, its oldest call and the queue-depth metric count these.
func (s Status) Queued() bool { return s == Scheduled || s == Delivering }

// QueuedStatuses lists the statuses Queued reports.
func QueuedStatuses() []Status { return statusesWhere(Status.Queued) }

func statusesWhere(holds func(Status) bool) []Status {
	var out []Status
	for _, st := range CallStatuses() {
		if holds(st) {
			out = append(out, st)
		}
	}
	return out
}

// Redeliverable reports whether an operator may have the call sent (again): it failed,
// was skipped, or no team took it. (Apply still refuses one that has nothing to send.)
func (s Status) Redeliverable() bool { return s == Failed || s == Skipped || s == Unrouted }

// RedeliverableStatuses lists the statuses Redeliverable reports.
func RedeliverableStatuses() []Status { return statusesWhere(Status.Redeliverable) }

// Skippable reports whether an operator may stop the call: it is not sent yet (received,
// scheduled or unrouted; a request in flight cannot be called back).
func (s Status) Skippable() bool { return s == Received || s == Scheduled || s == Unrouted }

// Sent reports whether Kendo has the call.
func (s Status) Sent() bool { return s == Delivered || s == Analyzed }

// Valid reports whether s is one of the call statuses.
func (s Status) Valid() bool {
	for _, c := range CallStatuses() {
		if s == c {
			return true
		}
	}
	return false
}
