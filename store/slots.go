package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// TakeSlot claims one send of alowareCallID for keyID when the sends in the rolling window
// ending now, with the waiting calls already due, are fewer than limit; otherwise it
// queues the call behind every call already waiting and returns how long until its turn:
// when the limit-th latest of the window's sends and the waits leaves the window. So a
// burst of freed slots wakes as many waiting calls, each waiting call wakes once at its
// turn (not every waiting call at every freed slot), and a newcomer never overtakes a
// call whose turn has come. The
// key's lock row serialises replicas, so two of them can never both take the last slot.
// Sends and waits older than the window are pruned on the way (a wait is left behind
// only by a call that never came back for its turn).
//
// "Now" is read from clock once the key's lock is held, not before: a replica may wait
// tens of milliseconds for the lock, and a slot dated before that wait makes the window
// end early for the request it paces (Kendo counts arrivals).
//
// It runs in the caller's transaction, which holds the key's lock until it ends: the
// slot or the wait stands once that commits, and a caller that records the wait on its
// call does so in the same commit.
func (db *DB) TakeSlot(ctx context.Context, tx *sql.Tx, keyID, alowareCallID string, pace Pace, clock func() time.Time) (int64, time.Duration, error) {
	limit, window := pace.Limit, pace.Window
	q := tx
	now, err := db.lockWindow(ctx, q, keyID, window, clock)
	if err != nil {
		return 0, 0, err
	}
	since := Millis(now.Add(-window))
	// A call that comes back before its turn keeps its place in the queue.
	var myTurn int64
	blockingArgs := []any{keyID, since, limit - 1, Millis(now)} // a newcomer queues behind every waiting call
	blockingQuery := qBlocking
	switch err := q.QueryRowContext(ctx, qMyWait, keyID, alowareCallID).Scan(&myTurn); {
	case err == nil && myTurn > Millis(now):
		return 0, FromMillis(myTurn).Sub(now), nil
	case err == nil:
		blockingQuery = qBlockingDue
		if _, err := q.ExecContext(ctx, qDropWait, keyID, alowareCallID); err != nil {
			return 0, 0, fmt.Errorf("store: pacing: %w", err)
		}
	case !errors.Is(err, sql.ErrNoRows):
		return 0, 0, fmt.Errorf("store: pacing: %w", err)
	}
	var busy int
	if err := q.QueryRowContext(ctx, qBusy, keyID, since, Millis(now)).Scan(&busy); err != nil {
		return 0, 0, fmt.Errorf("store: pacing: %w", err)
	}
	if busy >= limit {
		// The limit-th latest of the window's sends and all the waits decides the turn. A
		// call whose turn has come and finds the window still full (a send it was queued
		// behind was re-dated later, to when Kendo answered) keeps its place: only the
		// sends and the calls due now are ahead of it, not the calls queued after it.
		//
		// Behind a request still on its way (its slot dated after now), the turn is counted
		// from when it left: Kendo almost always answers long before the margin is up, and
		// the slot is then re-dated to the answer. A call back at that turn and finding the
		// answer still in the window waits the few milliseconds until it leaves; a request
		// still unanswered then is no longer dated after now, and is waited for in full.
		var blockingMs int64
		var onItsWay bool
		if err := q.QueryRowContext(ctx, blockingQuery, blockingArgs...).Scan(&blockingMs, &onItsWay); err != nil {
			return 0, 0, fmt.Errorf("store: pacing: %w", err)
		}
		blocking := FromMillis(blockingMs)
		if onItsWay {
			blocking = blocking.Add(-pace.Margin)
		}
		turn := latest(now.Add(time.Millisecond), blocking.Add(window+time.Millisecond))
		if _, err := q.ExecContext(ctx, qAddWait, keyID, alowareCallID, Millis(turn)); err != nil {
			return 0, 0, fmt.Errorf("store: pacing wait: %w", err)
		}
		return 0, turn.Sub(now), nil
	}
	var id int64
	if err := q.QueryRowContext(ctx, qTakeSlot, keyID, Millis(now)).Scan(&id); err != nil {
		return 0, 0, fmt.Errorf("store: pacing take: %w", err)
	}
	return id, 0, nil
}

// Pace is how a key's sends are paced: at most Limit in any rolling Window. A request on
// its way (sent, not yet answered) has its slot dated Margin after it left, by when it
// has surely reached Kendo; once answered, the slot is dated at the answer (MoveSlot).
type Pace struct {
	Limit  int
	Window time.Duration
	Margin time.Duration
}

// lockWindow takes the key's lock row (serialising replicas), reads now from clock and
// prunes the sends and waits older than the window ending then.
func (db *DB) lockWindow(ctx context.Context, q Querier, keyID string, window time.Duration, clock func() time.Time) (time.Time, error) {
	if _, err := q.ExecContext(ctx, qEnsureRateKey, keyID); err != nil {
		return time.Time{}, fmt.Errorf("store: pacing: %w", err)
	}
	var locked string
	if err := q.QueryRowContext(ctx, qLockRateKey+db.ForUpdate(), keyID).Scan(&locked); err != nil {
		return time.Time{}, fmt.Errorf("store: pacing lock: %w", err)
	}
	now := clock()
	for _, stmt := range []string{qPruneSlots, qPruneWaits} {
		if _, err := q.ExecContext(ctx, stmt, keyID, Millis(now.Add(-window))); err != nil {
			return time.Time{}, fmt.Errorf("store: pacing prune: %w", err)
		}
	}
	return now, nil
}

