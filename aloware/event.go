// Package aloware turns one raw Aloware webhook delivery into a normalized Event.
//
// Aloware sends the same communication in several shapes (see
// /work/shared/reference/aloware.md): the {"event","body"} envelope with three naming
// styles, a bare communication object, Zapier's flattened Title-Case object and the
// {"test_payload":true} probe. Parse accepts all of them. A field it cannot read is
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

// Shape is the wire form an event arrived in.
type Shape string

const (
	ShapeEnvelope Shape = "envelope" // {"event": "...", "body": {...}}
	ShapeBare     Shape = "bare"     // a communication object without envelope
	ShapeZapier   Shape = "zapier"   // Zapier's flattened Title-Case object
	ShapeTest     Shape = "test"     // {"test_payload": true}
)

// Event is one parsed Aloware delivery.
type Event struct {
	Name   string        // the `event` value as sent ("" when none, e.g. bare object or test payload)
	Kind   Kind          // classified by body.type first, then by the event name
	CallID string        // communication id as a decimal string; "" when there is none
	Comm   Communication // normalized fields this event carried (zero/nil when absent)
	Shape  Shape         // which wire form it arrived in

	// Warnings lists the fields that were present but could not be read: each was
	// dropped and the rest of the event used (Field such as "body.body.wait_time",
	// Message ending in "; ignored"). At most 51: 50, then one that counts the rest.
	Warnings []Problem
}
