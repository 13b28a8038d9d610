package store

import (
	"context"
	"syscall"
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
			cpuBefore := processCPU()
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
			// On a shared machine the wall time waits for a core; the process's CPU time
			// per answer is what the ledger costs (PostgreSQL's own work is not in it).
			b.ReportMetric(float64(processCPU()-cpuBefore)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is the CPU time this process has used (user and system).
func processCPU() time.Duration {
	var r syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r)
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

// BenchmarkIssueFlagGroupsAtScale measures what /ui/issues reads for the flags of
// delivered calls, and one claim of the not-analysed check, among 100,000 calls. Run:
//
//	go test ./store -run '^$' -bench IssueFlagGroupsAtScale -benchtime 20x
func BenchmarkIssueFlagGroupsAtScale(b *testing.B) {
	ctx := context.Background()
	for name, location := range testenv.Databases() {
		b.Run(name, func(b *testing.B) {
			db, _ := openLoaded(b, location(b), 100_000)
			due := time.Now().Add(-2 * time.Hour)
			for b.Loop() {
				if _, err := db.FlagGroups(ctx, due); err != nil {
					b.Fatal(err)
				}
				tx, err := db.SQL.BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := db.ClaimNotAnalyzed(ctx, tx, due.Add(-24*time.Hour), due, 1000); err != nil {
					b.Fatal(err)
				}
				_ = tx.Rollback() // every round claims the same calls
			}
		})
	}
}
