package delivery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/aloware"
	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/mapping"
	"github.com/aloware-kendo/aloware-kendo/store"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// loadFailed stores n calls as the engine leaves a call Kendo refused — failed, with its
// merged content on the row (so it can be sent again), one attempt and Kendo's error —
// straight into the database, before the engine starts: n real failures would take n
// requests to Kendo. Each is the recorded inbound call under an id of its own.
func loadFailed(tb testing.TB, loc string, n int) []string {
	tb.Helper()
	ctx := context.Background()
	db, err := delivery.OpenStore(ctx, loc)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	events := recorded(tb, "inbound-940870001")
	now := time.Now()
	const columns = `aloware_call_id, kind, status, reason, team, attempts, last_error, first_seen_ms, updated_ms, complete_ms,
		ready_ms, first_attempt_ms, merged, merged_version, direction, rep_email, call_date_ms`
	ncols := strings.Count(columns, ",") + 1
	const perInsert = 20 // SQLite's cost of $N parameters grows with the square of their count
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	ids := make([]string, n)
	for start := 0; start < n; start += perInsert {
		var rows []string
		var args []any
		for i := start; i < min(start+perInsert, n); i++ {
			ids[i] = fmt.Sprint(941_000_000 + i)
			var call mapping.Call
			for _, raw := range events {
				ev, err := aloware.Parse(withID(raw, "940870001", ids[i]))
				if err != nil {
					tb.Fatal(err)
				}
				call.Fold(ev)
			}
			merged, err := json.Marshal(call)
			if err != nil {
				tb.Fatal(err)
			}
			seen := store.Millis(now.Add(-time.Duration(n-i) * time.Minute))
			ph := make([]string, ncols)
			for c := range ph {
				ph[c] = fmt.Sprintf("$%d", len(args)+c+1)
			}
			rows = append(rows, "("+strings.Join(ph, ", ")+")")
			args = append(args, ids[i], "call", string(lifecycle.Failed), "Kendo refused the payload", teams.SingleName, 1,
				"bad_request (HTTP 400): invalid repEmail", seen, seen+60_000, seen+30_000, seen+30_000, seen+40_000,
				merged, mapping.RulesVersion, "inbound", "sam@acme.example", seen)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ak_calls (`+columns+`) VALUES `+strings.Join(rows, ", "), args...); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	return ids
}

var onlyFailed = delivery.ListFilter{Statuses: []lifecycle.Status{lifecycle.Failed}}

// POST /calls/redeliver {"status":["failed"]} over 1,000 failed calls queues
// each exactly once — also when two operators ask at the same moment, and when asked
// again — and every one of them reaches Kendo once.
func TestBulkRedeliveryQueuesEachFailedCallOnce(t *testing.T) {
	const n = 1000
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			loc := db(t)
			loadFailed(t, loc, n)
			k := newKendo(t, kendo.Rate{Limit: 1000, Period: time.Second})
			svc := startEngine(t, loc, k.URL(), engineOpts{})

			start := time.Now()
			var wg sync.WaitGroup
			results := make([]delivery.BulkResult, 2)
			errs := make([]error, 2)
			for i := range results {
				wg.Go(func() {
					results[i], errs[i] = svc.RedeliverMany(ctx, onlyFailed, delivery.BulkOptions{}, fmt.Sprintf("operator %d", i))
				})
			}
			wg.Wait()
			t.Logf("%s: two bulk redeliveries of %d failed calls at once returned after %s", name, n, time.Since(start).Round(time.Millisecond))
			if errs[0] != nil || errs[1] != nil {
				t.Fatalf("bulk redelivery: %v, %v", errs[0], errs[1])
			}
			if queued := results[0].Queued + results[1].Queued; queued != n {
				t.Fatalf("queued %+v and %+v: %d in all, want each of the %d calls once", results[0], results[1], queued, n)
			}
			if again, err := svc.RedeliverMany(ctx, delivery.ListFilter{Statuses: []lifecycle.Status{lifecycle.Failed, lifecycle.Scheduled}}, delivery.BulkOptions{}, "again"); err != nil || again.Queued != 0 {
				t.Fatalf("asked again: %+v, %v; want nothing queued", again, err)
			}
			check := inspect(t, loc)
			var jobs int
			if err := check.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = $1`, delivery.DeliverArgs{}.Kind()).Scan(&jobs); err != nil || jobs != n {
				t.Fatalf("%d delivery jobs (%v), want %d", jobs, err, n)
			}

			deadline := time.Now().Add(3 * time.Minute)
			for {
				counts, err := check.CountByStatus(ctx)
				if err == nil && counts[lifecycle.Delivered] == n {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("not all delivered: %v, %v", counts, err)
				}
				time.Sleep(200 * time.Millisecond)
			}
			sent := map[string]int{}
			for _, p := range k.Payloads(t) {
				sent[p.Metadata["alowareCallId"]]++
			}
			if len(sent) != n || k.Posts() != n {
				t.Fatalf("Kendo got %d POSTs for %d calls, want each of %d once", k.Posts(), len(sent), n)
			}
		})
	}
}

// BenchmarkRedeliverMany times a bulk redelivery of 1,000 failed calls, from the call to
// its return with all of them queued, while the engine runs at
// Kendo's pace of 30 a minute (its workers pick the queued calls up meanwhile, as in
// production), and at 1,000 a second (they also send them as fast as they can). Run:
//
//	go test ./delivery -run '^$' -bench RedeliverMany -benchtime 3x
func BenchmarkRedeliverMany(b *testing.B) {
	const n = 1000
	rates := map[string]kendo.Rate{"30-a-minute": kendo.DefaultRate, "1000-a-second": {Limit: 1000, Period: time.Second}}
	for name, db := range databases() {
		for pace, rate := range rates {
			b.Run(name+"/"+pace, func(b *testing.B) {
				k := newKendo(b, rate)
				for range b.N {
					b.StopTimer()
					loc := db(b)
					loadFailed(b, loc, n)
					svc := startEngine(b, loc, k.URL(), engineOpts{rate: rate})
					b.StartTimer()
					res, err := svc.RedeliverMany(context.Background(), onlyFailed, delivery.BulkOptions{}, "bench")
					b.StopTimer()
					if err != nil || res.Queued != n {
						b.Fatalf("%+v, %v", res, err)
					}
					stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					_ = svc.Stop(stop)
					cancel()
					b.StartTimer()
				}
			})
		}
	}
}
