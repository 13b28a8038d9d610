package delivery

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/riverqueue/river"
)

// DeliverArgs is the one delivery job of a call. Generation changes only when a call is
// redelivered, so River's unique index allows exactly one live job per call. River stores
// the arguments as JSON in its jobs table: their names are a persisted format.
type DeliverArgs struct {
	AlowareCallID string `json:"aloware_call_id" river:"unique"`
	Generation    int64  `json:"generation" river:"unique"`
}

// UnmarshalJSON also reads the arguments of jobs inserted by earlier builds, which named
// the Aloware call id "call_id" (a job may wait in the queue across an upgrade).
func (a *DeliverArgs) UnmarshalJSON(b []byte) error {
	var in struct {
		AlowareCallID string `json:"aloware_call_id"`
		OldCallID     string `json:"call_id"`
		Generation    int64  `json:"generation"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	a.AlowareCallID, a.Generation = cmp.Or(in.AlowareCallID, in.OldCallID), in.Generation
	return nil
}

// Kind names the job in River's table.
func (DeliverArgs) Kind() string { return "aloware_kendo_deliver" }

// InsertOpts makes the job unique by its arguments, wherever it is inserted.
func (DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// A call that becomes scheduled gets its delivery job in the same transaction, but not by
// one River insert each: the call transaction collects the jobs it schedules (callTx),
// and they are inserted all in one statement just before the commit — on SQLite's group
// commit, one statement for every call a group of events scheduled. River's insert is
// parsed anew each time on SQLite and was half an event's CPU; once per commit it is a
// small share.

// insertJobs inserts the jobs the call transactions of one commit scheduled, and records
// each job's id on its call.
func (s *Service) insertJobs(ctx context.Context, tx *sql.Tx, jobs []newJob) error {
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
