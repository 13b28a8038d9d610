package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/aloware-kendo/aloware-kendo/tracing"
)

// A call that becomes scheduled gets its delivery job in the same transaction, but not by
// one River insert each: the transaction collects the jobs it schedules and inserts them
// all in one statement just before it commits — for SQLite's group commit, one statement
// for every call a group of events scheduled. River's insert is parsed anew each time on
// SQLite and was half an event's CPU; once per commit it is a small share.

// pendingJobs collects the jobs one transaction schedules.
type pendingJobs struct {
	jobs []pendingJob
}

type pendingJob struct {
	alowareCallID string
	generation    int64
	deliverAfter  *time.Time
	traceparent   string // the span that scheduled the job, which the delivery links to
}

type pendingKey struct{}

// withPending gives a transaction's context the collector its scheduling writes to.
func withPending(ctx context.Context) (context.Context, *pendingJobs) {
	p := &pendingJobs{}
	return context.WithValue(ctx, pendingKey{}, p), p
}

// schedule asks for the job of a call's current generation, inserted before the
// transaction in ctx commits.
func schedule(ctx context.Context, alowareCallID string, generation int64, deliverAfter *time.Time) error {
	p, ok := ctx.Value(pendingKey{}).(*pendingJobs)
	if !ok {
		return errors.New("delivery: scheduling outside a transaction of the engine")
	}
	p.jobs = append(p.jobs, pendingJob{alowareCallID: alowareCallID, generation: generation, deliverAfter: deliverAfter,
		traceparent: tracing.Traceparent(ctx)})
	return nil
}

// insertJobs inserts the jobs the transactions of one commit scheduled, and records each
// job's id on its call.
func (s *Service) insertJobs(ctx context.Context, tx *sql.Tx, pending []*pendingJobs) error {
	var jobs []pendingJob
	for _, p := range pending {
		jobs = append(jobs, p.jobs...)
	}
	if len(jobs) == 0 {
		return nil
	}
	now := s.now()
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		opts := DeliverArgs{}.InsertOpts()
		// A call due later than riverLag is inserted to run when it is due (River does not
		// run it before; its scheduler may start it up to riverLag late, which a settle
		// affords); a call due sooner runs now and snoozes the rest, on time.
		if j.deliverAfter != nil && j.deliverAfter.Sub(now) > riverLag {
			opts.ScheduledAt = *j.deliverAfter
		}
		opts.Metadata = jobMetadata(j.traceparent)
		params[i] = river.InsertManyParams{Args: DeliverArgs{AlowareCallID: j.alowareCallID, Generation: j.generation}, InsertOpts: &opts}
	}
	res, err := s.river.InsertManyTx(ctx, tx, params)
	if err != nil {
		return fmt.Errorf("delivery: schedule: %w", err)
	}
	if len(res) != len(jobs) {
		return errors.New("delivery: schedule: River answered for a different number of jobs")
	}
	for i, j := range jobs {
		if err := s.db.SetJob(ctx, tx, j.alowareCallID, j.generation, res[i].Job.ID); err != nil {
			return err
		}
	}
	return nil
}
