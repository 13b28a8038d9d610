package delivery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// BenchmarkRetentionPurge measures the first retention run over a backlog: 20,000
// failed calls, each with its lifecycle's raw events, all past a short --retain, on a
// real SQLite file and on PostgreSQL. It reports calls purged per second, as the run
// logs its duration.
func BenchmarkRetentionPurge(b *testing.B) {
	const n = 20_000
	for name, db := range databases() {
		b.Run(name, func(b *testing.B) {
			for range b.N {
				loc := db(b)
				ids := loadFailed(b, loc, n)
				loadEvents(b, loc, ids)
				var logs testenv.LogBuffer
				startEngine(b, loc, newKendo(b, kendo.Rate{Limit: 1000, Period: time.Second}).URL(), engineOpts{retain: 2 * time.Second, logs: &logs})
				took := waitPurge(b, &logs, 5*time.Minute)
				b.ReportMetric(float64(n)/took.Seconds(), "calls/s")
			}
		})
	}
}

// waitPurge waits for the retention run's log line and returns how long it took.
func waitPurge(tb testing.TB, logs *testenv.LogBuffer, within time.Duration) time.Duration {
	tb.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		for line := range strings.Lines(logs.String()) {
			var entry struct {
				Msg  string        `json:"msg"`
				Took time.Duration `json:"took"`
			}
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "retention: content of finished calls purged" {
				return entry.Took
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.Fatal("the retention job purged nothing")
	return 0
}

// loadEvents stores the recorded lifecycle's raw events under each call.
func loadEvents(tb testing.TB, loc string, ids []string) {
	tb.Helper()
	ctx := context.Background()
	db, err := delivery.OpenStore(ctx, loc)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	events := recorded(tb, "inbound-940870001")
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	now := store.Millis(time.Now().Add(-time.Hour))
	for _, id := range ids {
		var rows []string
		var args []any
		for k, raw := range events {
			rows = append(rows, fmt.Sprintf("($%d, $%d, 'call', $%d, $%d, $%d)", len(args)+1, len(args)+2, len(args)+3, len(args)+4, len(args)+5))
			body := withID(raw, "940870001", id)
			args = append(args, id, fmt.Sprintf("event-%d", k), now, body, len(body))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ak_events (aloware_call_id, name, kind, received_ms, raw, size) VALUES `+strings.Join(rows, ", "), args...); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}
