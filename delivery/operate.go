package delivery

import (
	"context"
	"errors"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/mapping"
	"github.com/aloware-kendo/aloware-kendo/preflight"
)

// errNotYet marks operator methods whose engine side is still being built.
var errNotYet = errors.New("not implemented yet")

// ListCalls lists calls newest first (by first-seen time), filtered.
func (s *Service) ListCalls(ctx context.Context, f ListFilter) (CallPage, error) {
	return CallPage{}, errNotYet
}

// RedeliverMany queues every redeliverable call the filter matches (failed, skipped,
// unrouted), each at most once however often it is asked; by names who asked (for the
// reason shown on each call).
func (s *Service) RedeliverMany(ctx context.Context, f ListFilter, by string) (BulkResult, error) {
	return BulkResult{}, errNotYet
}

// Skip stops a waiting delivery (received, scheduled or unrouted): the call becomes
// skipped and by is named in its reason. ErrNotFound, or ErrNotSkippable.
func (s *Service) Skip(ctx context.Context, alowareCallID, by string) (CallRecord, error) {
	return CallRecord{}, errNotYet
}

// Erase deletes a call's stored content now, cancels a pending delivery and leaves the
// tombstone status erased. ErrNotFound for an id never seen.
func (s *Service) Erase(ctx context.Context, alowareCallID string) (CallRecord, error) {
	return CallRecord{}, errNotYet
}

// Quarantine lists quarantined events, newest first.
func (s *Service) Quarantine(ctx context.Context, limit int, cursor string) (QuarantinePage, error) {
	return QuarantinePage{}, errNotYet
}

// ReplayQuarantine re-reads every quarantined event with the current code and feeds the
// ones that now parse into their calls, in arrival order.
func (s *Service) ReplayQuarantine(ctx context.Context) (ReplayResult, error) {
	return ReplayResult{}, errNotYet
}

// Overview is the ops page's tiles, key windows and deliveries chart.
func (s *Service) Overview(ctx context.Context) (Overview, error) {
	return Overview{}, errNotYet
}

// Preview is the payload that was (delivered calls) or will be sent, with the verdict
// and warnings, as /map shows it. It is not masked: the caller masks what it shows.
// ErrNotFound, or ErrPurged once the call's content is gone.
func (s *Service) Preview(ctx context.Context, alowareCallID string) (mapping.Result, error) {
	return mapping.Result{}, errNotYet
}

// Checks runs the preflight checks the service can run on itself (database, Kendo keys,
// Aloware token, inbound auth, teams file).
func (s *Service) Checks(ctx context.Context) []preflight.Check { return nil }

// RecordAnalysis applies one verified Kendo webhook delivery (raw is its body as received).
func (s *Service) RecordAnalysis(ctx context.Context, ev kendo.WebhookEvent, raw []byte) (WebhookResult, error) {
	return "", errNotYet
}
