package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Event is one raw Aloware event as stored.
type Event struct {
	ID            int64
	AlowareCallID string
	Name          string
	Kind          string
	ReceivedAt    time.Time
	Raw           []byte // exactly as it arrived; empty when not kept (over the call's bound, purged, erased)
	Size          int    // bytes as it arrived, kept or not
	Warnings      string // the fields that could not be read, one per line
	// Late is set for an artifact event of a call already sent: the artifacts it brought
	// and those the call had when it was sent (see LateArtifacts).
	Late LateArtifacts
}

// LateArtifacts says what an event that came after its call was sent brought (New) and
// what Kendo has of the call (Sent): "recording", "transcript", "summary".
type LateArtifacts struct {
	New, Sent []string
}

// column is how the late column keeps it: "transcript;recording", ” when not late.
func (l LateArtifacts) column() string {
	if len(l.New) == 0 {
		return ""
	}
	return strings.Join(l.New, ",") + ";" + strings.Join(l.Sent, ",")
}

func lateOf(column string) LateArtifacts {
	if column == "" {
		return LateArtifacts{}
	}
	added, sent, _ := strings.Cut(column, ";")
	var l LateArtifacts
	l.New = strings.Split(added, ",")
	if sent != "" {
		l.Sent = strings.Split(sent, ",")
	}
	return l
}

const qInsertEvent = `INSERT INTO ak_events (aloware_call_id, name, kind, received_ms, raw, size, warnings, late)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`

// InsertEvent stores an event. Its text columns are made safe for both engines (see
// Text); the raw body is stored as bytes, whatever it holds.
func (db *DB) InsertEvent(ctx context.Context, q Querier, e Event) error {
	raw := e.Raw
	if raw == nil {
		raw = []byte{}
	}
	_, err := db.on(q).ExecContext(ctx, qInsertEvent,
		e.AlowareCallID, Text(e.Name, 200), e.Kind, Millis(e.ReceivedAt), raw, e.Size, Text(e.Warnings, 4000), e.Late.column())
	if err != nil {
		return fmt.Errorf("store: insert event: %w", err)
	}
	return nil
}

// Events lists a call's events in arrival order (a replayed quarantined event keeps its
// arrival time); withRaw=false leaves Raw empty.
func (db *DB) Events(ctx context.Context, q Querier, alowareCallID string, withRaw bool) ([]Event, error) {
	cols := `id, aloware_call_id, name, kind, received_ms, size, warnings, late`
	if withRaw {
		cols += `, raw`
	}
	rows, err := db.on(q).QueryContext(ctx, `SELECT `+cols+` FROM ak_events WHERE aloware_call_id = $1 ORDER BY received_ms, id`, alowareCallID)
	if err != nil {
		return nil, fmt.Errorf("store: list events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var ms int64
		var late string
		dest := []any{&e.ID, &e.AlowareCallID, &e.Name, &e.Kind, &ms, &e.Size, &e.Warnings, &late}
		if withRaw {
			dest = append(dest, &e.Raw)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("store: list events: %w", err)
		}
		e.ReceivedAt, e.Late = FromMillis(ms), lateOf(late)
		out = append(out, e)
	}
	return out, rows.Err()
}

// PurgeEvents drops the raw bodies of the calls' events; their names, times and sizes
// stay. One statement for all of them: a retention run purges calls by the hundred.
func (db *DB) PurgeEvents(ctx context.Context, q Querier, alowareCallIDs ...string) error {
	cond, ids := callIDsIn(db.Dialect, "$1", alowareCallIDs)
	if db.Dialect == SQLite {
		return db.rewriteEventsEmptied(ctx, q, cond, ids)
	}
	if _, err := db.on(q).ExecContext(ctx, `UPDATE ak_events SET raw = $2, warnings = '' WHERE `+cond, ids, []byte{}); err != nil {
		return fmt.Errorf("store: purge events: %w", err)
	}
	return nil
}

// rewriteEventsEmptied is SQLite's purge of the events that cond selects: they are
// deleted and written again under the same ids without their raw body and warnings.
// Emptied in place, a row shrinks but keeps its page, which no new event reuses (SQLite
// merges pages when rows are deleted, not when they shrink; new events are appended): the
// file kept 21 KB for each call ever stored, purged or not. Deleted, the pages they
// leave part-empty are merged and the rest freed (zeroed, as every connection runs with
// secure_delete) for new events to fill.
func (db *DB) rewriteEventsEmptied(ctx context.Context, q Querier, cond string, ids any) error {
	q = db.on(q)
	var cols []string // every column but the content, whatever migrations added
	rows, err := q.QueryContext(ctx, `SELECT name FROM pragma_table_info('ak_events') WHERE name NOT IN ('raw', 'warnings') ORDER BY cid`)
	if err != nil {
		return fmt.Errorf("store: purge events: %w", err)
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return fmt.Errorf("store: purge events: %w", err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: purge events: %w", err)
	}
	extract := make([]string, len(cols))
	for i := range cols {
		extract[i] = fmt.Sprintf("json_extract(value, '$[%d]')", i)
	}
	list := strings.Join(cols, ", ")
	var kept string
	if err := q.QueryRowContext(ctx, `SELECT json_group_array(json_array(`+list+`)) FROM ak_events WHERE `+cond, ids).Scan(&kept); err != nil {
		return fmt.Errorf("store: purge events: read: %w", err)
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM ak_events WHERE `+cond, ids); err != nil {
		return fmt.Errorf("store: purge events: delete: %w", err)
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO ak_events (`+list+`, raw, warnings) SELECT `+strings.Join(extract, ", ")+`, $2, ''
		FROM json_each($1)`, kept, []byte{}); err != nil {
		return fmt.Errorf("store: purge events: write back: %w", err)
	}
	return nil
}

// Text makes s safe for a text column of either engine and short enough for a listing:
// valid UTF-8, no NUL or other control characters (PostgreSQL refuses 0x00), at most max
// bytes.
func Text(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' {
			return -1
		}
		return r
	}, s)
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "")
	}
	return s
}

// CallLastEventAt is when the latest of a call's stored events arrived (zero when it has
// none): where its latency to Kendo starts.
func (db *DB) CallLastEventAt(ctx context.Context, q Querier, alowareCallID string) (time.Time, error) {
	var ms sql.NullInt64
	err := db.on(q).QueryRowContext(ctx, `SELECT MAX(received_ms) FROM ak_events WHERE aloware_call_id = $1`, alowareCallID).Scan(&ms)
	if err != nil || !ms.Valid {
		return time.Time{}, err
	}
	return FromMillis(ms.Int64), nil
}
