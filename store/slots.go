package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// TakeSlot claims one send for keyID if fewer than limit sends happened in the rolling
// window ending now; otherwise it returns how long until the oldest one that blocks leaves
// the window. The key's lock row serialises replicas, so two of them can never both take
// the last slot. Slots older than the window are pruned on the way.
func (db *DB) TakeSlot(ctx context.Context, keyID string, limit int, window time.Duration, now time.Time) (int64, time.Duration, error) {
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("store: pacing: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO ak_rate_keys (key_id) VALUES ($1) ON CONFLICT (key_id) DO NOTHING`, keyID); err != nil {
		return 0, 0, fmt.Errorf("store: pacing: %w", err)
	}
	var locked string
	if err := tx.QueryRowContext(ctx, `SELECT key_id FROM ak_rate_keys WHERE key_id = $1`+db.ForUpdate(), keyID).Scan(&locked); err != nil {
		return 0, 0, fmt.Errorf("store: pacing lock: %w", err)
	}
	since := Millis(now.Add(-window))
	if _, err := tx.ExecContext(ctx, `DELETE FROM ak_rate_slots WHERE key_id = $1 AND at_ms <= $2`, keyID, since); err != nil {
		return 0, 0, fmt.Errorf("store: pacing prune: %w", err)
	}
	// The limit-th newest send is the one that must leave the window before another may
	// start; OFFSET reads just that one.
	var blocking int64
	err = tx.QueryRowContext(ctx, `SELECT at_ms FROM ak_rate_slots WHERE key_id = $1 AND at_ms > $2
		ORDER BY at_ms DESC LIMIT 1 OFFSET $3`, keyID, since, limit-1).Scan(&blocking)
	switch {
	case err == nil:
		wait := FromMillis(blocking).Add(window).Sub(now) + time.Millisecond
		return 0, wait, tx.Commit()
	case !errors.Is(err, sql.ErrNoRows):
		return 0, 0, fmt.Errorf("store: pacing: %w", err)
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO ak_rate_slots (key_id, at_ms) VALUES ($1, $2) RETURNING id`, keyID, Millis(now)).Scan(&id); err != nil {
		return 0, 0, fmt.Errorf("store: pacing take: %w", err)
	}
	return id, 0, tx.Commit()
}

// MoveSlot re-dates a slot to when its request finished: Kendo saw the request somewhere
// between start and end, so counting from the end keeps every window at Kendo's side safe.
func MoveSlot(ctx context.Context, q Querier, id int64, at time.Time) error {
	if id == 0 {
		return nil
	}
	_, err := q.ExecContext(ctx, `UPDATE ak_rate_slots SET at_ms = $2 WHERE id = $1`, id, Millis(at))
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
