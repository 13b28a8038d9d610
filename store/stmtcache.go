package store

import (
	"container/list"
	"context"
	"database/sql/driver"
	"reflect"

	"modernc.org/sqlite"
)

// modernc's SQLite parses a statement's text again on every Exec or Query that is not
// run through a prepared statement. River's SQLite driver runs all of its statements
// that way (fetching, completing and rescheduling jobs), and so do our queries: in the
// intake benchmark with deliveries due, parsing was about a quarter of the CPU. The
// connection therefore keeps the statements it has run with arguments prepared, by their
// text, and runs them again without parsing: River's and ours alike, with no list to keep.
// Statements without arguments (migrations, pragmas, scripts) are left alone: they are
// rare, and a script of several statements cannot be kept prepared.

// stmtCacheSize bounds the statements one connection keeps prepared. River's and ours
// together are about a hundred distinct texts; lists spelled out with one placeholder
// per id (River's "IN (?, ?, …)") make more, and the least recently used go first.
const stmtCacheSize = 256

// sqliteConnector opens modernc SQLite connections that cache their statements.
type sqliteConnector struct {
	dsn    string
	driver *sqlite.Driver
}

func (c sqliteConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.driver.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &cachingConn{sqliteConn: conn.(sqliteConn), stmts: map[string]*list.Element{}, lru: list.New()}, nil
}

func (c sqliteConnector) Driver() driver.Driver { return c.driver }

// sqliteConn is what database/sql uses of a modernc connection.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// preparedStmt is what a modernc statement offers.
type preparedStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// cachedStmt is one kept statement. busy while its rows are open: a second query of the
// same text meanwhile (a query inside a loop over another's rows) must not reset it, so
// it runs on a statement of its own.
type cachedStmt struct {
	query string
	stmt  preparedStmt
	busy  bool
}

// cachingConn is a modernc connection that keeps its statements prepared. database/sql
// uses a connection from one goroutine at a time, so it needs no lock.
type cachingConn struct {
	sqliteConn
	stmts    map[string]*list.Element // of *cachedStmt, by text
	lru      *list.List               // most recently used first
	prepares int                      // statements prepared for the cache, for tests
}

// cached returns the kept statement for query, preparing it on first use; nil when the
// statement is busy (the caller runs the query uncached).
func (c *cachingConn) cached(ctx context.Context, query string) (*cachedStmt, error) {
	if e, ok := c.stmts[query]; ok {
		c.lru.MoveToFront(e)
		s := e.Value.(*cachedStmt)
		if s.busy {
			return nil, nil
		}
		return s, nil
	}
	st, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.prepares++
	s := &cachedStmt{query: query, stmt: st.(preparedStmt)}
	c.stmts[query] = c.lru.PushFront(s)
	for c.lru.Len() > stmtCacheSize {
		c.evict(c.lru.Back())
	}
	return s, nil
}

// evict drops a kept statement; one whose rows are still open is closed when they are.
func (c *cachingConn) evict(e *list.Element) {
	s := c.lru.Remove(e).(*cachedStmt)
	delete(c.stmts, s.query)
	if !s.busy {
		s.stmt.Close()
	}
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 0 {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	s, err := c.cached(ctx, query)
	if err != nil || s == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	return s.stmt.ExecContext(ctx, args) // runs to completion and resets the statement
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	s, err := c.cached(ctx, query)
	if err != nil || s == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := s.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	s.busy = true
	return &cachedRows{Rows: rows, release: func() { c.release(s) }}, nil
}

// release marks s free once its rows are closed, closing it if it was evicted meanwhile.
func (c *cachingConn) release(s *cachedStmt) {
	s.busy = false
	if e, ok := c.stmts[s.query]; !ok || e.Value != s {
		s.stmt.Close()
	}
}

func (c *cachingConn) Close() error {
	for e := c.lru.Front(); e != nil; e = c.lru.Front() {
		c.evict(e)
	}
	return c.sqliteConn.Close()
}

// cachedRows are a kept statement's rows: closing them frees the statement.
type cachedRows struct {
	driver.Rows
	release func()
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close() // resets the statement for its next use
	if r.release != nil {
		r.release()
		r.release = nil
	}
	return err
}

// The column type methods modernc's rows offer, passed on (sql.Rows.ColumnTypes).

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *cachedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, is := r.Rows.(driver.RowsColumnTypeNullable); is {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}
