package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
	"github.com/aloware-kendo/aloware-kendo/tracing"
)

// callTx is one transaction of the engine, passed by hand to whatever changes a call in
// it. A change always takes the same steps:
//
//	call, err := t.lock(ctx, alowareCallID)        // the call's row, locked
//	eff, err := t.apply(ctx, &call, input, now, job) // lifecycle.Apply, its effects, the save
//
// apply carries out the effects that belong in the transaction: the delivery job of a
// new generation (collected here and inserted with the others of the commit in one
// statement, just before it), the job to wake, cancel or complete. What must happen only
// once the transaction has committed — counting attempts and ends in the metrics — is collected
// in tally, and the committer counts it after the commit: a transaction that is retried
// or rolled back has counted nothing.
type callTx struct {
	s     *Service
	tx    *sql.Tx
	jobs  []newJob
	tally tally
}

// newJob is a delivery job this transaction inserts before it commits.
type newJob struct {
	alowareCallID string
	generation    int64
	deliverAfter  *time.Time
	traceparent   string // the span that scheduled the job, which the delivery links to
}

// lock reads a call's row and locks it until the transaction ends (store.ErrNoCall when
// there is none).
func (t *callTx) lock(ctx context.Context, alowareCallID string) (store.Call, error) {
	return t.s.db.LockCall(ctx, t.tx, alowareCallID)
}

// lockAll reads the calls' rows, in id order, and locks them until the transaction ends;
// a call without a row is left out.
func (t *callTx) lockAll(ctx context.Context, alowareCallIDs []string) ([]store.Call, error) {
	return t.s.db.LockCalls(ctx, t.tx, alowareCallIDs)
}

// apply runs one transition on a locked call, carries out its effects and saves the
// call. job is the delivery job running it, if any: completed here when the transition
// says so. lifecycle.ErrNotApplicable when the input does not apply to the call's state
// (nothing is changed then).
func (t *callTx) apply(ctx context.Context, call *store.Call, in lifecycle.Input, now time.Time, job *river.Job[DeliverArgs]) (lifecycle.Effects, error) {
	return t.applySaving(ctx, call, in, now, job, t.save)
}

// applySaving is apply with the call's row written by save: a batch of calls (the
// retention's purge) collects its rows and writes them in one statement before it
// commits.
func (t *callTx) applySaving(ctx context.Context, call *store.Call, in lifecycle.Input, now time.Time, job *river.Job[DeliverArgs],
	save func(context.Context, store.Call) error) (lifecycle.Effects, error) {
	next, eff, err := lifecycle.Apply(call.State, in, now, t.s.policy)
	if err != nil {
		return eff, err
	}
	if err := t.raiseForTransition(ctx, call.State, next, call.AlowareCallID, now); err != nil {
		return eff, err
	}
	call.State, call.Updated = next, now
	if err := t.carryOut(ctx, call, eff, tracing.Traceparent(ctx)); err != nil {
		return eff, err
	}
	if err := save(ctx, *call); err != nil {
		return eff, err
	}
	if eff.CompleteJob && job != nil {
		if err := t.complete(ctx, job); err != nil {
			return eff, err
		}
	}
	if eff.Attempt != "" {
		t.tally.attempt(eff.Attempt, call.Team)
	}
	if eff.Ended != "" {
		if err := t.s.db.RecordCallEnd(ctx, t.tx, call.AlowareCallID, call.Team, eff.Ended, now); err != nil {
			return eff, err
		}
		t.tally.ended(eff.Ended, call.Team)
	}
	return eff, nil
}

// save writes a call's row (apply saves; this is for changes that are not a transition).
func (t *callTx) save(ctx context.Context, call store.Call) error {
	return t.s.db.SaveCall(ctx, t.tx, call)
}

// carryOut does the job effects of a transition inside the transaction.
func (t *callTx) carryOut(ctx context.Context, call *store.Call, eff lifecycle.Effects, traceparent string) error {
	switch {
	case eff.ScheduleJob:
		call.JobID = 0 // set when the job is inserted, before the commit
		t.jobs = append(t.jobs, newJob{alowareCallID: call.AlowareCallID, generation: call.Generation,
			deliverAfter: call.DeliverAfter, traceparent: traceparent})
	case eff.WakeJob && call.JobID != 0:
		if _, err := t.s.river.JobRetryTx(ctx, t.tx, call.JobID); err != nil && !errors.Is(err, rivertype.ErrNotFound) {
			return fmt.Errorf("delivery: wake job: %w", err)
		}
	case eff.CancelJob && call.JobID != 0:
		if _, err := t.s.river.JobCancelTx(ctx, t.tx, call.JobID); err != nil && !errors.Is(err, rivertype.ErrNotFound) {
			return fmt.Errorf("delivery: cancel job: %w", err)
		}
	}
	return nil
}

// complete marks the running job completed in the transaction. A job another run has
// finished in the meantime (a rescue) is not an error: the call row is what counts.
func (t *callTx) complete(ctx context.Context, job *river.Job[DeliverArgs]) error {
	err := t.s.completeTx(ctx, t.tx, job)
	if errors.Is(err, rivertype.ErrNotFound) {
		return nil
	}
	return err
}

// inTx runs fn in a call transaction of its own, retried on PostgreSQL's connection
// failures and serialization races (fn must be safe to run again).
func (s *Service) inTx(ctx context.Context, fn func(ctx context.Context, t *callTx) error) error {
	return retryingTx{s: s}.do(ctx, fn)
}

// transition applies one input to one call in a transaction of its own.
func (s *Service) transition(ctx context.Context, alowareCallID string, in lifecycle.Input) error {
	now := s.now()
	return s.inTx(ctx, func(ctx context.Context, t *callTx) error {
		call, err := t.lock(ctx, alowareCallID)
		if err != nil {
			return err
		}
		_, err = t.apply(ctx, &call, in, now, nil)
		return err
	})
}

// beforeCommit runs last in every transaction with the call transactions it holds (one,
// or on SQLite's group commit one per request that succeeded): the delivery jobs they
// scheduled are inserted in one statement.
func (s *Service) beforeCommit(ctx context.Context, tx *sql.Tx, txs []*callTx) error {
	var jobs []newJob
	for _, t := range txs {
		jobs = append(jobs, t.jobs...)
	}
	return s.insertJobs(ctx, tx, jobs)
}

// afterCommit counts what the committed call transactions collected.
func (s *Service) afterCommit(txs []*callTx) {
	for _, t := range txs {
		s.metrics.count(t.tally)
	}
}
