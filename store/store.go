// Package store keeps aloware-kendo's durable state: every raw Aloware event, one row per
// call, the pacing log, the quarantine, key pauses, the attempt log and Kendo's webhooks.
// The same SQL runs on SQLite (the embedded default) and PostgreSQL (several replicas);
// the few differences live in Dialect and in the migrations.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"modernc.org/sqlite"               // pure Go; its "sqlite" driver also serves the tools that open a file aside

	"github.com/aloware-kendo/aloware-kendo/store/location"
)

// Dialect names the database engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the service's database handle. River shares SQL: on SQLite it must be the only
// connection (River's SQLite driver and our queries would otherwise meet SQLITE_BUSY).
type DB struct {
	SQL      *sql.DB
	Dialect  Dialect
	location string // for scrubbing credentials out of driver errors
}

// Migrator runs more migrations under the same lock as ours (River's, for the engine).
type Migrator func(ctx context.Context, db *DB) error

// Open connects to a "sqlite:PATH" or "postgres://…" location, creating the SQLite file
// and its folder on first run, and applies our migrations and then more's, all under one
// lock so that replicas starting together cannot race each other.
func Open(ctx context.Context, loc string, more Migrator) (*DB, error) {
	db, err := open(loc)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, more); err != nil {
		db.SQL.Close()
		return nil, err
	}
	return db, nil
}

// OpenMigrated opens a database that a separate `aloware-kendo migrate` step prepared,
// changing nothing in its schema: when a migration of ours, or one that check reports,
// has not been applied it fails with ErrNotMigrated (running a half-migrated schema
// would fail later, on some query, with a far less readable error).
func OpenMigrated(ctx context.Context, loc string, check func(context.Context, *DB) error) (*DB, error) {
	db, err := open(loc)
	if err != nil {
		return nil, err
	}
	pending, err := db.Pending(ctx)
	if err == nil && len(pending) > 0 {
		err = fmt.Errorf("%w: %s not applied", ErrNotMigrated, strings.Join(pending, ", "))
	}
	if err == nil && check != nil {
		err = check(ctx, db)
	}
	if err != nil {
		db.SQL.Close()
		return nil, err
	}
	return db, nil
}

// ErrNotMigrated: the database lacks migrations this build needs.
var ErrNotMigrated = errors.New("db: the database is not migrated (run `aloware-kendo migrate` with the same --db)")

func open(loc string) (*DB, error) {
	if err := location.Check(loc); err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	if path, ok := location.SQLitePath(loc); ok {
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("db: create folder for %s: %w", path, err)
			}
		}
		// WAL lets readers run beside the writer; the busy timeout covers the moments
		// another process (a CLI, a backup) holds the file. secure_delete zeroes what a
		// delete or an update removes, so an erased call's bytes do not linger in the
		// file's free space (Forget empties the WAL of their older copies).
		// Its connection keeps the statements it runs prepared (stmtcache.go).
		sqlDB := sql.OpenDB(sqliteConnector{driver: &sqlite.Driver{}, dsn: "file:" + path +
			"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
			"&_pragma=synchronous(FULL)&_pragma=foreign_keys(ON)&_pragma=secure_delete(ON)&_txlock=immediate"})
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetConnMaxLifetime(0)
		sqlDB.SetConnMaxIdleTime(0)
		return &DB{SQL: sqlDB, Dialect: SQLite, location: loc}, nil
	}
	sqlDB, err := sql.Open("pgx", loc)
	if err != nil {
		return nil, fmt.Errorf("db: open postgres: %s", location.Scrub(err.Error(), loc))
	}
	sqlDB.SetMaxOpenConns(20)
	sqlDB.SetMaxIdleConns(10)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{SQL: sqlDB, Dialect: Postgres, location: loc}, nil
}

// ForUpdate is the row-lock suffix of a SELECT: SQLite serialises writers on its single
// connection and IMMEDIATE transactions, PostgreSQL needs the explicit lock.
func (db *DB) ForUpdate() string {
	if db.Dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// Close closes the pool.
func (db *DB) Close() error { return db.SQL.Close() }

// Scrub removes the location's credentials from an error a driver made from it.
func (db *DB) Scrub(err error) error {
	if err == nil || db.Dialect != Postgres {
		return err
	}
	if msg := location.Scrub(err.Error(), db.location); msg != err.Error() {
		return errors.New(msg)
	}
	return err
}

// Millis and FromMillis convert between time.Time and the integer milliseconds every
// timestamp column stores (one representation for both engines, always UTC).
func Millis(t time.Time) int64 { return t.UnixMilli() }

func FromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func nullMillis(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func timePtr(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := FromMillis(n.Int64)
	return &t
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Querier is what both *sql.DB and *sql.Tx offer.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
