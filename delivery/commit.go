package delivery

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aloware-kendo/aloware-kendo/store"
)

// committer runs an intake transaction: fn's writes are durable once do returns nil.
// Either committer ends every transaction the same way: the Service's beforeCommit (the
// delivery jobs fn scheduled), the commit, then its afterCommit (the metrics).
type committer interface {
	do(ctx context.Context, fn func(ctx context.Context, t *callTx) error) error
}

// retryingTx runs fn in a transaction of its own and retries the whole transaction when
// it failed on the connection (terminated, broken) or lost a serialization race: a
// PostgreSQL restart, a failover or a pooler's idle kill is not a lost event, and Aloware
// never sends it again (docs/invariants.md #10). fn must be safe to run again;
// everything it does is inside its call transaction.
type retryingTx struct{ s *Service }

// txRetries are the pauses between five tries, about a second in all.
var txRetries = []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}

func (r retryingTx) do(ctx context.Context, fn func(ctx context.Context, t *callTx) error) error {
	for try := 0; ; try++ {
		err := r.once(ctx, fn)
		if err == nil || !store.Retryable(err) || try == len(txRetries) {
			return r.s.db.Scrub(err)
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(txRetries[try]):
		}
	}
}

func (r retryingTx) once(ctx context.Context, fn func(ctx context.Context, t *callTx) error) error {
	tx, err := r.s.db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delivery: begin: %w", err)
	}
	defer tx.Rollback()
	t := &callTx{s: r.s, tx: tx}
	if err := fn(ctx, t); err != nil {
		return err
	}
	if err := r.s.beforeCommit(ctx, tx, []*callTx{t}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("delivery: commit: %w", err)
	}
	r.s.afterCommit([]*callTx{t})
	return nil
}

// groupCommitter is SQLite's intake: events that arrive together are written in one
// transaction and made durable by one fsync, and each caller is answered after that
// commit. SQLite has one writer anyway; what grouping saves is the fsync per event,
// which is most of an event's cost. Each event runs in a savepoint of its own, so one
// that fails is rolled back alone.
type groupCommitter struct {
	s    *Service
	reqs chan *commitReq
	done chan struct{}
}

type commitReq struct {
	ctx context.Context
	fn  func(ctx context.Context, t *callTx) error
	err chan error
}

// maxGroup bounds one group: enough to absorb a burst, small enough to keep the
// longest wait for the commit short.
const maxGroup = 64

func newGroupCommitter(s *Service) *groupCommitter {
	g := &groupCommitter{s: s, reqs: make(chan *commitReq), done: make(chan struct{})}
	go g.loop()
	return g
}

func (g *groupCommitter) do(ctx context.Context, fn func(ctx context.Context, t *callTx) error) error {
	req := &commitReq{ctx: ctx, fn: fn, err: make(chan error, 1)}
	select {
	case g.reqs <- req:
	case <-g.done:
		return errors.New("delivery: the database is closed")
	}
	return <-req.err
}

func (g *groupCommitter) close() {
	select {
	case <-g.done:
	default:
		close(g.done)
	}
}

func (g *groupCommitter) loop() {
	for {
		var first *commitReq
		select {
		case first = <-g.reqs:
		case <-g.done:
			return
		}
		group := []*commitReq{first}
	drain:
		for len(group) < maxGroup {
			select {
			case r := <-g.reqs:
				group = append(group, r)
			default:
				break drain
			}
		}
		g.run(group)
	}
}

// run commits one group and answers every request in it.
func (g *groupCommitter) run(group []*commitReq) {
	answer := func(r *commitReq, err error) { r.err <- err }
	tx, err := g.s.db.SQL.BeginTx(context.Background(), nil)
	if err != nil {
		for _, r := range group {
			answer(r, fmt.Errorf("delivery: begin: %w", err))
		}
		return
	}
	var ok []*commitReq
	var txs []*callTx
	for _, r := range group {
		t := &callTx{s: g.s, tx: tx}
		if err := g.step(r.ctx, t, r); err != nil {
			answer(r, err)
			continue
		}
		ok, txs = append(ok, r), append(txs, t)
	}
	err = g.s.beforeCommit(context.WithoutCancel(group[0].ctx), tx, txs)
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		err = fmt.Errorf("delivery: commit: %w", err)
		_ = tx.Rollback()
	} else {
		g.s.afterCommit(txs)
	}
	for _, r := range ok {
		answer(r, err)
	}
}

// step runs one request in a savepoint, rolling back only its own writes on error. The
// savepoint is closed on a context that cannot end: a request whose context ended
// half-way must still have its writes undone, or the group's commit keeps them.
func (g *groupCommitter) step(ctx context.Context, t *callTx, r *commitReq) (err error) {
	tx := t.tx
	if _, err := tx.ExecContext(ctx, `SAVEPOINT ak_event`); err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("delivery: panic in intake: %v", p)
		}
		closing := context.WithoutCancel(ctx)
		if err != nil {
			_, _ = tx.ExecContext(closing, `ROLLBACK TO ak_event`)
		}
		_, _ = tx.ExecContext(closing, `RELEASE ak_event`)
	}()
	return r.fn(ctx, t)
}
