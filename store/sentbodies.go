package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// MaxSentBody is the largest request body kept with its attempt: Kendo's limit. A larger
// body is never sent — the Kendo client refuses it before the request — so only its hash
// and size are recorded.
const MaxSentBody = kendo.MaxBodyBytes

// SentBody is the body a call's Kendo request carried, as recorded with its attempt.
type SentBody struct {
	Attempt int    // the attempt's n
	SHA256  string // hex
	Body    []byte
}

// BodyHash names a request body in the attempt log: hex SHA-256.
func BodyHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

const qHasSentBody = `SELECT 1 FROM ak_sent_bodies WHERE aloware_call_id = $1 AND sha256 = $2`

// keepSentBody stores a call's request body once: the retries of a call usually send the
// same bytes, so a body already kept is neither written nor sent to the database again.
func (db *DB) keepSentBody(ctx context.Context, q Querier, alowareCallID, hash string, body []byte) error {
	if len(body) > MaxSentBody {
		return nil
	}
	var one int
	switch err := db.on(q).QueryRowContext(ctx, qHasSentBody, alowareCallID, hash).Scan(&one); {
	case err == nil:
		return nil
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("store: keep sent body: %w", err)
	}
	_, err := db.on(q).ExecContext(ctx, `INSERT INTO ak_sent_bodies (aloware_call_id, sha256, body) VALUES ($1, $2, $3)
		ON CONFLICT (aloware_call_id, sha256) DO NOTHING`, alowareCallID, hash, body)
	if err != nil {
		return fmt.Errorf("store: keep sent body: %w", err)
	}
	return nil
}

// LastSentBody is the body of the call's latest attempt whose body is kept; ok is false
// when no attempt has one (none made yet, made before bodies were kept, or purged).
func (db *DB) LastSentBody(ctx context.Context, q Querier, alowareCallID string) (b SentBody, ok bool, err error) {
	err = db.on(q).QueryRowContext(ctx, `SELECT a.n, a.body_sha256, b.body FROM ak_attempts a
		JOIN ak_sent_bodies b ON b.aloware_call_id = a.aloware_call_id AND b.sha256 = a.body_sha256
		WHERE a.aloware_call_id = $1 ORDER BY a.id DESC LIMIT 1`, alowareCallID).Scan(&b.Attempt, &b.SHA256, &b.Body)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return SentBody{}, false, nil
	case err != nil:
		return SentBody{}, false, fmt.Errorf("store: last sent body: %w", err)
	}
	return b, true, nil
}
