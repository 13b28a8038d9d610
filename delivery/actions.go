package delivery

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// RedeliverOptions is what an operator says with a redelivery of one call.
type RedeliverOptions struct {
	// IncludeOutcomeUnknown: the operator checked Kendo and accepts sending a call whose
	// earlier request may have reached it; without it such a call is ErrOutcomeUnknown.
	IncludeOutcomeUnknown bool
}

// Redeliver queues a failed, skipped or unrouted call again (routing it again under the
// current teams file): a new generation, so River accepts a new job for it. by names who
// asked, in the log and in the call's reason.
func (s *Service) Redeliver(ctx context.Context, alowareCallID string, opts RedeliverOptions, by string) (CallRecord, error) {
	if _, err := s.redeliver(ctx, alowareCallID, by, opts.IncludeOutcomeUnknown); err != nil {
		return CallRecord{}, err
	}
	return s.Call(ctx, alowareCallID)
}

// redeliver routes the call again and queues it; queued is false when it stays
// unrouted (no team of the current file takes it).
func (s *Service) redeliver(ctx context.Context, alowareCallID, by string, outcomeUnknownOK bool) (queued bool, err error) {
	now := s.now()
	err = s.inTx(ctx, func(ctx context.Context, t *callTx) error {
		queued, err = s.redeliverIn(ctx, t, alowareCallID, by, now, outcomeUnknownOK)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNoCall):
		return false, ErrNotFound
	case err == nil && queued:
		s.callLog(alowareCallID).Info("redelivery requested", "by", by)
	case err == nil:
		s.callLog(alowareCallID).Warn("redelivery requested, but no team takes the call: it stays unrouted", "by", by)
	}
	return queued, err
}

// ErrOutcomeUnknown: the call may already be at Kendo (a request reached it and no answer
// was recorded), and the redelivery did not say that this risk is accepted.
var ErrOutcomeUnknown = errors.New("delivery: Kendo may already have this call: an earlier request reached it and no answer was recorded")

// redeliverIn queues one call again inside tx: its row is locked, so however many ask at
// once, one of them queues it and the others find it no longer redeliverable. queued is
// false when the call stays unrouted. A call Kendo may already have is queued only with
// outcomeUnknownOK (ErrOutcomeUnknown otherwise), decided under the same lock; a purged
// call cannot be sent at all, and says so first (ErrPurged).
func (s *Service) redeliverIn(ctx context.Context, t *callTx, alowareCallID, by string, now time.Time, outcomeUnknownOK bool) (queued bool, err error) {
	call, err := t.lock(ctx, alowareCallID)
	if err != nil {
		return false, err
	}
	if call.OutcomeUnknown && call.Status.Redeliverable() && call.PurgedAt == nil && !outcomeUnknownOK {
		return false, ErrOutcomeUnknown
	}
	in := lifecycle.Redeliver{By: by}
	if call.PurgedAt == nil {
		merged, err := s.mergedCall(ctx, t.tx, call)
		if err != nil {
			return false, err
		}
		in.Team, in.Routed, in.Unrouted = s.route(merged)
	}
	_, err = t.apply(ctx, &call, in, now, nil)
	return in.Routed, err
}

// RedeliverMany queues every redeliverable call the filter matches (failed, skipped
// with something to send, unrouted), each at most once however often it is asked: a
// call already queued is no longer redeliverable. A call Kendo may already have
// (outcome unknown) is queued only when opts asks for it; a dry run answers the same
// counts and queues nothing. by names who asked (for the reason shown on each call).
// They go out at the normal pace.
func (s *Service) RedeliverMany(ctx context.Context, f ListFilter, opts BulkOptions, by string) (BulkResult, error) {
	res := BulkResult{Excluded: map[string]int{}}
	sf := storeFilter(f)
	if len(sf.Statuses) == 0 {
		sf.Statuses = lifecycle.RedeliverableStatuses()
	} else {
		sf.Statuses = slices.DeleteFunc(slices.Clone(sf.Statuses), func(st lifecycle.Status) bool { return !st.Redeliverable() })
		if len(sf.Statuses) == 0 {
			return res, nil
		}
	}
	ids, err := s.db.CallIDs(ctx, sf)
	if err != nil {
		return res, err
	}
	// One order for every bulk redelivery, so two at once lock their calls in the same
	// order (PostgreSQL) instead of deadlocking.
	slices.Sort(ids)
	res.Matched = len(ids)
	for batch := range slices.Chunk(ids, bulkBatchSize) {
		out, err := s.redeliverBatch(ctx, batch, opts, by)
		res.Queued += len(out.queued)
		for reason, n := range out.excluded {
			res.Excluded[reason] += n
		}
		if err != nil {
			return res, err
		}
		if opts.DryRun {
			continue
		}
		for _, id := range out.queued {
			s.callLog(id).Info("redelivery requested", "by", by)
		}
		for _, id := range out.unrouted {
			s.callLog(id).Warn("redelivery requested, but no team takes the call: it stays unrouted", "by", by)
		}
	}
	s.log.Info("bulk redelivery", "by", by, "dryRun", opts.DryRun, "includeOutcomeUnknown", opts.IncludeOutcomeUnknown,
		"matched", res.Matched, "queued", res.Queued, "excluded", res.Excluded)
	return res, nil
}

