package ui

import (
	"context"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/preflight"
)

// Engine is what the ops page reads and asks of the delivery engine (*delivery.Service
// implements it). It is declared here, by its consumer, so the page's tests can run
// against a fake while the real engine is built, and against the real one after.
type Engine interface {
	// Overview is the tiles, the key windows and the deliveries chart.
	Overview(ctx context.Context) (delivery.Overview, error)
	// ListCalls lists calls newest first, filtered and paged.
	ListCalls(ctx context.Context, f delivery.ListFilter) (delivery.CallPage, error)
	// Call is one call's record, or delivery.ErrNotFound. Its Payload (the body sent, or
	// that would be sent) is not masked: the page masks.
	Call(ctx context.Context, alowareCallID string) (delivery.CallRecord, error)
	// Redeliver schedules a failed call again (delivery.ErrNotRedeliverable, ErrPurged,
	// ErrOutcomeUnknown otherwise); by is named in the reason.
	Redeliver(ctx context.Context, alowareCallID string, opts delivery.RedeliverOptions, by string) (delivery.CallRecord, error)
	// RedeliverMany queues every redeliverable call the filter matches, each at most once,
	// outcome-unknown ones only when opts says so; a dry run counts and queues nothing.
	RedeliverMany(ctx context.Context, f delivery.ListFilter, opts delivery.BulkOptions, by string) (delivery.BulkResult, error)
	// Skip stops a call that is not sent yet (delivery.ErrNotSkippable otherwise); by is named in the reason.
	Skip(ctx context.Context, alowareCallID, by string) (delivery.CallRecord, error)
	// Erase deletes the call's stored content now and leaves the tombstone status erased;
	// by is named in the reason.
	Erase(ctx context.Context, alowareCallID, by string) (delivery.CallRecord, error)
	// Quarantine lists the events that could not be used, newest first.
	Quarantine(ctx context.Context, limit int, cursor string) (delivery.QuarantinePage, error)
	// ReplayQuarantine re-reads every quarantined event with the current code; by names who asked.
	ReplayQuarantine(ctx context.Context, by string) (delivery.ReplayResult, error)
	// Checks runs the preflight checks of the running engine: the database, the Kendo keys.
	Checks(ctx context.Context) []preflight.Check
}

var _ Engine = (*delivery.Service)(nil)
