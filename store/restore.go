package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// RestoreOptions says what Restore does.
type RestoreOptions struct {
	From string // a file written by Backup
	To   string // sqlite:PATH, a path where no database exists yet
	// ResendWaiting leaves the calls that were on their way at backup time as they were, so
	// they are sent after the start: the operator accepts that Kendo may get some twice.
	ResendWaiting bool
	// Migrate runs the engine's other migrations (River's) after ours, as Open does: a
	// backup made by an older version is brought up to date.
	Migrate Migrator
	Now     time.Time
}

// RestoreReport is what Restore did.
type RestoreReport struct {
	BackupAt time.Time
	Calls    int
	// Flagged counts, by their status at backup time, the calls that came back failed
	// with an unknown outcome; Waiting those left to be sent (ResendWaiting).
	Flagged map[lifecycle.Status]int
	Waiting int
}

// Restore makes a working database at opts.To from a backup. It refuses a path where a
// database (or what is left of one: its -wal, -shm or -journal) exists: a restore never
// overwrites the newer data an operator may still need; they move it aside first.
//
// The restored database cannot know what happened after the backup, and Kendo has no
// idempotency key. So every call that was still on its way (see lifecycle.Restored)
// comes back failed with an unknown outcome naming the backup time, and its delivery job
// is cancelled; unless ResendWaiting. The work happens on a temporary file beside the
// target, renamed into place at the end: a restore cut short leaves no half database.
func Restore(ctx context.Context, opts RestoreOptions) (RestoreReport, error) {
	path, err := sqlitePath(opts.To)
	if errors.Is(err, ErrPostgresBackup) {
		return RestoreReport{}, errors.New("store: restore: a PostgreSQL database is restored with pg_restore, then marked with restore --backup-taken-at")
	}
	if err != nil {
		return RestoreReport{}, err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if _, err := os.Lstat(p); err == nil {
			return RestoreReport{}, fmt.Errorf("store: restore: %s already exists; a restore never overwrites a database: move it aside (keep it until the restored one works), or choose another path", p)
		}
	}
	backupAt, err := readBackupTime(ctx, opts.From)
	if err != nil {
		return RestoreReport{}, err
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return RestoreReport{}, fmt.Errorf("store: restore: %w", err)
		}
	}
	tmp := path + ".restoring"
	for _, p := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
		_ = os.Remove(p) // left by a restore that was killed
	}
	if err := copyFile(opts.From, tmp); err != nil {
		return RestoreReport{}, err
	}
	defer os.Remove(tmp)

	db, err := Open(ctx, "sqlite:"+tmp, opts.Migrate)
	if err != nil {
		return RestoreReport{}, fmt.Errorf("store: restore: %w", err)
	}
	rep, err := db.MarkRestored(ctx, backupAt, opts.Now, opts.ResendWaiting)
	if err == nil {
		_, err = db.SQL.ExecContext(ctx, `DROP TABLE IF EXISTS ak_backup`)
	}
	// Closing the last connection checkpoints the WAL into the file and removes it.
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("store: restore: %w", cerr)
	}
	if err != nil {
		return RestoreReport{}, err
	}
	if _, err := os.Stat(tmp + "-wal"); err == nil {
		return RestoreReport{}, errors.New("store: restore: the restored database kept a WAL after closing; not moved into place")
	}
	if err := syncFile(tmp); err != nil {
		return RestoreReport{}, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return RestoreReport{}, fmt.Errorf("store: restore: %w", err)
	}
	_ = syncDir(filepath.Dir(path))
	return rep, nil
}

