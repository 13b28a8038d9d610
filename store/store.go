// Package store keeps aloware-kendo's durable state: every raw Aloware event, one row per
// call, and the pacing log. The same SQL runs on SQLite (the embedded default) and
// PostgreSQL (several replicas); the few differences live in Dialect.
package store

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite", pure Go
)

// Dialect names the database engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// schema is written for SQLite; schemaFor derives PostgreSQL's from it.
//
//go:embed schema.sql
var schema string

// schemaFor adapts the schema's two SQLite-only spellings: 64-bit integers are INTEGER in
// SQLite and BIGINT in PostgreSQL, and auto-increment keys are BIGSERIAL there.
func schemaFor(d Dialect) string {
	if d != Postgres {
		return schema
	}
	return strings.NewReplacer(
		" INTEGER PRIMARY KEY AUTOINCREMENT", " BIGSERIAL PRIMARY KEY",
		" INTEGER", " BIGINT",
	).Replace(schema)
}

// DB is the service's database handle. River shares SQL: on SQLite it must be the only
// connection (River's SQLite driver and our queries would otherwise meet SQLITE_BUSY).
type DB struct {
	SQL     *sql.DB
	Dialect Dialect
}

// Open connects to a "sqlite:PATH" or "postgres://…" location, creating the SQLite file
// and its folder on first run, and applies the schema.
func Open(ctx context.Context, location string) (*DB, error) {
	db, err := open(location)
	if err != nil {
		return nil, err
	}
	if err := db.migrate(ctx, schemaFor(db.Dialect)); err != nil {
		db.SQL.Close()
		return nil, err
	}
	return db, nil
}

func open(location string) (*DB, error) {
	switch {
	case strings.HasPrefix(location, "sqlite:"):
		path := strings.TrimPrefix(location, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		if path == "" {
			return nil, fmt.Errorf("db: sqlite location needs a file path, e.g. sqlite:./data/aloware-kendo.db")
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("db: create folder for %s: %w", path, err)
			}
		}
		// WAL lets readers run beside the writer; the busy timeout covers the moments
		// another process (a CLI, a backup) holds the file.
		q := url.Values{}
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Add("_pragma", "foreign_keys(ON)")
		q.Set("_txlock", "immediate")
		sqlDB, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
		if err != nil {
			return nil, fmt.Errorf("db: open sqlite: %w", err)
		}
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetConnMaxLifetime(0)
		sqlDB.SetConnMaxIdleTime(0)
		return &DB{SQL: sqlDB, Dialect: SQLite}, nil
	case strings.HasPrefix(location, "postgres://"), strings.HasPrefix(location, "postgresql://"):
		sqlDB, err := sql.Open("pgx", location)
		if err != nil {
			return nil, fmt.Errorf("db: open postgres: %w", redact(err, location))
		}
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		return &DB{SQL: sqlDB, Dialect: Postgres}, nil
	}
	return nil, fmt.Errorf("db: unsupported location %q: use sqlite:PATH or postgres://…", RedactLocation(location))
}

// migrate applies the schema; every statement is idempotent. On PostgreSQL an advisory
// lock keeps replicas that start together from racing each other.
func (db *DB) migrate(ctx context.Context, schema string) error {
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	defer tx.Rollback()
	if db.Dialect == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7243001)`); err != nil {
			return fmt.Errorf("db: migrate lock: %w", err)
		}
	}
	for _, stmt := range strings.Split(schema, ";") {
		if strings.TrimSpace(stripComments(stmt)) == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("db: migrate: %w", err)
		}
	}
	return tx.Commit()
}

// ForUpdate is the row-lock suffix of a SELECT: SQLite serialises writers on its single
// connection and IMMEDIATE transactions, PostgreSQL needs the explicit lock.
func (db *DB) ForUpdate() string {
	if db.Dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.SQL.PingContext(ctx) }

// Close closes the pool.
func (db *DB) Close() error { return db.SQL.Close() }

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// RedactLocation hides the password of a database URL (postgres://u:secret@h →
// postgres://u:xxxxx@h) wherever a location is shown: errors, logs, start-up lines.
func RedactLocation(location string) string {
	if !strings.Contains(location, "://") {
		return location
	}
	u, err := url.Parse(location)
	if err != nil {
		return "[unparseable database URL]"
	}
	return u.Redacted()
}

func redact(err error, location string) error {
	u, perr := url.Parse(location)
	if perr != nil || u.User == nil {
		return err
	}
	if pw, has := u.User.Password(); has && pw != "" {
		return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), pw, "xxxxx"))
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
