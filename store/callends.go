package store

import (
	"context"
	"fmt"
	"time"
)

// RecordCallEnd writes that a call's delivery ended with result (delivered, failed,
// skipped) at at, in the transaction that ended it.
func (db *DB) RecordCallEnd(ctx context.Context, q Querier, alowareCallID, team, result string, at time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO ak_call_ends (aloware_call_id, team, result, at_ms) VALUES ($1, $2, $3, $4)`,
		alowareCallID, team, result, Millis(at))
	if err != nil {
		return fmt.Errorf("store: call end: %w", err)
	}
	return nil
}

// CallsPerMinute counts the calls whose delivery ended per minute since t: delivered
// and failed (a skipped call was never meant for Kendo). Retries, probes of a paused
// key and requests that never reached Kendo are attempts, not ends: they are not here.
func (db *DB) CallsPerMinute(ctx context.Context, since time.Time) ([]MinuteCount, error) {
	rows, err := db.SQL.QueryContext(ctx, `SELECT at_ms / 60000,
		SUM(CASE WHEN result = 'delivered' THEN 1 ELSE 0 END), SUM(CASE WHEN result = 'failed' THEN 1 ELSE 0 END)
		FROM ak_call_ends WHERE at_ms >= $1 AND result IN ('delivered', 'failed') GROUP BY at_ms / 60000 ORDER BY 1`, Millis(since))
	if err != nil {
		return nil, fmt.Errorf("store: calls per minute: %w", err)
	}
	defer rows.Close()
	var out []MinuteCount
	for rows.Next() {
		var minute int64
		var delivered, failed int
		if err := rows.Scan(&minute, &delivered, &failed); err != nil {
			return nil, err
		}
		out = append(out, MinuteCount{Minute: FromMillis(minute * 60000), Delivered: delivered, Failed: failed})
	}
	return out, rows.Err()
}

// PruneCallEnds drops the ends older than t (the chart reaches back hours, not days).
func (db *DB) PruneCallEnds(ctx context.Context, t time.Time) error {
	_, err := db.SQL.ExecContext(ctx, `DELETE FROM ak_call_ends WHERE at_ms < $1`, Millis(t))
	return err
}
