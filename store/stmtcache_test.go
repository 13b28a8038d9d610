package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// openCached opens a bare SQLite file through the caching connector, one connection as
// the service runs it.
func openCached(t *testing.T) *sql.DB {
	t.Helper()
	db, err := open("sqlite:" + filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.SQL.Exec(`CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	return db.SQL
}

// prepares is how many statements the connection has prepared for its cache.
func prepares(t *testing.T, db *sql.DB) (n, kept int) {
	t.Helper()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		c := dc.(*cachingConn)
		n, kept = c.prepares, c.lru.Len()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n, kept
}

// A statement run with arguments again and again, in and out of transactions, is parsed
// once; one without arguments is not kept.
func TestStatementCacheParsesOnce(t *testing.T) {
	db := openCached(t)
	for i := range 50 {
		if _, err := db.Exec(`INSERT INTO t (k, v) VALUES ($1, $2)`, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		var v string
		if err := tx.QueryRow(`SELECT v FROM t WHERE k = $1`, i).Scan(&v); err != nil || v != fmt.Sprint("v", i) {
			t.Fatalf("row %d: %q, %v", i, v, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`UPDATE t SET v = v || 'x'`); err != nil {
			t.Fatal(err)
		}
	}
	if n, kept := prepares(t, db); n != 2 || kept != 2 {
		t.Fatalf("%d statements prepared, %d kept; want the insert and the select, once each", n, kept)
	}
}

// The same query inside a loop over its own rows runs on a statement of its own: the
// kept one is not reset under the open rows.
func TestStatementCacheNestedQuery(t *testing.T) {
	db := openCached(t)
	for i := range 5 {
		if _, err := db.Exec(`INSERT INTO t (k, v) VALUES ($1, $2)`, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	const q = `SELECT k, v FROM t WHERE k >= $1 ORDER BY k`
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	outer, err := tx.Query(q, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for outer.Next() {
		var k int
		var v string
		if err := outer.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		inner, err := tx.Query(q, k)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for inner.Next() {
			n++
		}
		if err := inner.Close(); err != nil {
			t.Fatal(err)
		}
		if n != 5-k {
			t.Fatalf("inner query from %d saw %d rows, want %d", k, n, 5-k)
		}
		seen++
	}
	if err := outer.Err(); err != nil || seen != 5 {
		t.Fatalf("outer query saw %d rows (%v), want 5", seen, err)
	}
	outer.Close()
}

// Past its bound the cache drops the least recently used statements, and a statement
// that fails to prepare is not kept.
func TestStatementCacheBounds(t *testing.T) {
	db := openCached(t)
	for i := range stmtCacheSize + 20 {
		var n int
		if err := db.QueryRow(fmt.Sprintf(`SELECT COUNT(*) + %d FROM t WHERE k > $1`, i), 0).Scan(&n); err != nil || n != i {
			t.Fatalf("query %d: %d, %v", i, n, err)
		}
	}
	if _, err := db.Exec(`SELECT nope FROM t WHERE k = $1`, 1); err == nil {
		t.Fatal("a query of a missing column ran")
	}
	if n, kept := prepares(t, db); n != stmtCacheSize+20 || kept != stmtCacheSize {
		t.Fatalf("%d prepared, %d kept; want %d prepared, %d kept", n, kept, stmtCacheSize+20, stmtCacheSize)
	}
}
