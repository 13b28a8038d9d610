package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aloware-kendo/aloware-kendo/store/location"
)

// A backup is a SQLite file made by VACUUM INTO plus one table, ak_backup, saying when it
// was taken: a restore needs that time to tell which calls' fate it cannot know.

// Backup is what Backup wrote.
type BackupInfo struct {
	Path    string
	TakenAt time.Time // the snapshot is at least this recent
	Bytes   int64
	Calls   int
}

// ErrPostgresBackup: a PostgreSQL database is backed up with its own tools (pg_dump).
var ErrPostgresBackup = errors.New("store: a PostgreSQL database is backed up with pg_dump")

// Backup writes a consistent copy of the SQLite database at loc to out while the service
// keeps running. It reads through a connection of its own: VACUUM INTO runs in one read
// transaction, which WAL lets run beside the service's single writing connection (the
// writer never waits for it; the busy timeout covers a checkpoint in progress). The copy
// is written under a temporary name and renamed once complete and synced, so out is
// either absent or a whole backup. An existing out is never overwritten.
func Backup(ctx context.Context, loc, out string, now time.Time) (BackupInfo, error) {
	path, err := sqlitePath(loc)
	if err != nil {
		return BackupInfo{}, err
	}
	if _, err := os.Stat(path); err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup: no database at %s: %w", path, err)
	}
	if _, err := os.Lstat(out); err == nil {
		return BackupInfo{}, fmt.Errorf("store: backup: %s already exists; choose a new file (a backup never overwrites one)", out)
	}
	if dir := filepath.Dir(out); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return BackupInfo{}, fmt.Errorf("store: backup: %w", err)
		}
	}
	partial := out + ".partial"
	_ = os.Remove(partial) // left by a backup that was killed
	defer os.Remove(partial)

	// VACUUM INTO fills an empty file as it finds it: created here, readable by its owner
	// only (it holds phone numbers and recording URLs), not with SQLite's 0644.
	if f, err := os.OpenFile(partial, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup: %w", err)
	} else if err := f.Close(); err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup: %w", err)
	}

	src, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(30000)")
	if err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup: %w", err)
	}
	defer src.Close()
	src.SetMaxOpenConns(1)
	if _, err := src.ExecContext(ctx, `VACUUM INTO $1`, partial); err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup: VACUUM INTO: %w", err)
	}

	info := BackupInfo{Path: out, TakenAt: now.UTC().Truncate(time.Millisecond)}
	if err := stampBackup(ctx, partial, info.TakenAt, &info.Calls); err != nil {
		return BackupInfo{}, err
	}
	if err := syncFile(partial); err != nil {
		return BackupInfo{}, err
	}
	if err := os.Rename(partial, out); err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup: %w", err)
	}
	_ = syncDir(filepath.Dir(out))
	if st, err := os.Stat(out); err == nil {
		info.Bytes = st.Size()
	}
	return info, nil
}

// stampBackup records in the copy when it was taken, and checks it reads back whole.
func stampBackup(ctx context.Context, path string, takenAt time.Time, calls *int) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(DELETE)&_pragma=synchronous(FULL)")
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := quickCheck(ctx, db); err != nil {
		return fmt.Errorf("store: backup: the copy is damaged: %w", err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE ak_backup (taken_ms INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO ak_backup (taken_ms) VALUES ($1)`, Millis(takenAt)); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM ak_calls`).Scan(calls); err != nil {
		return fmt.Errorf("store: backup: the copy has no calls table: %w", err)
	}
	return nil
}

func quickCheck(ctx context.Context, db *sql.DB) error {
	var verdict string
	if err := db.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&verdict); err != nil {
		return err
	}
	if verdict != "ok" {
		return errors.New(verdict)
	}
	return nil
}

// PgDumpCommand is the pg_dump command that backs up the PostgreSQL database at loc into
// out, without the password (pg_dump reads it from PGPASSWORD or ~/.pgpass).
func PgDumpCommand(loc, out string) (string, error) {
	u, err := url.Parse(loc)
	if err != nil || !strings.Contains(loc, "://") {
		return "", errors.New("store: not a postgres:// URL")
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	if q := u.Query(); len(q) > 0 {
		for key := range q {
			if k := strings.ToLower(key); k == "password" || k == "sslpassword" || strings.HasPrefix(k, "pool_") {
				q.Del(key) // secrets, and pgx's pool settings that libpq does not know
			}
		}
		u.RawQuery = q.Encode()
	}
	return fmt.Sprintf("pg_dump --format=custom --file=%s %s", shellQuote(out), shellQuote(u.String())), nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// sqlitePath is the file of a sqlite: location; a PostgreSQL one is ErrPostgresBackup.
func sqlitePath(loc string) (string, error) {
	if err := location.Check(loc); err != nil {
		return "", fmt.Errorf("store: %w", err)
	}
	path, ok := strings.CutPrefix(loc, "sqlite:")
	if !ok {
		return "", ErrPostgresBackup
	}
	return strings.TrimPrefix(path, "//"), nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("store: sync %s: %w", path, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
