package delivery

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/store"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// A request of a group whose context ends half-way has its writes
// rolled back and nothing else: the savepoint is undone even though the request's own
// context can no longer run a statement, so the group's commit does not make half an
// event durable.
func TestGroupCommitRollsBackACancelledRequest(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "group.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SQL.ExecContext(ctx, `CREATE TABLE written (what TEXT)`); err != nil {
		t.Fatal(err)
	}
	s := &Service{db: db, opts: Options{Teams: teams.Single("", kendo.Rate{Limit: 30, Period: time.Minute})}}
	s.metrics = newMetrics(prometheus.NewRegistry(), s)
	g := newGroupCommitter(s)
	defer g.close()

	reqCtx, hangUp := context.WithCancel(ctx)
	err = g.do(reqCtx, func(ctx context.Context, t *callTx) error {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO written VALUES ('half an event')`); err != nil {
			return err
		}
		hangUp()
		return ctx.Err()
	})
	if err == nil {
		t.Fatal("a request whose context ended was answered as committed")
	}
	if err := g.do(ctx, func(ctx context.Context, t *callTx) error {
		_, err := t.tx.ExecContext(ctx, `INSERT INTO written VALUES ('the next event')`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var rows []string
	res, err := db.SQL.QueryContext(ctx, `SELECT what FROM written`)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	for res.Next() {
		var w string
		if err := res.Scan(&w); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, w)
	}
	if len(rows) != 1 || rows[0] != "the next event" {
		t.Fatalf("committed %q; want only the next event", rows)
	}
}
