package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// migrationFiles are numbered: NNNN_name.sql runs on both engines (written for SQLite;
// PostgreSQL's spelling is derived, see forPostgres), NNNN_name.sqlite.sql and
// NNNN_name.postgres.sql are the two halves of a change the engines spell differently.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrationsFor lists the migrations of one engine in order.
func migrationsFor(d Dialect) ([]migration, error) {
	entries, err := migrationFiles.ReadDir("migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		base := strings.TrimSuffix(e.Name(), ".sql")
		name, dialect, specific := strings.Cut(base, ".")
		if specific && Dialect(dialect) != d {
			continue
		}
		num, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("migration %s: no version number", e.Name())
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		text := string(b)
		if !specific && d == Postgres {
			text = forPostgres(text)
		}
		out = append(out, migration{version: v, name: name, sql: text})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("two migrations numbered %d for %s", out[i].version, d)
		}
	}
	return out, nil
}

// forPostgres adapts the SQLite-only spellings of a shared migration: 64-bit integers are
// INTEGER in SQLite and BIGINT in PostgreSQL, auto-increment keys are BIGSERIAL there,
// and bytes are BYTEA.
func forPostgres(s string) string {
	return strings.NewReplacer(
		" INTEGER PRIMARY KEY AUTOINCREMENT", " BIGSERIAL PRIMARY KEY",
		" INTEGER", " BIGINT",
		" BLOB", " BYTEA",
	).Replace(s)
}

// migrationLock is the PostgreSQL advisory lock replicas take while migrating.
const migrationLock = 7243001

// Migrate applies the migrations this database lacks, then more, under one lock: on
// PostgreSQL a session advisory lock on a connection of its own (River's migrator uses the
// pool, so a transaction-scoped lock could not cover it); on SQLite the file has one
// writer and the IMMEDIATE transaction serialises.
func (db *DB) Migrate(ctx context.Context, more Migrator) error {
	migrations, err := migrationsFor(db.Dialect)
	if err != nil {
		return err
	}
	var q interface {
		BeginTx(context.Context, *sql.TxOptions) (*sql.Tx, error)
	} = db.SQL
	if db.Dialect == Postgres {
		conn, err := db.SQL.Conn(ctx)
		if err != nil {
			return fmt.Errorf("db: migrate: %w", db.Scrub(err))
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
			return fmt.Errorf("db: migrate lock: %w", db.Scrub(err))
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
		q = conn
	}
	if err := applyMigrations(ctx, q, migrations); err != nil {
		return fmt.Errorf("db: migrate: %w", db.Scrub(err))
	}
	if more != nil {
		return more(ctx, db)
	}
	return nil
}

// Pending names the migrations of ours this database has not applied (all of them on
// an empty database).
func (db *DB) Pending(ctx context.Context) ([]string, error) {
	migrations, err := migrationsFor(db.Dialect)
	if err != nil {
		return nil, err
	}
	done := map[int]bool{}
	rows, err := db.SQL.QueryContext(ctx, `SELECT version FROM ak_migrations`)
	switch {
	case SchemaLost(err):
		// no table yet: nothing applied
	case err != nil:
		return nil, fmt.Errorf("db: reading the applied migrations: %w", db.Scrub(err))
	default:
		defer rows.Close()
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				return nil, err
			}
			done[v] = true
		}
		if err := rows.Err(); err != nil {
			return nil, db.Scrub(err)
		}
	}
	var pending []string
	for _, m := range migrations {
		if !done[m.version] {
			pending = append(pending, m.name)
		}
	}
	return pending, nil
}

func applyMigrations(ctx context.Context, q interface {
	BeginTx(context.Context, *sql.TxOptions) (*sql.Tx, error)
}, migrations []migration) error {
	tx, err := q.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS ak_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)`); err != nil {
		return err
	}
	done := map[int]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT version FROM ak_migrations`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		done[v] = true
	}
	rows.Close()
	for _, m := range migrations {
		if done[m.version] {
			continue
		}
		// Comments go first: they may hold a semicolon.
		for _, stmt := range statements(stripComments(m.sql)) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ak_migrations (version, name, applied_ms) VALUES ($1, $2, $3)`,
			m.version, m.name, Millis(time.Now())); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// statements splits a migration at its semicolons, except those inside a body that
// ends with its own: a SQLite trigger's BEGIN … END and a PostgreSQL function's $$ … $$.
func statements(sql string) []string {
	var out []string
	var cur strings.Builder
	inDollar := false
	for _, part := range strings.SplitAfter(sql, ";") {
		cur.WriteString(part)
		if strings.Count(part, "$$")%2 == 1 {
			inDollar = !inDollar
		}
		stmt := strings.TrimSpace(cur.String())
		upper := strings.ToUpper(stmt)
		if inDollar || strings.HasPrefix(upper, "CREATE TRIGGER") && strings.Contains(upper, " BEGIN") && !strings.HasSuffix(upper, "END;") {
			continue
		}
		cur.Reset()
		if stmt = strings.TrimSpace(strings.TrimSuffix(stmt, ";")); stmt != "" {
			out = append(out, stmt)
		}
	}
	return out
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}
