package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/aloware-kendo/aloware-kendo/store"
)

// Call returns the state of one call, with the names and times of its events.
func (s *Service) Call(ctx context.Context, callID string) (CallRecord, error) {
	call, err := s.db.GetCall(ctx, callID)
	if errors.Is(err, store.ErrNoCall) {
		return CallRecord{}, ErrNotFound
	}
	if err != nil {
		return CallRecord{}, err
	}
	events, err := store.Events(ctx, s.db.SQL, callID, false)
	if err != nil {
		return CallRecord{}, err
	}
	rec := CallRecord{
		AlowareCallID: call.CallID,
		Status:        Status(call.Status),
		Reason:        call.Reason,
		KendoCallID:   call.KendoCallID,
		Attempts:      call.Attempts,
		LastError:     call.LastError,
		FirstSeenAt:   call.FirstSeen,
		UpdatedAt:     call.Updated,
		DeliveredAt:   call.DeliveredAt,
		Events:        make([]EventSeen, 0, len(events)),
	}
	if rec.Status == StatusScheduled {
		rec.NextAttemptAt = later(call.DeliverAfter, call.NextAttemptAt)
	}
	for _, e := range events {
		rec.Events = append(rec.Events, EventSeen{Name: e.Name, Kind: e.Kind, ReceivedAt: e.ReceivedAt})
	}
	return rec, nil
}

// Redeliver re-queues a failed call: a new generation, so River accepts a new job for it.
func (s *Service) Redeliver(ctx context.Context, callID string) (CallRecord, error) {
	now := s.now()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		call, err := s.db.LockCall(ctx, tx, callID)
		if errors.Is(err, store.ErrNoCall) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if call.Status != string(StatusFailed) {
			return ErrNotRedeliverable
		}
		call.Generation++
		call.Status, call.Reason, call.Updated = string(StatusScheduled), "redelivery requested", now
		call.DeliverAfter, call.NextAttemptAt, call.FirstAttemptAt, call.Shrunk = &now, nil, nil, false
		if _, err := s.river.InsertTx(ctx, tx, DeliverArgs{CallID: callID, Generation: call.Generation},
			&river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}); err != nil {
			return fmt.Errorf("delivery: schedule: %w", err)
		}
		return store.SaveCall(ctx, tx, call)
	})
	if err != nil {
		return CallRecord{}, err
	}
	s.callLog(callID).Info("redelivery requested")
	return s.Call(ctx, callID)
}

// waitPoll is how often a waiting caller re-reads its call. Polling the row (rather than
// an in-process signal) sees deliveries made by any replica.
const waitPoll = 100 * time.Millisecond

// Wait holds until the call reaches a final status or max has passed, and returns the
// receipt as it then stands. It never holds longer than max.
func (s *Service) Wait(ctx context.Context, callID string, max time.Duration) (Receipt, error) {
	ctx, cancel := context.WithTimeout(ctx, max)
	defer cancel()
	tick := time.NewTicker(waitPoll)
	defer tick.Stop()
	for {
		rec, err := s.Call(ctx, callID)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return Receipt{}, err
		}
		if rec.Status.Final() {
			return receiptOf(rec), nil
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
			continue
		}
		break
	}
	// The wait is over: answer with the state as it is now, on a fresh context.
	rec, err := s.Call(context.WithoutCancel(ctx), callID)
	if err != nil {
		return Receipt{}, err
	}
	return receiptOf(rec), nil
}

func receiptOf(rec CallRecord) Receipt {
	return Receipt{AlowareCallID: rec.AlowareCallID, Status: rec.Status, Reason: rec.Reason, KendoCallID: rec.KendoCallID, DeliverAfter: rec.NextAttemptAt}
}

// sweepLoop ends calls that finished but never got a recording or transcript within
// ArtifactWait. It is one idempotent UPDATE, so every replica may run it.
func (s *Service) sweepLoop(ctx context.Context) {
	every := min(max(s.opts.ArtifactWait/4, 200*time.Millisecond), 30*time.Second)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := s.now()
		reason := fmt.Sprintf("no recording or transcript arrived within %s of the call's end", s.opts.ArtifactWait)
		ids, err := s.db.SkipStale(ctx, string(StatusReceived), reason, now.Add(-s.opts.ArtifactWait), now)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("skipping stale calls failed", "error", err)
			}
			continue
		}
		for _, id := range ids {
			s.metrics.deliveries.WithLabelValues("skipped").Inc()
			s.callLog(id).Info("call skipped", "reason", reason)
		}
	}
}
