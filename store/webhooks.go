package store

import (
	"context"
	"fmt"
	"time"
)

// Webhook is one of Kendo's webhook deliveries as stored.
type Webhook struct {
	DeliveryID  string
	Event       string
	KendoCallID string
	Result      string
	ReceivedAt  time.Time
	Raw         []byte
}

// InsertWebhook stores a delivery once; a repeat of its delivery id reports false.
func (db *DB) InsertWebhook(ctx context.Context, q Querier, w Webhook) (bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO ak_kendo_webhooks (delivery_id, event, kendo_call_id, result, received_ms, raw)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (delivery_id) DO NOTHING`,
		Text(w.DeliveryID, 200), Text(w.Event, 100), Text(w.KendoCallID, 200), w.Result, Millis(w.ReceivedAt), w.Raw)
	if err != nil {
		return false, fmt.Errorf("store: insert webhook: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// PurgeWebhooks drops webhook bodies received before t (retention) and says how many;
// ids stay for dedupe. A body already dropped is not rewritten.
func (db *DB) PurgeWebhooks(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.SQL.ExecContext(ctx, `UPDATE ak_kendo_webhooks SET raw = $2 WHERE received_ms < $1 AND length(raw) > 0`,
		Millis(before), []byte{})
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// UnmatchedAnalyses are the call.uploaded deliveries naming kendoCallID that were stored
// unmatched, oldest first: Kendo's analysis arrived before the 201 naming that callId
// was committed.
func (db *DB) UnmatchedAnalyses(ctx context.Context, q Querier, kendoCallID string) ([]Webhook, error) {
	return unmatchedUploads(ctx, q, "unmatched analyses", `kendo_call_id = $1`, ``, kendoCallID)
}

// SetWebhookResult re-records what a stored delivery came to (an early analysis matched).
func (db *DB) SetWebhookResult(ctx context.Context, q Querier, deliveryID, result string) error {
	_, err := q.ExecContext(ctx, `UPDATE ak_kendo_webhooks SET result = $2 WHERE delivery_id = $1`, deliveryID, result)
	if err != nil {
		return fmt.Errorf("store: set webhook result: %w", err)
	}
	return nil
}

// EraseWebhooks drops the bodies of the deliveries naming kendoCallID (a call's erasure:
// they carry the agent's name); ids stay for dedupe.
func (db *DB) EraseWebhooks(ctx context.Context, q Querier, kendoCallID string) error {
	_, err := q.ExecContext(ctx, `UPDATE ak_kendo_webhooks SET raw = $2 WHERE kendo_call_id = $1`, kendoCallID, []byte{})
	if err != nil {
		return fmt.Errorf("store: erase webhooks: %w", err)
	}
	return nil
}

// UnmatchedUploadsSince lists the call.uploaded deliveries received at or after since
// that matched no call, oldest first (at most 100): an analysis that arrived before its
// call was flagged outcome unknown is among them.
func (db *DB) UnmatchedUploadsSince(ctx context.Context, q Querier, since time.Time) ([]Webhook, error) {
	return unmatchedUploads(ctx, q, "unmatched uploads", `received_ms >= $1`, ` LIMIT 100`, Millis(since))
}

// unmatchedUploads reads the stored call.uploaded deliveries that matched no call and
// meet where, oldest first; what names the read in an error.
func unmatchedUploads(ctx context.Context, q Querier, what, where, limit string, args ...any) ([]Webhook, error) {
	rows, err := q.QueryContext(ctx, `SELECT delivery_id, event, kendo_call_id, result, received_ms, raw
		FROM ak_kendo_webhooks WHERE `+where+` AND event = 'call.uploaded' AND result = 'unmatched'
		ORDER BY received_ms, delivery_id`+limit, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	var out []Webhook
	for rows.Next() {
		var w Webhook
		var received int64
		if err := rows.Scan(&w.DeliveryID, &w.Event, &w.KendoCallID, &w.Result, &received, &w.Raw); err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		w.ReceivedAt = FromMillis(received)
		out = append(out, w)
	}
	return out, rows.Err()
}
