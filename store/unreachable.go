package store

import (
	"context"
	"fmt"
	"time"
)

// Unreachable is a Kendo key whose requests do not reach Kendo (refused, DNS, TLS):
// an outage on the way, not Kendo's answer, so it is neither a pause nor pacing.
type Unreachable struct {
	KeyID   string
	Team    string
	Since   time.Time // the first request that did not arrive
	Last    time.Time // the latest one
	Message string
}

// MarkUnreachable records a request of keyID that never reached Kendo, keeping the
// time the outage began; started reports that this request began it. The row is
// inserted first and updated only when it was there: of two replicas that saw the same
// outage begin, one alone inserts it.
func (db *DB) MarkUnreachable(ctx context.Context, q Querier, u Unreachable) (started bool, err error) {
	res, err := db.on(q).ExecContext(ctx, `INSERT INTO ak_key_unreachable (key_id, team, since_ms, last_ms, message)
		VALUES ($1, $2, $3, $3, $4) ON CONFLICT (key_id) DO NOTHING`,
		u.KeyID, u.Team, Millis(u.Since), Text(u.Message, 500))
	if err != nil {
		return false, fmt.Errorf("store: mark unreachable: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	if _, err := db.on(q).ExecContext(ctx, `UPDATE ak_key_unreachable SET last_ms = $1, message = $2 WHERE key_id = $3`,
		Millis(u.Since), Text(u.Message, 500), u.KeyID); err != nil {
		return false, fmt.Errorf("store: mark unreachable: %w", err)
	}
	return false, nil
}

// MarkReachable ends keyID's outage (Kendo answered a request); it reports whether
// there was one.
func (db *DB) MarkReachable(ctx context.Context, q Querier, keyID string) (bool, error) {
	res, err := db.on(q).ExecContext(ctx, `DELETE FROM ak_key_unreachable WHERE key_id = $1`, keyID)
	if err != nil {
		return false, fmt.Errorf("store: mark reachable: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// UnreachableKeys lists the keys whose requests do not reach Kendo now.
func (db *DB) UnreachableKeys(ctx context.Context) ([]Unreachable, error) {
	rows, err := db.on(db.SQL).QueryContext(ctx, `SELECT key_id, team, since_ms, last_ms, message FROM ak_key_unreachable ORDER BY since_ms`)
	if err != nil {
		return nil, fmt.Errorf("store: unreachable keys: %w", err)
	}
	defer rows.Close()
	var out []Unreachable
	for rows.Next() {
		var u Unreachable
		var since, last int64
		if err := rows.Scan(&u.KeyID, &u.Team, &since, &last, &u.Message); err != nil {
			return nil, err
		}
		u.Since, u.Last = FromMillis(since), FromMillis(last)
		out = append(out, u)
	}
	return out, rows.Err()
}

// DropSlot gives back a pacing slot whose request never reached Kendo: Kendo counted
// nothing, so the window must not either.
func (db *DB) DropSlot(ctx context.Context, q Querier, id int64) error {
	if id == 0 {
		return nil
	}
	if _, err := db.on(q).ExecContext(ctx, `DELETE FROM ak_rate_slots WHERE id = $1`, id); err != nil {
		return fmt.Errorf("store: pacing: %w", err)
	}
	return nil
}