// bulkBatchSize is how many calls one transaction of a bulk redelivery queues. A commit
// is most of a call's cost (SQLite's fsync, PostgreSQL's WAL flush): 1,000 failed calls
// took 5–12 s to queue one transaction each, 1–3 s in batches of 100. A batch holds its
// calls (and, on SQLite, the database) for about 100 ms: an event or a delivery that
// needs one of them meanwhile waits that long.
const bulkBatchSize = 100

type batchOutcome struct {
	queued, unrouted []string
	excluded         map[string]int
}

// errDryRun rolls a dry run's transaction back once it has counted.
var errDryRun = errors.New("delivery: dry run")

// redeliverBatch queues the redeliverable calls of ids in one transaction and says which
// it queued and why it left the others as they are (outcome unknown, no longer
// redeliverable, purged, gone, or still unrouted). A dry run does exactly the same in a
// transaction it rolls back, so its answer is what a real run would have done then.
func (s *Service) redeliverBatch(ctx context.Context, ids []string, opts BulkOptions, by string) (batchOutcome, error) {
	now := s.now()
	var out batchOutcome
	err := s.inTx(ctx, func(ctx context.Context, t *callTx) error {
		out = batchOutcome{excluded: map[string]int{}} // the transaction may run again
		for _, id := range ids {
			routed, err := s.redeliverIn(ctx, t, id, by, now, opts.IncludeOutcomeUnknown)
			switch {
			case err == nil && routed:
				out.queued = append(out.queued, id)
			case err == nil:
				out.unrouted = append(out.unrouted, id)
				out.excluded[ExcludedUnrouted]++
			case errors.Is(err, ErrOutcomeUnknown):
				out.excluded[ExcludedOutcomeUnknown]++
			case errors.Is(err, ErrPurged):
				out.excluded[ExcludedPurged]++
			case errors.Is(err, ErrNotRedeliverable), errors.Is(err, store.ErrNoCall):
				out.excluded[ExcludedNotRedeliverable]++
			default:
				return err
			}
		}
		if opts.DryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	if err != nil {
		return batchOutcome{}, err
	}
	return out, nil
}

// Skip stops a call that is not sent yet (received, scheduled or unrouted): the call becomes
// skipped and by is named in its reason. ErrNotFound, or ErrNotSkippable.
func (s *Service) Skip(ctx context.Context, alowareCallID, by string) (CallRecord, error) {
	err := s.transition(ctx, alowareCallID, lifecycle.Skip{By: by})
	if errors.Is(err, store.ErrNoCall) {
		return CallRecord{}, ErrNotFound
	}
	if err != nil {
		return CallRecord{}, err
	}
	s.callLog(alowareCallID).Info("call skipped by an operator", "by", by)
	return s.Call(ctx, alowareCallID)
}

// Erase deletes a call's stored content now (the right to erasure), cancels a pending
// delivery and leaves the tombstone status erased, its reason naming by: later events of
// the call are acknowledged and dropped, never sent. ErrNotFound for an id never seen.
func (s *Service) Erase(ctx context.Context, alowareCallID, by string) (CallRecord, error) {
	now := s.now()
	err := s.inTx(ctx, func(ctx context.Context, t *callTx) error {
		call, err := t.lock(ctx, alowareCallID)
		if err != nil {
			return err
		}
		if err := s.dropContent(ctx, t.tx, &call); err != nil {
			return err
		}
		if call.KendoCallID != "" { // Kendo's analysis webhooks carry the agent's name
			if err := s.db.EraseWebhooks(ctx, t.tx, call.KendoCallID); err != nil {
				return err
			}
		}
		_, err = t.apply(ctx, &call, lifecycle.Erase{By: by}, now, nil)
		return err
	})
	if errors.Is(err, store.ErrNoCall) {
		return CallRecord{}, ErrNotFound
	}
	if err != nil {
		return CallRecord{}, err
	}
	s.forget(context.WithoutCancel(ctx), "erasure") // before answering: erased means gone from the files too
	s.callLog(alowareCallID).Info("call content erased on request", "by", by)
	return s.Call(ctx, alowareCallID)
}
