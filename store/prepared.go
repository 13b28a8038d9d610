package store

import (
	"context"
	"database/sql"
	"fmt"
)

// On SQLite (modernc) every statement run with arguments is parsed again: for the intake
// that was a third of an event's CPU. The statements of the hot paths are therefore
// prepared once, when the database is opened, and reused inside every transaction
// (database/sql keeps a prepared statement per connection, and SQLite has one).
// PostgreSQL's driver caches prepared statements by itself.

// hot lists the statements worth preparing: the intake's and the delivery job's.
var hot = []string{
	qEnsureCall, qGetCall, qSaveCall, qInsertEvent, qStartAttempt, qFinishAttempt, qMoveSlot, qGetPause, qProbeWrite,
	qSetJob, qEnsureRateKey, qLockRateKey, qPruneSlots, qPruneWaits, qMyWait, qDropWait, qBusy, qBlocking, qAddWait, qTakeSlot,
}

// prepare prepares the hot statements (SQLite only); it runs before anything else uses
// the single connection.
func (db *DB) prepare(ctx context.Context) error {
	if db.Dialect != SQLite {
		return nil
	}
	db.prepared = make(map[string]*sql.Stmt, len(hot))
	for _, q := range hot {
		st, err := db.SQL.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("db: prepare: %w", err)
		}
		db.prepared[q] = st
	}
	return nil
}

// on is q, running the hot statements prepared.
func (db *DB) on(q Querier) Querier {
	if len(db.prepared) == 0 {
		return q
	}
	return preparedQuerier{q: q, stmts: db.prepared}
}

type preparedQuerier struct {
	q     Querier
	stmts map[string]*sql.Stmt
}

func (p preparedQuerier) stmt(ctx context.Context, query string) (*sql.Stmt, bool) {
	st, ok := p.stmts[query]
	if !ok {
		return nil, false
	}
	if tx, isTx := p.q.(*sql.Tx); isTx {
		return tx.StmtContext(ctx, st), true // reuses st's preparation on the transaction's connection
	}
	return st, true
}

func (p preparedQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st, ok := p.stmt(ctx, query); ok {
		return st.ExecContext(ctx, args...)
	}
	return p.q.ExecContext(ctx, query, args...)
}

func (p preparedQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st, ok := p.stmt(ctx, query); ok {
		return st.QueryContext(ctx, args...)
	}
	return p.q.QueryContext(ctx, query, args...)
}

func (p preparedQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st, ok := p.stmt(ctx, query); ok {
		return st.QueryRowContext(ctx, args...)
	}
	return p.q.QueryRowContext(ctx, query, args...)
}
