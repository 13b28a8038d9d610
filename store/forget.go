package store

import (
	"context"
	"fmt"
)

// ContentTables are the tables that hold a call's content, or its traces in Kendo's
// texts: what an erasure or a retention purge rewrites.
var ContentTables = []string{"ak_events", "ak_calls", "ak_attempts", "ak_sent_bodies", "ak_kendo_webhooks", "ak_quarantine"}

// Forget makes the content an erasure or a purge just removed unrecoverable from the
// database's files, not only from its queries. Call it after the transactions that
// removed it have committed, outside any transaction.
//
// SQLite: every connection runs with secure_delete, so a deleted or rewritten row's bytes
// are overwritten with zeros in its page (and a freed page is zeroed); but the older
// versions of those pages still sit in the write-ahead log until a checkpoint copies the
// new ones over them. A TRUNCATE checkpoint writes every page back and empties the WAL
// file. It runs on the pool's single connection, so no transaction of ours is open; a
// reader in another process (a backup, the sqlite3 shell) makes it report busy, which is
// an error here — the content stays in the WAL until the next erasure or purge run.
//
// PostgreSQL: an UPDATE or DELETE leaves the old row version in the table's pages until
// VACUUM removes it (autovacuum may take hours on a quiet table); VACUUM makes its space
// free for reuse. It cannot run inside a transaction, and it cannot remove a version an
// open transaction of this database (another replica's) may still see.
func (db *DB) Forget(ctx context.Context, tables ...string) error {
	if len(tables) == 0 {
		tables = ContentTables
	}
	if db.Dialect == SQLite {
		var busy, logFrames, checkpointed int
		if err := db.SQL.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &checkpointed); err != nil {
			return fmt.Errorf("store: checkpoint the WAL: %w", err)
		}
		if busy != 0 {
			return fmt.Errorf("store: checkpoint the WAL: another connection holds it (%d of %d frames copied)", checkpointed, logFrames)
		}
		return nil
	}
	for _, t := range tables { // names from ContentTables: never input
		if _, err := db.SQL.ExecContext(ctx, `VACUUM `+t); err != nil {
			return fmt.Errorf("store: vacuum %s: %w", t, db.Scrub(err))
		}
	}
	return nil
}
