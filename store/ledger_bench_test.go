package store

import (
	"context"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
)

// BenchmarkLedgerAtScale measures what GET /ledger reads for a window holding 100,000
// calls (all of loadCalls' 30 days): the counts by state and flag (one pass) and the
// calls of the first page of 500 flags. Run:
//
//	go test ./store -run '^$' -bench LedgerAtScale -benchtime 20x
func BenchmarkLedgerAtScale(b *testing.B) {
	ctx := context.Background()
	for name, location := range testenv.Databases() {
		b.Run(name, func(b *testing.B) {
			db, l := openLoaded(b, location(b), 100_000)
			w := LedgerWindow{Since: l.from, Until: l.from.Add(31 * 24 * time.Hour), AnalysisDue: 2 * time.Hour, Now: time.Now()}
			for b.Loop() {
				counts, err := db.LedgerCounts(ctx, w)
				if err != nil {
					b.Fatal(err)
				}
				calls := 0
				for _, c := range counts {
					calls += c.Calls
				}
				if calls != 100_000 {
					b.Fatalf("counted %d calls, want 100000", calls)
				}
				if _, err := db.LedgerCandidates(ctx, w, nil, 501); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
