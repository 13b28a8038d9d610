package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// GET /calls and the ops page's counts read ak_calls off an index, on both engines:
// none of them scans the table, and only the listings expected to sort do (several
// statuses: neither engine walks an index in first-seen order across an IN list; q by
// id: at most two rows). 20,000 calls give PostgreSQL's planner the statistics a real
// database has; the plans are the ones BenchmarkCallsAtScale measures over 100,000.
func TestListQueriesUseIndexes(t *testing.T) {
	for name, location := range testenv.Databases() {
		t.Run(name, func(t *testing.T) {
			db, l := openLoaded(t, location(t), 20_000)
			type query struct {
				name  string
				sql   string
				args  []any
				sorts bool
			}
			var queries []query
			for _, q := range listQueries(l) {
				text, args := q.f.listQuery(db.Dialect)
				queries = append(queries, query{q.name, text, args, len(q.f.Statuses) > 1 || q.f.Query != "" || len(q.f.IDs) > 0})
			}
			queries = append(queries, query{name: "activity", sql: activityQuery, args: []any{Millis(time.Now().Add(-24 * time.Hour))}})
			for _, q := range queries {
				steps := plan(t, db, q.sql, q.args)
				text := strings.Join(steps, "\n")
				for _, s := range steps {
					s = strings.TrimSpace(s)
					fullScan := db.Dialect == SQLite && strings.HasPrefix(s, "SCAN ak_calls") && !strings.Contains(s, "INDEX") ||
						db.Dialect == Postgres && strings.Contains(s, "Seq Scan")
					sort := strings.Contains(s, "TEMP B-TREE FOR ORDER BY") || strings.HasPrefix(strings.TrimLeft(s, "-> "), "Sort ")
					if fullScan || sort && !q.sorts {
						t.Errorf("%s: %q in the plan:\n%s", q.name, s, text)
					}
				}
			}
		})
	}
}

// The overview's and /metrics' counts per status read the counters, not the calls: a
// count over a covering index still reads one index entry per call (14 ms at 100,000
// calls, a year's million would take ten times that). The queue's age and backlog read
// only the queued calls, off the status index.
func TestOverviewCountsReadNoCalls(t *testing.T) {
	for name, location := range testenv.Databases() {
		t.Run(name, func(t *testing.T) {
			db, _ := openLoaded(t, location(t), 20_000)
			for _, q := range []struct {
				name, sql  string
				readsCalls bool
			}{
				{"count-by-status", qCountByStatus, false},
				{"oldest-queued", qOldestQueued, true},
				{"backlog", qBacklog, true},
			} {
				steps := plan(t, db, q.sql, nil)
				text := strings.Join(steps, "\n")
				if !q.readsCalls && strings.Contains(text, "ak_calls") {
					t.Errorf("%s reads the calls:\n%s", q.name, text)
				}
				if q.readsCalls && !strings.Contains(text, "ak_calls_status") {
					t.Errorf("%s does not read the queued calls off the status index:\n%s", q.name, text)
				}
			}
		})
	}
}

// PostgreSQL plans a prepared statement (pgx prepares every query) for any parameter
// values once it has run five times. A status listing's plan must still know its status:
// one made for "some status" walks every call in first-seen order to fill a page of a
// status few or no calls have (23 ms for status=delivering over 100,000 calls, against
// 0.05 ms). Checked on the generic plan itself.
func TestStatusListingsKeepTheirPlanWhenPrepared(t *testing.T) {
	if testenv.PostgresURL() == "" {
		t.Skip(testenv.PostgresEnv + " is not set: this is about PostgreSQL's plan cache")
	}
	ctx := context.Background()
	db, _ := openLoaded(t, testenv.FreshPostgres(t), 20_000)
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
		t.Fatal(err)
	}
	for i, st := range []lifecycle.Status{lifecycle.Delivering, lifecycle.Erased, lifecycle.Failed} {
		query, args := CallFilter{Statuses: []lifecycle.Status{st}, Limit: 51}.listQuery(db.Dialect)
		name := fmt.Sprintf("ak_listing_%d", i)
		if _, err := conn.ExecContext(ctx, `PREPARE `+name+` AS `+query); err != nil {
			t.Fatal(err)
		}
		values := make([]string, len(args))
		for j, a := range args {
			values[j] = "'" + strings.ReplaceAll(fmt.Sprint(a), "'", "''") + "'"
		}
		explain := `EXPLAIN EXECUTE ` + name
		if len(values) > 0 {
			explain += `(` + strings.Join(values, ", ") + `)`
		}
		rows, err := conn.QueryContext(ctx, explain)
		if err != nil {
			t.Fatal(err)
		}
		var steps []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			steps = append(steps, s)
		}
		rows.Close()
		text := strings.Join(steps, "\n")
		if !strings.Contains(text, "Index Cond: (status = '"+string(st)+"'::text)") {
			t.Errorf("status %s: the cached plan does not look the status up in an index:\n%s", st, text)
		}
	}
}

// POST /calls/redeliver's ids reach the store as one JSON array parameter: every id
// asked for is found, ids of no call are not, and the other filters still apply.
func TestCallIDsByIDs(t *testing.T) {
	ctx := context.Background()
	for name, location := range testenv.Databases() {
		t.Run(name, func(t *testing.T) {
			db, l := openLoaded(t, location(t), 2_000)
			asked := append(slices.Clone(l.ids), "1", `7"); DROP TABLE ak_calls; --`)
			got, err := db.CallIDs(ctx, CallFilter{IDs: asked})
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(l.ids))
			if !slices.Equal(got, want) {
				t.Fatalf("CallIDs by %d ids: %d found, want %d", len(asked), len(got), len(want))
			}
			failed, err := db.CallIDs(ctx, CallFilter{IDs: asked, Statuses: []lifecycle.Status{lifecycle.Failed}})
			if err != nil {
				t.Fatal(err)
			}
			wantFailed := 0
			for _, id := range l.ids {
				if c, err := db.GetCall(ctx, id); err == nil && c.Status == lifecycle.Failed {
					wantFailed++
				}
			}
			if len(failed) != wantFailed || wantFailed == 0 {
				t.Fatalf("failed calls among the ids: %d, want %d", len(failed), wantFailed)
			}
		})
	}
}

// The retention's listing of expired calls walks the index of unpurged calls, which
// holds only what is left to purge, not the status index, which holds every call purged
// before: read once per listing, those made a backlog's purge grow with its square.
func TestExpiredCallsReadTheUnpurgedIndex(t *testing.T) {
	for name, location := range testenv.Databases() {
		t.Run(name, func(t *testing.T) {
			db, _ := openLoaded(t, location(t), 20_000)
			steps := plan(t, db, expiredQuery(db.Dialect, 200), []any{Millis(time.Now())})
			if text := strings.Join(steps, "\n"); !strings.Contains(text, "ak_calls_unpurged") {
				t.Errorf("the listing of expired calls does not read the unpurged index:\n%s", text)
			}
		})
	}
}
