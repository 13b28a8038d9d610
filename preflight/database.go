package preflight

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aloware-kendo/aloware-kendo/store"
)

// databaseTimeout bounds the database check, so an unreachable server fails it
// instead of hanging the preflight.
const databaseTimeout = 30 * time.Second

// Opener opens the database at location and applies the schema (store.Open does
// both), returning the pool to write through.
type Opener func(ctx context.Context, location string) (*sql.DB, error)

// Database is the CLI's check: open and migrate the database, then commit a write.
func Database(ctx context.Context, location string, open Opener) Check {
	ctx, cancel := context.WithTimeout(ctx, databaseTimeout)
	defer cancel()
	shown := store.RedactLocation(location)
	db, err := open(ctx, location)
	if err != nil {
		return fail("database", "%s: cannot open and migrate it: %s", shown, scrubLocation(err.Error(), location))
	}
	defer db.Close()
	if err := probeWrite(ctx, db); err != nil {
		return fail("database", "%s: migrated, but a write did not commit: %s", shown, scrubLocation(err.Error(), location))
	}
	return pass("database", "%s: migrated (the schema is applied on open) and writable (%s)", shown, probeWhat)
}

// Writable is the running service's check of its open database: a write commits now.
func Writable(ctx context.Context, db *sql.DB, location string) Check {
	ctx, cancel := context.WithTimeout(ctx, databaseTimeout)
	defer cancel()
	shown := store.RedactLocation(location)
	if err := probeWrite(ctx, db); err != nil {
		return fail("database", "%s: a write did not commit: %s", shown, scrubLocation(err.Error(), location))
	}
	return pass("database", "%s: writable (%s)", shown, probeWhat)
}

const probeWhat = "a scratch table created, filled and dropped in one committed transaction"

// probeWrite commits a write that leaves nothing behind: it needs the rights the
// schema migration needs, touches none of the service's tables, and both engines
// undo DDL with the transaction if it fails half way.
func probeWrite(ctx context.Context, db *sql.DB) error {
	table := "ak_preflight_" + randomHex(6) // unique, so concurrent checks never meet
	return inTx(ctx, db,
		"CREATE TABLE "+table+" (checked_ms BIGINT NOT NULL)",
		fmt.Sprintf("INSERT INTO %s (checked_ms) VALUES (%d)", table, time.Now().UnixMilli()),
		"DROP TABLE "+table,
	)
}

func inTx(ctx context.Context, db *sql.DB, statements ...string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, stmt := range statements {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// scrubLocation removes the database password from driver error text, which may
// quote the connection string.
func scrubLocation(msg, location string) string {
	u, err := url.Parse(location)
	if err != nil || u.User == nil {
		return msg
	}
	if pw, ok := u.User.Password(); ok && pw != "" {
		msg = strings.ReplaceAll(msg, pw, "xxxxx")
	}
	return msg
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