// MarkRestored applies lifecycle.Restored to every call of a database just restored from
// a backup taken at backupAt (or, with resendWaiting, only counts the calls left to be
// sent), in one transaction, and cancels the delivery jobs of the calls it flags: a job
// row left to run would find the call failed and do nothing, but a cancelled one says so
// in River's tables too. PostgreSQL restores (pg_restore) call it through
// `restore --backup-taken-at`, before the service starts.
func (db *DB) MarkRestored(ctx context.Context, backupAt, now time.Time, resendWaiting bool) (RestoreReport, error) {
	rep := RestoreReport{BackupAt: backupAt, Flagged: map[lifecycle.Status]int{}}
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return rep, fmt.Errorf("store: restore: %w", db.Scrub(err))
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM ak_calls`).Scan(&rep.Calls); err != nil {
		return rep, fmt.Errorf("store: restore: %w", db.Scrub(err))
	}
	calls, err := db.restoredCalls(ctx, tx)
	if err != nil {
		return rep, err
	}
	for _, c := range calls {
		if resendWaiting {
			rep.Waiting++
			continue
		}
		was := c.Status
		next, eff, err := lifecycle.Apply(c.State, lifecycle.Restored{BackupAt: backupAt}, now, lifecycle.Policy{})
		if err != nil {
			return rep, fmt.Errorf("store: restore call %s: %w", c.AlowareCallID, err)
		}
		c.State, c.Updated = next, now
		if eff.CancelJob && c.JobID != 0 {
			if err := db.cancelJob(ctx, tx, c.JobID); err != nil {
				return rep, err
			}
		}
		if err := db.SaveCall(ctx, tx, c); err != nil {
			return rep, err
		}
		rep.Flagged[was]++
	}
	if err := tx.Commit(); err != nil {
		return rep, fmt.Errorf("store: restore: %w", db.Scrub(err))
	}
	return rep, nil
}

// restoredCalls reads the calls lifecycle.Restored applies to.
func (db *DB) restoredCalls(ctx context.Context, tx *sql.Tx) ([]Call, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+callColumns+` FROM ak_calls WHERE status IN ($1, $2, $3, $4)`+db.ForUpdate(),
		string(lifecycle.Received), string(lifecycle.Scheduled), string(lifecycle.Delivering), string(lifecycle.Unrouted))
	if err != nil {
		return nil, fmt.Errorf("store: restore: %w", db.Scrub(err))
	}
	defer rows.Close()
	var out []Call
	for rows.Next() {
		c, err := scanCall(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// cancelJob finalizes a delivery job River has not finished, as River's own cancel
// does (the state and finalized_at change together, as River's check requires).
func (db *DB) cancelJob(ctx context.Context, tx *sql.Tx, jobID int64) error {
	now := `datetime('now', 'subsec')` // the form River's SQLite driver writes
	if db.Dialect == Postgres {
		now = `now()`
	}
	_, err := tx.ExecContext(ctx, `UPDATE river_job SET state = 'cancelled', finalized_at = `+now+`
		WHERE id = $1 AND state NOT IN ('cancelled', 'completed', 'discarded')`, jobID)
	if err != nil {
		return fmt.Errorf("store: restore: cancel delivery job %d: %w", jobID, db.Scrub(err))
	}
	return nil
}

// readBackupTime reads when the backup at path was taken, refusing a file Backup did
// not write or one that is damaged.
func readBackupTime(ctx context.Context, path string) (time.Time, error) {
	if _, err := os.Stat(path); err != nil {
		return time.Time{}, fmt.Errorf("store: restore: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return time.Time{}, fmt.Errorf("store: restore: %w", err)
	}
	defer db.Close()
	if err := quickCheck(ctx, db); err != nil {
		return time.Time{}, fmt.Errorf("store: restore: %s is not a readable SQLite database: %w", path, err)
	}
	var ms int64
	if err := db.QueryRowContext(ctx, `SELECT taken_ms FROM ak_backup`).Scan(&ms); err != nil {
		return time.Time{}, fmt.Errorf("store: restore: %s was not written by `aloware-kendo backup` (it says nothing of when it was taken): %w", path, err)
	}
	return FromMillis(ms), nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("store: restore: %w", err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return fmt.Errorf("store: restore: %w", err)
	}
	return out.Close()
}
