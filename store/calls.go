package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Call is one row of ak_calls: everything the delivery engine knows about one Aloware call.
type Call struct {
	CallID         string
	Kind           string
	Status         string
	Reason         string
	KendoCallID    string
	Attempts       int
	Generation     int64 // bumped by a redelivery so the new job is not a duplicate of the old
	Shrunk         bool  // the payload was already shrunk once after a 413
	LastError      string
	FirstSeen      time.Time
	Updated        time.Time
	CompleteAt     *time.Time // first time the call was seen finished
	ReadyAt        *time.Time // first time the call had everything Kendo needs
	DeliverAfter   *time.Time // settle: not sent before this
	NextAttemptAt  *time.Time // pacing or retry wait
	FirstAttemptAt *time.Time // start of the retry horizon
	DeliveredAt    *time.Time
}

// ErrNoCall is returned when no row exists for a call id.
var ErrNoCall = errors.New("store: no such call")

const callColumns = `call_id, kind, status, reason, kendo_call_id, attempts, generation, shrunk, last_error,
	first_seen_ms, updated_ms, complete_ms, ready_ms, deliver_after_ms, next_attempt_ms, first_attempt_ms, delivered_ms`

// Querier is what both *sql.DB and *sql.Tx offer.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// EnsureCall creates the call's row on its first event; later events find it there.
func EnsureCall(ctx context.Context, q Querier, callID, kind, status string, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO ak_calls (call_id, kind, status, first_seen_ms, updated_ms)
		VALUES ($1, $2, $3, $4, $4) ON CONFLICT (call_id) DO NOTHING`, callID, kind, status, Millis(now))
	if err != nil {
		return fmt.Errorf("store: ensure call: %w", err)
	}
	return nil
}

// LockCall reads a call's row inside tx, locking it against other writers until commit.
func (db *DB) LockCall(ctx context.Context, tx *sql.Tx, callID string) (Call, error) {
	return getCall(ctx, tx, `SELECT `+callColumns+` FROM ak_calls WHERE call_id = $1`+db.ForUpdate(), callID)
}

// GetCall reads a call's row without locking it.
func (db *DB) GetCall(ctx context.Context, callID string) (Call, error) {
	return getCall(ctx, db.SQL, `SELECT `+callColumns+` FROM ak_calls WHERE call_id = $1`, callID)
}

func getCall(ctx context.Context, q Querier, query, callID string) (Call, error) {
	var c Call
	var firstSeen, updated int64
	var shrunk int64
	var complete, ready, deliverAfter, next, firstAttempt, delivered sql.NullInt64
	err := q.QueryRowContext(ctx, query, callID).Scan(&c.CallID, &c.Kind, &c.Status, &c.Reason, &c.KendoCallID,
		&c.Attempts, &c.Generation, &shrunk, &c.LastError, &firstSeen, &updated,
		&complete, &ready, &deliverAfter, &next, &firstAttempt, &delivered)
	if errors.Is(err, sql.ErrNoRows) {
		return Call{}, ErrNoCall
	}
	if err != nil {
		return Call{}, fmt.Errorf("store: read call: %w", err)
	}
	c.Shrunk = shrunk != 0
	c.FirstSeen, c.Updated = FromMillis(firstSeen), FromMillis(updated)
	c.CompleteAt, c.ReadyAt, c.DeliverAfter = timePtr(complete), timePtr(ready), timePtr(deliverAfter)
	c.NextAttemptAt, c.FirstAttemptAt, c.DeliveredAt = timePtr(next), timePtr(firstAttempt), timePtr(delivered)
	return c, nil
}

// SaveCall writes back every mutable column of a call read with LockCall.
func SaveCall(ctx context.Context, q Querier, c Call) error {
	shrunk := 0
	if c.Shrunk {
		shrunk = 1
	}
	_, err := q.ExecContext(ctx, `UPDATE ak_calls SET kind = $2, status = $3, reason = $4, kendo_call_id = $5,
		attempts = $6, generation = $7, shrunk = $8, last_error = $9, updated_ms = $10, complete_ms = $11,
		ready_ms = $12, deliver_after_ms = $13, next_attempt_ms = $14, first_attempt_ms = $15, delivered_ms = $16
		WHERE call_id = $1`,
		c.CallID, c.Kind, c.Status, c.Reason, c.KendoCallID, c.Attempts, c.Generation, shrunk, c.LastError,
		Millis(c.Updated), nullMillis(c.CompleteAt), nullMillis(c.ReadyAt), nullMillis(c.DeliverAfter),
		nullMillis(c.NextAttemptAt), nullMillis(c.FirstAttemptAt), nullMillis(c.DeliveredAt))
	if err != nil {
		return fmt.Errorf("store: save call: %w", err)
	}
	return nil
}

// SkipStale ends, in one statement, every finished call that has waited longer than its
// artifact wait for a recording or transcript. It returns the ids it skipped.
func (db *DB) SkipStale(ctx context.Context, status, reason string, completeBefore, now time.Time) ([]string, error) {
	rows, err := db.SQL.QueryContext(ctx, `UPDATE ak_calls SET status = 'skipped', reason = $1, updated_ms = $2
		WHERE status = $3 AND complete_ms IS NOT NULL AND complete_ms < $4 RETURNING call_id`,
		reason, Millis(now), status, Millis(completeBefore))
	if err != nil {
		return nil, fmt.Errorf("store: skip stale calls: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// CountByStatus counts calls per status, for the queue-depth gauge.
func (db *DB) CountByStatus(ctx context.Context) (map[string]int, error) {
	rows, err := db.SQL.QueryContext(ctx, `SELECT status, COUNT(*) FROM ak_calls GROUP BY status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}
