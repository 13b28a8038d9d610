package store

import (
	"context"
	"fmt"
	"time"
)

// Overdue is a delivered call Kendo has not analysed in time.
type Overdue struct {
	AlowareCallID string
	Team          string
	Delivered     time.Time
}

// ClaimNotAnalyzed marks as told, and returns, up to limit calls delivered in
// (after, until] that Kendo has not analysed and that were not told before. The update
// re-checks each row it changes, so of two replicas claiming at once each call goes to one.
func (db *DB) ClaimNotAnalyzed(ctx context.Context, q Querier, after, until time.Time, limit int) ([]Overdue, error) {
	rows, err := db.on(q).QueryContext(ctx, `UPDATE ak_calls SET not_analyzed_told = 1
		WHERE aloware_call_id IN (SELECT aloware_call_id FROM ak_calls
			WHERE status = 'delivered' AND not_analyzed_told = 0 AND delivered_ms > $1 AND delivered_ms <= $2
			ORDER BY delivered_ms LIMIT $3)
		AND status = 'delivered' AND not_analyzed_told = 0 AND analyzed_ms IS NULL
		RETURNING aloware_call_id, team, delivered_ms`, Millis(after), Millis(until), limit)
	if err != nil {
		return nil, fmt.Errorf("store: claim not analysed: %w", err)
	}
	defer rows.Close()
	var out []Overdue
	for rows.Next() {
		var o Overdue
		var delivered int64
		if err := rows.Scan(&o.AlowareCallID, &o.Team, &delivered); err != nil {
			return nil, err
		}
		o.Delivered = FromMillis(delivered)
		out = append(out, o)
	}
	return out, rows.Err()
}
