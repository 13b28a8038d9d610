package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// LastEventAt is when the newest stored event arrived (zero when none).
func (db *DB) LastEventAt(ctx context.Context) (time.Time, error) {
	var ms sql.NullInt64
	if err := db.SQL.QueryRowContext(ctx, `SELECT MAX(received_ms) FROM ak_events`).Scan(&ms); err != nil || !ms.Valid {
		return time.Time{}, err
	}
	return FromMillis(ms.Int64), nil
}

// OldestQueued is when the call longest in the delivery queue became ready (nil when
// the queue is empty).
func (db *DB) OldestQueued(ctx context.Context) (*time.Time, error) {
	var ms sql.NullInt64
	err := db.SQL.QueryRowContext(ctx, qOldestQueued).Scan(&ms)
	if err != nil {
		return nil, err
	}
	return timePtr(ms), nil
}

// Activity counts what happened since t: calls first seen, delivered and analyzed.
type Activity struct {
	Received, Delivered, Analyzed int
}

// activityQuery counts, each off an index of its own, the calls first seen, delivered
// and analyzed since $1.
const activityQuery = `SELECT
		(SELECT COUNT(*) FROM ak_calls WHERE first_seen_ms >= $1),
		(SELECT COUNT(*) FROM ak_calls WHERE delivered_ms >= $1),
		(SELECT COUNT(*) FROM ak_calls WHERE analyzed_ms >= $1)`

// ActivitySince counts the calls first seen, delivered and analyzed since t.
func (db *DB) ActivitySince(ctx context.Context, t time.Time) (Activity, error) {
	var a Activity
	err := db.SQL.QueryRowContext(ctx, activityQuery, Millis(t)).Scan(&a.Received, &a.Delivered, &a.Analyzed)
	return a, err
}

var (
	queuedStatuses = statusList(lifecycle.QueuedStatuses())
	qOldestQueued  = `SELECT MIN(COALESCE(ready_ms, first_seen_ms)) FROM ak_calls WHERE status IN (` + queuedStatuses + `)`
	qBacklog       = `SELECT team, COUNT(*) FROM ak_calls WHERE status IN (` + queuedStatuses + `) GROUP BY team`
)

// Backlog counts the calls waiting for delivery per team.
func (db *DB) Backlog(ctx context.Context) (map[string]int, error) {
	return countBy[string](ctx, db.SQL, qBacklog)
}

// countBy reads the rows (key, count) of a GROUP BY query into a map.
func countBy[K ~string](ctx context.Context, q Querier, query string, args ...any) (map[K]int, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[K]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[K(k)] = n
	}
	return out, rows.Err()
}
