package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// LockCalls reads the rows of the calls inside tx, in id order, locking them against
// other writers until commit (calls without a row are left out). The order is the one
// every batch locks in, so two batches on PostgreSQL wait for each other rather than
// deadlock.
func (db *DB) LockCalls(ctx context.Context, tx *sql.Tx, alowareCallIDs []string) ([]Call, error) {
	cond, ids := callIDsIn(db.Dialect, "$1", alowareCallIDs)
	rows, err := db.on(tx).QueryContext(ctx, `SELECT `+callColumns+` FROM ak_calls WHERE `+cond+` ORDER BY aloware_call_id`+db.ForUpdate(), ids)
	if err != nil {
		return nil, fmt.Errorf("store: lock calls: %w", err)
	}
	defer rows.Close()
	var calls []Call
	for rows.Next() {
		c, err := scanCall(rows)
		if err != nil {
			return nil, err
		}
		calls = append(calls, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: lock calls: %w", err)
	}
	return calls, nil
}

// SavePurged writes the rows of calls purged at one time in one statement: the purge
// time (also the last change) and the content columns emptied — the merged call, the
// last error, the rep's name and e-mail, the agent's name. Only for calls whose purge is
// the only change since LockCalls read them; SaveCall writes any other change.
func (db *DB) SavePurged(ctx context.Context, q Querier, alowareCallIDs []string, purgedAt time.Time) error {
	if len(alowareCallIDs) == 0 {
		return nil
	}
	cond, ids := callIDsIn(db.Dialect, "$2", alowareCallIDs)
	_, err := db.on(q).ExecContext(ctx, `UPDATE ak_calls SET updated_ms = $1, purged_ms = $1, merged = NULL, merged_version = 0,
		raw_bytes = 0, last_error = '', rep_email = '', agent_name = '', rep_name = '' WHERE `+cond, Millis(purgedAt), ids)
	if err != nil {
		return fmt.Errorf("store: save purged calls: %w", err)
	}
	return nil
}
