package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Quarantined is one stored JSON object that could not be used.
type Quarantined struct {
	ID         int64
	ReceivedAt time.Time
	Name       string
	Problems   []Problem
	Size       int
	Raw        []byte // only when asked for
}

// Problem is one reason a quarantined event could not be used. A row stores its problems
// as JSON: the tags are that persisted format.
type Problem struct {
	Location string `json:"location"`
	Message  string `json:"message"`
}

// rowOverhead is what a quarantined row takes on disk beyond its body, name and problems
// text: the row's header and other columns, its index entries, the slack of pages.
// Measured by TestQuarantineBoundsTheDisk with rows of a 2-byte body: about 30 bytes a
// row on SQLite and 140 on PostgreSQL (its tuple header and two b-tree entries), each
// rounded up here.
func (db *DB) rowOverhead() int64 {
	if db.Dialect == Postgres {
		return 160
	}
	return 48
}

// costSQL is what one row takes, as rowCost counts it (octet_length: bytes, not
// characters, on both databases).
func (db *DB) costSQL() string {
	return fmt.Sprintf(`size + octet_length(name) + octet_length(problems) + %d`, db.rowOverhead())
}

// rowCost is what a row takes: it is what the bound counts, so the bound is one on the
// disk whatever the events' sizes (40,000 bodies of `{}` would otherwise count as 80 KB
// and take 10 MB).
func (db *DB) rowCost(raw []byte, name, problems string) int64 {
	return int64(len(raw)+len(name)+len(problems)) + db.rowOverhead()
}

// Quarantine stores an event in the quarantine unless that would take the quarantine
// past maxBytes (counting what its rows take, not only their bodies); it returns the new
// id, or 0 when the quarantine is full.
func (db *DB) Quarantine(ctx context.Context, tx *sql.Tx, q Quarantined, maxBytes int64) (int64, error) {
	var used int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(`+db.costSQL()+`), 0) FROM ak_quarantine`).Scan(&used); err != nil {
		return 0, fmt.Errorf("store: quarantine: %w", err)
	}
	encoded, err := json.Marshal(q.Problems)
	if err != nil {
		return 0, err
	}
	name, problems := Text(q.Name, 200), Text(string(encoded), 8000)
	if used+db.rowCost(q.Raw, name, problems) > maxBytes {
		return 0, nil
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO ak_quarantine (received_ms, name, problems, size, raw) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		Millis(q.ReceivedAt), name, problems, len(q.Raw), q.Raw).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: quarantine: %w", err)
	}
	return id, nil
}

// QuarantineStats counts the quarantine's events and the bytes they take (what the bound
// counts).
func (db *DB) QuarantineStats(ctx context.Context) (count int, bytes int64, err error) {
	err = db.SQL.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(`+db.costSQL()+`), 0) FROM ak_quarantine`).Scan(&count, &bytes)
	return count, bytes, err
}

// ListQuarantine lists quarantined events newest first, without their bodies; before
// continues a listing (0 = from the newest).
func (db *DB) ListQuarantine(ctx context.Context, limit int, before int64) ([]Quarantined, error) {
	q := `SELECT id, received_ms, name, problems, size FROM ak_quarantine`
	args := []any{}
	if before > 0 {
		q += ` WHERE id < $1`
		args = append(args, before)
	}
	rows, err := db.SQL.QueryContext(ctx, q+fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list quarantine: %w", err)
	}
	defer rows.Close()
	var out []Quarantined
	for rows.Next() {
		var e Quarantined
		var ms int64
		var problems string
		if err := rows.Scan(&e.ID, &ms, &e.Name, &problems, &e.Size); err != nil {
			return nil, err
		}
		e.ReceivedAt = FromMillis(ms)
		_ = json.Unmarshal([]byte(problems), &e.Problems) // written by Quarantine
		out = append(out, e)
	}
	return out, rows.Err()
}

// QuarantinedAfter returns the next quarantined event after id in arrival order, with
// its body, or ok=false when there is none.
func (db *DB) QuarantinedAfter(ctx context.Context, id int64) (e Quarantined, ok bool, err error) {
	var ms int64
	err = db.SQL.QueryRowContext(ctx, `SELECT id, received_ms, name, size, raw FROM ak_quarantine WHERE id > $1 ORDER BY id LIMIT 1`, id).
		Scan(&e.ID, &ms, &e.Name, &e.Size, &e.Raw)
	if err == sql.ErrNoRows {
		return e, false, nil
	}
	if err != nil {
		return e, false, fmt.Errorf("store: quarantine: %w", err)
	}
	e.ReceivedAt = FromMillis(ms)
	return e, true, nil
}

// Release removes an event from the quarantine (it was replayed into its call).
func (db *DB) Release(ctx context.Context, q Querier, id int64) error {
	_, err := q.ExecContext(ctx, `DELETE FROM ak_quarantine WHERE id = $1`, id)
	return err
}

// PurgeQuarantine removes quarantined events received before t (retention).
func (db *DB) PurgeQuarantine(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.SQL.ExecContext(ctx, `DELETE FROM ak_quarantine WHERE received_ms < $1`, Millis(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
