package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// statusMix is how calls are spread over the statuses in a database that has run for a
// while: most delivered, some analysed, the rest skipped (missed calls), ignored (SMS),
// failed, waiting, unrouted or erased. Weights are per thousand.
var statusMix = []struct {
	status lifecycle.Status
	weight int
}{
	{lifecycle.Delivered, 640}, {lifecycle.Analyzed, 60}, {lifecycle.Skipped, 120}, {lifecycle.Ignored, 100},
	{lifecycle.Failed, 30}, {lifecycle.Scheduled, 10}, {lifecycle.Received, 25}, {lifecycle.Unrouted, 10}, {lifecycle.Erased, 5},
}

func pickStatus(r *rand.Rand) lifecycle.Status {
	n := r.IntN(1000)
	for _, m := range statusMix {
		if n < m.weight {
			return m.status
		}
		n -= m.weight
	}
	return lifecycle.Delivered
}

// loaded says what loadCalls put in the database, for the queries to aim at.
type loaded struct {
	from          time.Time // first-seen times span the 30 days from here
	alowareCallID string    // a call in the middle
	kendoCallID   string    // a delivered call's Kendo callId, a third of the way
	middle        Cursor    // the position of the call half-way down the newest-first order
	ids           []string  // every tenth call's Aloware id, at most 10,000 (POST /calls/redeliver's ids)
}

