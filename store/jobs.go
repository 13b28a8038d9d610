package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// riverTime is how River's SQLite driver writes its times: text that sorts and compares
// as SQLite's own datetime('now', 'subsec') does (RFC 3339 would store and then compare
// wrongly).
const riverTime = "2006-01-02 15:04:05.000"

// MoveJob makes a delivery job that has not started run at a new time: available at it
// (River fetches an available job once its scheduled_at has passed) or, for a time
// further ahead, scheduled (River's scheduler makes it available then, up to a few
// seconds late). It reports false when the job is running or finished, which River's own
// retry handles.
func (db *DB) MoveJob(ctx context.Context, tx *sql.Tx, jobID int64, at time.Time, available bool) (bool, error) {
	state := "scheduled"
	if available {
		state = "available"
	}
	var when any = at.UTC()
	if db.Dialect == SQLite {
		when = at.UTC().Format(riverTime)
	}
	res, err := tx.ExecContext(ctx, `UPDATE river_job SET state = $2, scheduled_at = $3
		WHERE id = $1 AND state IN ('available', 'scheduled', 'retryable')`, jobID, state, when)
	if err != nil {
		return false, fmt.Errorf("store: move job %d: %w", jobID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
