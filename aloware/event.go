// Package aloware turns one raw Aloware webhook delivery into a normalized Event.
//
// Aloware's communications arrive in several shapes: the {"event","body"} envelope with
// three naming styles ("Recording-Saved", "recording.saved", "Recording Saved"), its flat
// form as Aloware's own n8n trigger node outputs it, a bare communication object,
// Zapier's flattened Title-Case object and the {"test_payload":true} probe of "Save &
// Test Webhook". Parse accepts all of them (mapping/rules.go lists the rules, I1–K2). A field it cannot read is
// dropped with a warning (Event.Warnings) and the rest of the event is used; only input
// it cannot use at all is an *InputError, listing every problem found, located from the
// request-body root.
package aloware

// Kind says what an event is about. Only calls are sent to Kendo.
type Kind string

const (
	KindCall        Kind = "call"
	KindSMS         Kind = "sms"
	KindAppointment Kind = "appointment"
	KindOther       Kind = "other"
	KindTest        Kind = "test"
)

// Event is one parsed Aloware delivery.
type Event struct {
	Name          string        // the `event` value as sent ("" when none, e.g. bare object or test payload)
	Kind          Kind          // classified by body.type first, then by the event name
	AlowareCallID string        // communication id as a decimal string; "" when there is none
	Comm          Communication // normalized fields this event carried (zero/nil when absent)

	// Warnings lists the fields that were present but could not be read: each was
	// dropped and the rest of the event used (Field such as "body.body.wait_time",
	// Message ending in "; ignored"). At most 51: 50, then one that counts the rest.
	Warnings []Problem
}
