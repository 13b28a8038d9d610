package delivery

import (
	"context"
	"time"

	"github.com/aloware-kendo/aloware-kendo/store"
)

// Restore restores a SQLite backup (store.Restore) with the engine's whole schema, River's
// included, brought up to date: a backup made by an older version works.
func Restore(ctx context.Context, opts store.RestoreOptions) (store.RestoreReport, error) {
	opts.Migrate = migrateRiver
	return store.Restore(ctx, opts)
}

// MarkRestored marks a database restored by other means (pg_restore) from a dump taken at
// backupAt, as Restore does for SQLite. Run it before the service starts.
func MarkRestored(ctx context.Context, location string, backupAt, now time.Time, resendWaiting bool) (store.RestoreReport, error) {
	db, err := OpenStore(ctx, location)
	if err != nil {
		return store.RestoreReport{}, err
	}
	defer db.Close()
	return db.MarkRestored(ctx, backupAt, now, resendWaiting)
}
