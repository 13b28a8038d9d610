package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// QuarantineFilter selects quarantined events to discard. Every field given must hold;
// the zero filter selects every event, so callers that mean less must say so.
type QuarantineFilter struct {
	IDs            []int64
	Event          string    // the event's name, exactly as listed
	ReceivedBefore time.Time // received before it
}

func (f QuarantineFilter) where() (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if len(f.IDs) > 0 {
		ph := make([]string, len(f.IDs))
		for i, id := range f.IDs {
			ph[i] = arg(id)
		}
		conds = append(conds, "id IN ("+strings.Join(ph, ", ")+")")
	}
	if f.Event != "" {
		conds = append(conds, "name = "+arg(f.Event))
	}
	if !f.ReceivedBefore.IsZero() {
		conds = append(conds, "received_ms < "+arg(Millis(f.ReceivedBefore)))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// DiscardQuarantined deletes the quarantined events f selects, for good, and returns
// their ids and names (for the log that names who discarded them).
func (db *DB) DiscardQuarantined(ctx context.Context, q Querier, f QuarantineFilter) ([]Quarantined, error) {
	where, args := f.where()
	rows, err := q.QueryContext(ctx, `DELETE FROM ak_quarantine`+where+` RETURNING id, name`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: discard from quarantine: %w", err)
	}
	defer rows.Close()
	var out []Quarantined
	for rows.Next() {
		var e Quarantined
		if err := rows.Scan(&e.ID, &e.Name); err != nil {
			return nil, fmt.Errorf("store: discard from quarantine: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
