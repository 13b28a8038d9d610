package preflight

import (
	"context"
	"time"

	"github.com/aloware-kendo/aloware-kendo/store"
	"github.com/aloware-kendo/aloware-kendo/store/location"
)

// databaseTimeout bounds the database check, so an unreachable server fails it
// instead of hanging the preflight.
const databaseTimeout = 30 * time.Second

// Opener opens the database at location and applies every migration (the engine's
// and River's), as the service does at start.
type Opener func(ctx context.Context, location string) (*store.DB, error)

// Database is the CLI's check: open and migrate the database, then commit a write.
func Database(ctx context.Context, loc string, open Opener) Check {
	ctx, cancel := context.WithTimeout(ctx, databaseTimeout)
	defer cancel()
	shown := location.Redact(loc)
	db, err := open(ctx, loc)
	if err != nil {
		return fail("database", "%s: cannot open and migrate it: %s", shown, location.Scrub(err.Error(), loc))
	}
	defer db.Close()
	return writable(ctx, db, shown, "migrated (the schema is applied on open) and writable")
}

// writable commits the readiness probe's write (one row of ak_health).
func writable(ctx context.Context, db *store.DB, shown, what string) Check {
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err == nil {
		defer tx.Rollback()
		if err = db.ProbeWrite(ctx, tx, time.Now()); err == nil {
			err = tx.Commit()
		}
	}
	if err != nil {
		return fail("database", "%s: a write did not commit: %s", shown, db.Scrub(err).Error())
	}
	return pass("database", "%s: %s (a write committed just now)", shown, what)
}
