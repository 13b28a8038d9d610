package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Pause is a key Kendo refused (401/403): its deliveries wait, and one request per
// probe interval tests it.
type Pause struct {
	KeyID      string
	Team       string
	Since      time.Time
	HTTPStatus int
	Message    string
	ProbeAfter time.Time // no request with this key before this
}

const (
	pauseColumns = `key_id, team, since_ms, http_status, message, probe_after_ms`
	qGetPause    = `SELECT ` + pauseColumns + ` FROM ak_key_pauses WHERE key_id = $1`
)

func scanPause(row scanner) (Pause, error) {
	var p Pause
	var since, probe int64
	if err := row.Scan(&p.KeyID, &p.Team, &since, &p.HTTPStatus, &p.Message, &probe); err != nil {
		return Pause{}, err
	}
	p.Since, p.ProbeAfter = FromMillis(since), FromMillis(probe)
	return p, nil
}

// GetPause reads a key's pause; ok is false when the key is not paused.
func (db *DB) GetPause(ctx context.Context, q Querier, keyID string) (Pause, bool, error) {
	p, err := scanPause(q.QueryRowContext(ctx, qGetPause, keyID))
	if errors.Is(err, sql.ErrNoRows) {
		return Pause{}, false, nil
	}
	if err != nil {
		return Pause{}, false, fmt.Errorf("store: read pause: %w", err)
	}
	return p, true, nil
}

// Pauses lists every paused key.
func (db *DB) Pauses(ctx context.Context) ([]Pause, error) {
	rows, err := db.SQL.QueryContext(ctx, `SELECT `+pauseColumns+` FROM ak_key_pauses ORDER BY since_ms`)
	if err != nil {
		return nil, fmt.Errorf("store: list pauses: %w", err)
	}
	defer rows.Close()
	var out []Pause
	for rows.Next() {
		p, err := scanPause(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PauseKey records that Kendo refused a key, keeping the time the pause began when it
// was already paused; it reports whether the pause is new.
func (db *DB) PauseKey(ctx context.Context, q Querier, p Pause) (started bool, err error) {
	res, err := q.ExecContext(ctx, `INSERT INTO ak_key_pauses (key_id, team, since_ms, http_status, message, probe_after_ms)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key_id) DO NOTHING`,
		p.KeyID, p.Team, Millis(p.Since), p.HTTPStatus, Text(p.Message, 500), Millis(p.ProbeAfter))
	if err != nil {
		return false, fmt.Errorf("store: pause key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	_, err = q.ExecContext(ctx, `UPDATE ak_key_pauses SET http_status = $2, message = $3, probe_after_ms = $4 WHERE key_id = $1`,
		p.KeyID, p.HTTPStatus, Text(p.Message, 500), Millis(p.ProbeAfter))
	return false, err
}

// TakeProbe lets one request test a paused key: it succeeds for exactly one caller per
// probe interval (the update is conditional on the probe time having come).
func (db *DB) TakeProbe(ctx context.Context, q Querier, keyID string, now time.Time, every time.Duration) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE ak_key_pauses SET probe_after_ms = $3 WHERE key_id = $1 AND probe_after_ms <= $2`,
		keyID, Millis(now), Millis(now.Add(every)))
	if err != nil {
		return false, fmt.Errorf("store: probe: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ResumeKey ends a key's pause; it reports whether there was one.
func (db *DB) ResumeKey(ctx context.Context, q Querier, keyID string) (bool, error) {
	res, err := q.ExecContext(ctx, `DELETE FROM ak_key_pauses WHERE key_id = $1`, keyID)
	if err != nil {
		return false, fmt.Errorf("store: resume key: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// HeldCalls lists the scheduled calls a key's pause holds.
func (db *DB) HeldCalls(ctx context.Context, q Querier, keyID string) ([]string, error) {
	return callIDs(ctx, q, `SELECT aloware_call_id FROM ak_calls WHERE status = 'scheduled' AND paused_key = $1`, keyID)
}

// OrphanedWaits lists the scheduled calls that wait for a key (paused_key set) whose
// pause is over, or that had no key at all.
func (db *DB) OrphanedWaits(ctx context.Context, q Querier) ([]string, error) {
	return callIDs(ctx, q, `SELECT aloware_call_id FROM ak_calls WHERE status = 'scheduled' AND paused_key <> ''
		AND paused_key NOT IN (SELECT key_id FROM ak_key_pauses)`)
}