// loadCalls writes n call rows straight into ak_calls, in multi-row INSERTs of 20 rows
// and transactions of 20,000: first seen over the 30 days before now (Aloware's ids grow
// with time), statuses as statusMix, Kendo callIds on delivered and analysed calls.
func loadCalls(tb testing.TB, db *DB, n int, now time.Time) loaded {
	tb.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(9, 9))
	out := loaded{from: now.Add(-30 * 24 * time.Hour)}
	step := (30 * 24 * time.Hour) / time.Duration(n)
	const (
		columns = `aloware_call_id, kind, status, reason, team, kendo_call_id, attempts, last_error, first_seen_ms, updated_ms, direction, rep_email, call_date_ms, delivered_ms, analyzed_ms`
		// SQLite looks each $N parameter of a statement up in a list, so a statement's cost
		// grows with the square of its parameters: 500 rows a statement load 100,000 calls
		// in a minute, 20 rows in a few seconds.
		perInsert = 20
		perTx     = 20_000
	)
	ncols := strings.Count(columns, ",") + 1
	for start := 0; start < n; start += perTx {
		tx, err := db.SQL.BeginTx(ctx, nil)
		if err != nil {
			tb.Fatal(err)
		}
		for batch := start; batch < min(start+perTx, n); batch += perInsert {
			var rows []string
			var args []any
			for i := batch; i < min(batch+perInsert, n); i++ {
				id := fmt.Sprint(940_000_000 + i*7)
				seen := out.from.Add(time.Duration(i)*step + time.Duration(r.IntN(60_000))*time.Millisecond)
				st := pickStatus(r)
				kendoID, lastErr, reason, attempts := "", "", "", 0
				var delivered, analyzed *time.Time
				switch st {
				case lifecycle.Delivered, lifecycle.Analyzed:
					at, done := seen.Add(2*time.Minute), seen.Add(20*time.Minute)
					kendoID, attempts, delivered = fmt.Sprintf("kc_%016x", r.Uint64()), 1, &at
					if st == lifecycle.Analyzed {
						analyzed = &done
					}
				case lifecycle.Failed:
					attempts, reason, lastErr = 1, "Kendo refused the payload", "bad_request (HTTP 400): invalid repEmail"
				case lifecycle.Skipped:
					reason = "missed call: nothing to analyse"
				case lifecycle.Ignored:
					reason = "SMS"
				}
				if i == n/2 {
					out.alowareCallID = id
				}
				if i%10 == 0 && len(out.ids) < 10_000 {
					out.ids = append(out.ids, id)
				}
				if kendoID != "" && i <= n/3 {
					out.kendoCallID = kendoID
				}
				ph := make([]string, ncols)
				for c := range ph {
					ph[c] = fmt.Sprintf("$%d", len(args)+c+1)
				}
				// The times that may be NULL: a VALUES list where a column is NULL in every
				// row tells PostgreSQL nothing of its type.
				for _, c := range []int{ncols - 2, ncols - 1} {
					ph[c] = "CAST(" + ph[c] + " AS BIGINT)"
				}
				rows = append(rows, "("+strings.Join(ph, ", ")+")")
				args = append(args, id, "call", string(st), reason, "default", kendoID, attempts, lastErr, Millis(seen),
					Millis(seen.Add(3*time.Minute)), []string{"inbound", "outbound"}[r.IntN(2)],
					fmt.Sprintf("rep%02d@acme.example", r.IntN(40)), Millis(seen), nullMillis(delivered), nullMillis(analyzed))
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO ak_calls (`+columns+`) VALUES `+strings.Join(rows, ", "), args...); err != nil {
				tb.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			tb.Fatal(err)
		}
	}
	if err := db.SQL.QueryRowContext(ctx, `SELECT first_seen_ms, aloware_call_id FROM ak_calls
		ORDER BY first_seen_ms DESC, aloware_call_id DESC LIMIT 1 OFFSET $1`, n/2).Scan(&out.middle.FirstSeenMs, &out.middle.AlowareCallID); err != nil {
		tb.Fatal(err)
	}
	return out
}

// listQueries are what GET /calls asks of the store, each for one page (the engine asks
// for one row more than the page to know whether there is a next one).
func listQueries(l loaded) []struct {
	name string
	f    CallFilter
} {
	day := l.from.Add(15 * 24 * time.Hour)
	page := 51
	return []struct {
		name string
		f    CallFilter
	}{
		{"first-page", CallFilter{Limit: page}},
		{"deep-cursor", CallFilter{Before: &l.middle, Limit: page}},
		{"status-failed", CallFilter{Statuses: []lifecycle.Status{lifecycle.Failed}, Limit: page}},
		{"status-failed-deep", CallFilter{Statuses: []lifecycle.Status{lifecycle.Failed}, Before: &l.middle, Limit: page}},
		{"status-delivered", CallFilter{Statuses: []lifecycle.Status{lifecycle.Delivered}, Limit: page}},
		{"status-erased", CallFilter{Statuses: []lifecycle.Status{lifecycle.Erased}, Limit: page}},
		{"status-delivering", CallFilter{Statuses: []lifecycle.Status{lifecycle.Delivering}, Limit: page}},
		{"status-failed-or-unrouted", CallFilter{Statuses: []lifecycle.Status{lifecycle.Failed, lifecycle.Unrouted}, Limit: page}},
		{"since-until-day", CallFilter{Since: day, Until: day.Add(24 * time.Hour), Limit: page}},
		{"failed-in-a-week", CallFilter{Statuses: []lifecycle.Status{lifecycle.Failed}, Since: day, Until: day.Add(7 * 24 * time.Hour), Limit: page}},
		// The ops page's bulk-progress poll: five statuses, the largest page.
		{"progress-poll", CallFilter{Statuses: []lifecycle.Status{lifecycle.Scheduled, lifecycle.Delivering, lifecycle.Delivered,
			lifecycle.Analyzed, lifecycle.Failed}, Limit: 501}},
		// … as the poll asks: only the calls changed since the bulk began (here an hour ago).
		{"progress-poll-since", CallFilter{Statuses: []lifecycle.Status{lifecycle.Scheduled, lifecycle.Delivering, lifecycle.Delivered,
			lifecycle.Analyzed, lifecycle.Failed}, UpdatedSince: l.from.Add(30*24*time.Hour - time.Hour), Limit: 501}},
		{"q-aloware-id", CallFilter{Query: l.alowareCallID, Limit: page}},
		{"q-kendo-id", CallFilter{Query: l.kendoCallID, Limit: page}},
		{"ids-failed", CallFilter{IDs: l.ids, Statuses: []lifecycle.Status{lifecycle.Failed}}},
	}
}

// openLoaded opens a fresh database of the engine and loads n calls. PostgreSQL's table
// is vacuumed and analysed as autovacuum does soon after such a load; SQLite runs
// without ANALYZE, as the service does.
func openLoaded(tb testing.TB, location string, n int) (*DB, loaded) {
	tb.Helper()
	ctx := context.Background()
	db, err := Open(ctx, location, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	start := time.Now()
	l := loadCalls(tb, db, n, time.Now())
	if db.Dialect == Postgres {
		if _, err := db.SQL.ExecContext(ctx, `VACUUM ANALYZE ak_calls`); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Logf("%s: %d calls loaded in %s", db.Dialect, n, time.Since(start).Round(time.Millisecond))
	return db, l
}

// BenchmarkCallsAtScale measures each GET /calls query, and the counts the ops page and
// /metrics read, over 100,000 stored calls. Run:
//
//	go test ./store -run '^$' -bench CallsAtScale -benchtime 200x
func BenchmarkCallsAtScale(b *testing.B) {
	ctx := context.Background()
	for name, location := range testenv.Databases() {
		b.Run(name, func(b *testing.B) {
			db, l := openLoaded(b, location(b), 100_000)
			for _, q := range listQueries(l) {
				b.Run("list/"+q.name, func(b *testing.B) {
					for b.Loop() {
						if _, err := db.ListCalls(ctx, q.f); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			counts := []struct {
				name string
				read func() error
			}{
				{"activity-24h", func() error { _, err := db.ActivitySince(ctx, time.Now().Add(-24*time.Hour)); return err }},
				{"count-by-status", func() error { _, err := db.CountByStatus(ctx); return err }},
				{"oldest-waiting", func() error { _, err := db.OldestQueued(ctx); return err }},
				{"backlog", func() error { _, err := db.Backlog(ctx); return err }},
			}
			for _, c := range counts {
				b.Run("count/"+c.name, func(b *testing.B) {
					for b.Loop() {
						if err := c.read(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// plan is the engine's plan for a query, one line per step.
func plan(tb testing.TB, db *DB, query string, args []any) []string {
	tb.Helper()
	explain := `EXPLAIN `
	if db.Dialect == SQLite {
		explain = `EXPLAIN QUERY PLAN `
	}
	rows, err := db.SQL.QueryContext(context.Background(), explain+query, args...)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			tb.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals[len(vals)-1])) // SQLite's detail, PostgreSQL's one column
	}
	return out
}
