package handlers

import (
	"context"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
)

// Intake is what /push and /readyz need from the delivery service (*delivery.Service
// implements it; one call's record and its redelivery are the Operator's). It is declared here, by its consumer, so tests can substitute it and
// the edge depends on behaviour, not on the engine's construction.
type Intake interface {
	// Accept parses one raw event, stores it durably and decides what happens to its
	// call. A JSON object it stored but cannot use is a receipt with status quarantined
	// and its problems. An *aloware.InputError means the body is not a JSON object (or
	// the quarantine is full) and nothing was stored; its NotJSON tells a body that is
	// not JSON at all (the edge answers 400) from one that is (422). Any other error
	// also means nothing was stored (Accept only fails before its commit).
	Accept(ctx context.Context, raw []byte) (delivery.Receipt, error)
	// Wait blocks until the call reaches a final status or max elapses, and returns
	// the receipt as it stands then.
	Wait(ctx context.Context, alowareCallID string, max time.Duration) (delivery.Receipt, error)
	// Ready reports whether the service can take work: a write to the database would
	// succeed now (the engine caches a write probe for a few seconds).
	Ready(ctx context.Context) error
}
