package delivery

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/aloware-kendo/aloware-kendo/aloware"
	"github.com/aloware-kendo/aloware-kendo/mapping"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// DeliverArgs is the one delivery job of a call. Generation changes only when a failed
// call is redelivered, so River's unique index allows exactly one live job per call.
type DeliverArgs struct {
	CallID     string `json:"call_id" river:"unique"`
	Generation int64  `json:"generation" river:"unique"`
}

// Kind names the job in River's table.
func (DeliverArgs) Kind() string { return "aloware_kendo_deliver" }

// Accept parses one raw Aloware event, stores it and updates its call in a single
// transaction, and schedules delivery when the call just became ready. Bad input is an
// *aloware.InputError and nothing is stored. Once Accept returns without error the event
// is committed: the caller may acknowledge it.
func (s *Service) Accept(ctx context.Context, raw []byte) (Receipt, error) {
	ev, err := aloware.Parse(raw)
	if err != nil {
		return Receipt{}, err
	}
	// The commit must not be cut short by a caller that hangs up mid-request: an event
	// that reached us is stored whatever the client does next.
	ctx = context.WithoutCancel(ctx)
	now := s.now()
	var rc Receipt
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		rc, err = s.accept(ctx, tx, ev, raw, now)
		return err
	})
	if err != nil {
		return Receipt{}, err
	}
	s.metrics.eventsReceived.WithLabelValues(string(ev.Kind)).Inc()
	if rc.Duplicate {
		s.metrics.deliveries.WithLabelValues("duplicate").Inc()
	}
	s.callLog(ev.CallID).Info("event stored", "event", ev.Name, "kind", ev.Kind, "status", rc.Status)
	return rc, nil
}

func (s *Service) accept(ctx context.Context, tx *sql.Tx, ev aloware.Event, raw []byte, now time.Time) (Receipt, error) {
	rc := Receipt{AlowareCallID: ev.CallID, Event: ev.Name}
	if err := store.InsertEvent(ctx, tx, store.Event{CallID: ev.CallID, Name: ev.Name, Kind: string(ev.Kind), ReceivedAt: now, Raw: raw}); err != nil {
		return rc, err
	}
	if ev.CallID == "" { // Aloware's "Save & Test Webhook" probe, or an event of no communication
		rc.Status, rc.Reason = StatusIgnored, ignoreReason(ev)
		return rc, nil
	}
	if err := store.EnsureCall(ctx, tx, ev.CallID, string(ev.Kind), string(StatusReceived), now); err != nil {
		return rc, err
	}
	call, err := s.db.LockCall(ctx, tx, ev.CallID)
	if err != nil {
		return rc, err
	}
	// A call that has its job (or is done) is not re-merged: the job maps the stored events
	// when it runs, and a repeat of a delivered call stays O(1) however many came before.
	job := false
	if !settled(Status(call.Status)) {
		merged, result, err := s.mapStored(ctx, tx, ev.CallID)
		if err != nil {
			return rc, err
		}
		job = decide(&call, merged, result, now, s.opts)
	}
	if job {
		if _, err := s.river.InsertTx(ctx, tx, DeliverArgs{CallID: call.CallID, Generation: call.Generation},
			&river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}); err != nil {
			return rc, fmt.Errorf("delivery: schedule: %w", err)
		}
	}
	call.Updated = now
	if err := store.SaveCall(ctx, tx, call); err != nil {
		return rc, err
	}
	rc.Status, rc.Reason, rc.KendoCallID = Status(call.Status), call.Reason, call.KendoCallID
	rc.Duplicate = call.Status == string(StatusDelivered)
	if call.Status == string(StatusScheduled) {
		rc.DeliverAfter = later(call.DeliverAfter, call.NextAttemptAt)
	}
	return rc, nil
}

// settled reports whether new events leave a call's status alone: delivered calls are
// done (repeats are duplicates), scheduled and delivering ones have their job, failed
// ones wait for an explicit redelivery.
func settled(s Status) bool {
	switch s {
	case StatusDelivered, StatusDelivering, StatusFailed, StatusScheduled:
		return true
	}
	return false
}

// decide moves an unsettled call along after a new event and reports whether a delivery
// job must be scheduled.
func decide(call *store.Call, merged mapping.Call, result mapping.Result, now time.Time, o Options) (scheduleJob bool) {
	call.Kind = string(merged.Kind)
	if merged.Complete && call.CompleteAt == nil {
		call.CompleteAt = &now
	}
	switch result.State {
	case mapping.StateIgnored:
		call.Status, call.Reason = string(StatusIgnored), result.Reason
	case mapping.StateUnanswered:
		call.Status, call.Reason = string(StatusSkipped), result.Reason
	case mapping.StateReady:
		if call.ReadyAt == nil {
			call.ReadyAt = &now
		}
		after := call.ReadyAt.Add(o.Settle)
		call.DeliverAfter = &after
		call.Status, call.Reason = string(StatusScheduled), ""
		return true
	default: // in progress, or finished and waiting for its recording or transcript
		call.Status, call.Reason = string(StatusReceived), result.Reason
	}
	return false
}

// mapStored re-reads every stored event of a call and runs the one merge and map that
// /map uses too. Events are few per call; re-merging keeps "latest state wins" exact.
func (s *Service) mapStored(ctx context.Context, q store.Querier, callID string) (mapping.Call, mapping.Result, error) {
	stored, err := store.Events(ctx, q, callID, true)
	if err != nil {
		return mapping.Call{}, mapping.Result{}, err
	}
	events := make([]aloware.Event, 0, len(stored))
	for _, e := range stored {
		ev, err := aloware.Parse(e.Raw)
		if err != nil { // stored events were parsed once already; a parser change may refuse one
			s.callLog(callID).Warn("stored event no longer parses; left out of the merge", "event", e.Name, "storedEventId", e.ID)
			continue
		}
		events = append(events, ev)
	}
	merged := mapping.Merge(events)
	return merged, mapping.Map(merged), nil
}

func ignoreReason(ev aloware.Event) string {
	if ev.Kind == aloware.KindTest {
		return "Aloware test payload"
	}
	return "event carries no communication id"
}

func later(a, b *time.Time) *time.Time {
	switch {
	case a == nil:
		return b
	case b == nil || a.After(*b):
		return a
	}
	return b
}

// inTx runs fn in a transaction and commits it.
func (s *Service) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delivery: begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("delivery: commit: %w", err)
	}
	return nil
}