// TrySlot claims one send for keyID only if one is free now — no call waits for its
// turn and the window has room — and never queues: ok is false otherwise. It is for a
// request no call depends on (the ops page's key check), which must not delay one.
func (db *DB) TrySlot(ctx context.Context, keyID string, limit int, window time.Duration, clock func() time.Time) (id int64, ok bool, err error) {
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, fmt.Errorf("store: pacing: %w", err)
	}
	defer tx.Rollback()
	q := tx
	now, err := db.lockWindow(ctx, q, keyID, window, clock)
	if err != nil {
		return 0, false, err
	}
	since := Millis(now.Add(-window))
	var busy, waiting int
	if err := q.QueryRowContext(ctx, qBusy, keyID, since, Millis(now)).Scan(&busy); err != nil {
		return 0, false, fmt.Errorf("store: pacing: %w", err)
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM ak_rate_waits WHERE key_id = $1`, keyID).Scan(&waiting); err != nil {
		return 0, false, fmt.Errorf("store: pacing: %w", err)
	}
	if busy >= limit || waiting > 0 {
		return 0, false, nil
	}
	if err := q.QueryRowContext(ctx, qTakeSlot, keyID, Millis(now)).Scan(&id); err != nil {
		return 0, false, fmt.Errorf("store: pacing take: %w", err)
	}
	return id, true, tx.Commit()
}

const (
	qEnsureRateKey = `INSERT INTO ak_rate_keys (key_id) VALUES ($1) ON CONFLICT (key_id) DO NOTHING`
	qLockRateKey   = `SELECT key_id FROM ak_rate_keys WHERE key_id = $1`
	qPruneSlots    = `DELETE FROM ak_rate_slots WHERE key_id = $1 AND at_ms <= $2`
	qPruneWaits    = `DELETE FROM ak_rate_waits WHERE key_id = $1 AND at_ms <= $2`
	qMyWait        = `SELECT at_ms FROM ak_rate_waits WHERE key_id = $1 AND aloware_call_id = $2`
	qDropWait      = `DELETE FROM ak_rate_waits WHERE key_id = $1 AND aloware_call_id = $2`
	qBusy          = `SELECT (SELECT COUNT(*) FROM ak_rate_slots WHERE key_id = $1 AND at_ms > $2) +
		(SELECT COUNT(*) FROM ak_rate_waits WHERE key_id = $1 AND at_ms <= $3)`
	// The blocking entry of the queue, and whether it is a request on its way (a slot
	// dated after now, $4); the due waits only when the caller's turn has come.
	qBlocking = `SELECT at_ms, on_its_way FROM (SELECT at_ms, at_ms > $4 AS on_its_way FROM ak_rate_slots WHERE key_id = $1 AND at_ms > $2
		UNION ALL SELECT at_ms, false FROM ak_rate_waits WHERE key_id = $1) AS queue ORDER BY at_ms DESC LIMIT 1 OFFSET $3`
	qBlockingDue = `SELECT at_ms, on_its_way FROM (SELECT at_ms, at_ms > $4 AS on_its_way FROM ak_rate_slots WHERE key_id = $1 AND at_ms > $2
		UNION ALL SELECT at_ms, false FROM ak_rate_waits WHERE key_id = $1 AND at_ms <= $4) AS queue ORDER BY at_ms DESC LIMIT 1 OFFSET $3`
	qAddWait  = `INSERT INTO ak_rate_waits (key_id, aloware_call_id, at_ms) VALUES ($1, $2, $3)`
	qTakeSlot = `INSERT INTO ak_rate_slots (key_id, at_ms) VALUES ($1, $2) RETURNING id`
)

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

const qMoveSlot = `UPDATE ak_rate_slots SET at_ms = $2 WHERE id = $1`

// MoveSlot re-dates a slot: to when its request will have reached Kendo (just before the
// send, the caller's estimate), and to when it finished (Kendo saw the request somewhere
// between start and end, so counting from the end keeps every window at Kendo's side
// safe). Either date is no earlier than the arrival Kendo counts; a later TakeSlot reads
// the dates as they are then, so a call whose turn was computed from an earlier date
// finds the window still full and waits again.
func (db *DB) MoveSlot(ctx context.Context, q Querier, id int64, at time.Time) error {
	if id == 0 {
		return nil
	}
	_, err := q.ExecContext(ctx, qMoveSlot, id, Millis(at))
	if err != nil {
		return fmt.Errorf("store: pacing: %w", err)
	}
	return nil
}

// SlotsInWindow counts the sends of keyID in the window ending now (for the ops page).
func (db *DB) SlotsInWindow(ctx context.Context, keyID string, window time.Duration, now time.Time) (int, error) {
	var n int
	err := db.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM ak_rate_slots WHERE key_id = $1 AND at_ms > $2`,
		keyID, Millis(now.Add(-window))).Scan(&n)
	return n, err
}
