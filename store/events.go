package store

import (
	"context"
	"fmt"
	"time"
)

// Event is one raw Aloware event as stored.
type Event struct {
	ID         int64
	CallID     string
	Name       string
	Kind       string
	ReceivedAt time.Time
	Raw        []byte
}

// InsertEvent stores a raw event exactly as it arrived.
func InsertEvent(ctx context.Context, q Querier, e Event) error {
	_, err := q.ExecContext(ctx, `INSERT INTO ak_events (call_id, name, kind, received_ms, raw) VALUES ($1, $2, $3, $4, $5)`,
		e.CallID, e.Name, e.Kind, Millis(e.ReceivedAt), string(e.Raw))
	if err != nil {
		return fmt.Errorf("store: insert event: %w", err)
	}
	return nil
}

// Events lists a call's events in arrival order; withRaw=false leaves Raw empty.
func Events(ctx context.Context, q Querier, callID string, withRaw bool) ([]Event, error) {
	cols := `id, call_id, name, kind, received_ms, ''`
	if withRaw {
		cols = `id, call_id, name, kind, received_ms, raw`
	}
	rows, err := q.QueryContext(ctx, `SELECT `+cols+` FROM ak_events WHERE call_id = $1 ORDER BY id`, callID)
	if err != nil {
		return nil, fmt.Errorf("store: list events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var ms int64
		var raw string
		if err := rows.Scan(&e.ID, &e.CallID, &e.Name, &e.Kind, &ms, &raw); err != nil {
			return nil, fmt.Errorf("store: list events: %w", err)
		}
		e.ReceivedAt = FromMillis(ms)
		if withRaw {
			e.Raw = []byte(raw)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
