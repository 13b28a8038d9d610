package store

import (
	"context"
	"errors"
	"strings"
	"time"
)

const qProbeWrite = `UPDATE ak_health SET at_ms = $1 WHERE id = 1`

// ProbeWrite makes the smallest real write, so readiness reports whether a write would
// succeed now (a full disk, a read-only file, a dropped database all fail it).
func (db *DB) ProbeWrite(ctx context.Context, q Querier, now time.Time) error {
	res, err := q.ExecContext(ctx, qProbeWrite, Millis(now))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrSchemaLost
	}
	return nil
}

// ErrSchemaLost: the database answers but our tables are gone (re-created empty).
var ErrSchemaLost = errors.New("store: the database has lost its schema")

// SchemaLost reports whether err says our tables do not exist: the database was
// re-created empty under us, and migrating again repairs it.
func SchemaLost(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrSchemaLost) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "no such table") || strings.Contains(msg, "SQLSTATE 42P01") ||
		(strings.Contains(msg, "relation") && strings.Contains(msg, "does not exist"))
}
