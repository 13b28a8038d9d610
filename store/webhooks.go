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
	res, err := db.on(q).ExecContext(ctx, `INSERT INTO ak_kendo_webhooks (delivery_id, event, kendo_call_id, result, received_ms, raw)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (delivery_id) DO NOTHING`,
		Text(w.DeliveryID, 200), Text(w.Event, 100), Text(w.KendoCallID, 200), w.Result, Millis(w.ReceivedAt), w.Raw)
	if err != nil {
		return false, fmt.Errorf("store: insert webhook: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// PurgeWebhooks drops webhook bodies received before t (retention); ids stay for dedupe.
func (db *DB) PurgeWebhooks(ctx context.Context, before time.Time) error {
	_, err := db.on(db.SQL).ExecContext(ctx, `UPDATE ak_kendo_webhooks SET raw = $2 WHERE received_ms < $1`, Millis(before), []byte{})
	return err
}
