package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Attempt is one Kendo request of a call and Kendo's answer.
type Attempt struct {
	ID            int64
	AlowareCallID string
	N             int
	Started       time.Time
	Finished      *time.Time
	Outcome       string // "unknown" until an answer is recorded
	HTTPStatus    int
	Message       string
	KendoCallID   string
	BodySHA256    string // of the request body (hex); "" before bodies were kept, and once purged
	BodySize      int    // bytes of the request body; 0 before bodies were kept
}

const qStartAttempt = `INSERT INTO ak_attempts (aloware_call_id, n, started_ms, body_sha256, body_size)
	VALUES ($1, $2, $3, $4, $5) RETURNING id`

// StartAttempt records that request n of a call is about to be sent, with the exact body
// it carries (kept once per call and content, see keepSentBody).
func (db *DB) StartAttempt(ctx context.Context, q Querier, alowareCallID string, n int, at time.Time, body []byte) (int64, error) {
	hash := BodyHash(body)
	if err := db.keepSentBody(ctx, q, alowareCallID, hash, body); err != nil {
		return 0, err
	}
	var id int64
	err := db.on(q).QueryRowContext(ctx, qStartAttempt, alowareCallID, n, Millis(at), hash, len(body)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: start attempt: %w", err)
	}
	return id, nil
}

const qFinishAttempt = `UPDATE ak_attempts SET finished_ms = $2, outcome = $3, http_status = $4, message = $5,
	kendo_call_id = $6 WHERE id = $1`

// FinishAttempt records Kendo's answer to an attempt.
func (db *DB) FinishAttempt(ctx context.Context, q Querier, a Attempt) error {
	_, err := db.on(q).ExecContext(ctx, qFinishAttempt, a.ID, nullMillis(a.Finished), a.Outcome, a.HTTPStatus, Text(a.Message, 1000), a.KendoCallID)
	if err != nil {
		return fmt.Errorf("store: finish attempt: %w", err)
	}
	return nil
}

// Attempts lists a call's attempts in order.
func (db *DB) Attempts(ctx context.Context, q Querier, alowareCallID string) ([]Attempt, error) {
	rows, err := db.on(q).QueryContext(ctx, `SELECT id, aloware_call_id, n, started_ms, finished_ms, outcome, http_status, message, kendo_call_id,
		body_sha256, body_size FROM ak_attempts WHERE aloware_call_id = $1 ORDER BY id`, alowareCallID)
	if err != nil {
		return nil, fmt.Errorf("store: list attempts: %w", err)
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		var a Attempt
		var started int64
		var finished sql.NullInt64
		if err := rows.Scan(&a.ID, &a.AlowareCallID, &a.N, &started, &finished, &a.Outcome, &a.HTTPStatus, &a.Message, &a.KendoCallID,
			&a.BodySHA256, &a.BodySize); err != nil {
			return nil, err
		}
		a.Started, a.Finished = FromMillis(started), timePtr(finished)
		out = append(out, a)
	}
	return out, rows.Err()
}

// MinuteCount is one minute of the ops page's chart: calls delivered and failed.
type MinuteCount struct {
	Minute    time.Time
	Delivered int
	Failed    int
}

// PurgeAttempts drops the request bodies of the calls' attempts and their messages
// (Kendo's error text may quote the payload), and the bodies' hashes (a hash confirms a
// guess at the content); outcomes, times and body sizes stay.
func (db *DB) PurgeAttempts(ctx context.Context, q Querier, alowareCallIDs ...string) error {
	cond, ids := callIDsIn(db.Dialect, "$1", alowareCallIDs)
	if _, err := db.on(q).ExecContext(ctx, `UPDATE ak_attempts SET message = '', body_sha256 = '' WHERE `+cond, ids); err != nil {
		return fmt.Errorf("store: purge attempts: %w", err)
	}
	// The kept request bodies hold the content (the transcript, the recording URL, the
	// contact's number in the metadata).
	if _, err := db.on(q).ExecContext(ctx, `DELETE FROM ak_sent_bodies WHERE `+cond, ids); err != nil {
		return fmt.Errorf("store: purge sent bodies: %w", err)
	}
	return nil
}

// AttemptOutcomes lists the outcomes of a call's attempts started at or after since
// (the current generation's first attempt), in order; an attempt without an answer yet
// reads "unknown".
func (db *DB) AttemptOutcomes(ctx context.Context, q Querier, alowareCallID string, since time.Time) ([]string, error) {
	rows, err := db.on(q).QueryContext(ctx, `SELECT outcome FROM ak_attempts WHERE aloware_call_id = $1 AND started_ms >= $2 ORDER BY id`,
		alowareCallID, Millis(since))
	if err != nil {
		return nil, fmt.Errorf("store: attempt outcomes: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, fmt.Errorf("store: attempt outcomes: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
