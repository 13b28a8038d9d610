package store_test

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// countedByScan counts calls per status the slow way, reading every call.
func countedByScan(t *testing.T, db *store.DB) map[lifecycle.Status]int {
	t.Helper()
	rows, err := db.SQL.Query(`SELECT status, COUNT(*) FROM ak_calls GROUP BY status`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[lifecycle.Status]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			t.Fatal(err)
		}
		out[lifecycle.Status(st)] = n
	}
	return out
}

// moveCall changes one call's status in a transaction of its own, as the engine does.
func moveCall(ctx context.Context, db *store.DB, id string, to lifecycle.Status) error {
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	c, err := db.LockCall(ctx, tx, id)
	if err != nil {
		return err
	}
	c.Status = to
	if err := db.SaveCall(ctx, tx, c); err != nil {
		return err
	}
	return tx.Commit()
}

// The counts per status read off the counters equal a count of the calls after new
// calls, status changes (and saves that keep the status), a rolled-back change and a
// deleted call.
func TestCountByStatusIsExact(t *testing.T) {
	ctx := context.Background()
	for name, location := range testenv.Databases() {
		t.Run(name, func(t *testing.T) {
			db, err := store.Open(ctx, location(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			now := time.Now()
			steps := []struct {
				name string
				do   func() error
			}{
				{"new calls", func() error {
					for i := range 10 {
						if _, err := db.EnsureCall(ctx, db.SQL, fmt.Sprint("c", i), "call", now); err != nil {
							return err
						}
					}
					_, err := db.EnsureCall(ctx, db.SQL, "c0", "call", now) // a repeat is no new call
					return err
				}},
				{"status changes", func() error {
					for i, st := range []lifecycle.Status{lifecycle.Scheduled, lifecycle.Scheduled, lifecycle.Delivered, lifecycle.Failed} {
						if err := moveCall(ctx, db, fmt.Sprint("c", i), st); err != nil {
							return err
						}
					}
					return moveCall(ctx, db, "c2", lifecycle.Delivered) // saved again, same status
				}},
				{"rolled back", func() error {
					tx, err := db.SQL.BeginTx(ctx, nil)
					if err != nil {
						return err
					}
					c, err := db.LockCall(ctx, tx, "c5")
					if err != nil {
						return err
					}
					c.Status = lifecycle.Erased
					if err := db.SaveCall(ctx, tx, c); err != nil {
						return err
					}
					return tx.Rollback()
				}},
				{"deleted", func() error {
					_, err := db.SQL.Exec(`DELETE FROM ak_calls WHERE aloware_call_id = 'c3'`)
					return err
				}},
			}
			for _, step := range steps {
				if err := step.do(); err != nil {
					t.Fatalf("%s: %v", step.name, err)
				}
				got, err := db.CountByStatus(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if want := countedByScan(t, db); !maps.Equal(got, want) {
					t.Fatalf("after %s: counters say %v, the calls %v", step.name, got, want)
				}
			}
		})
	}
}

// Replicas changing calls at once (PostgreSQL's pool, many transactions in flight) keep
// the counters exact, and no two status changes deadlock on them.
func TestCountByStatusUnderConcurrentChanges(t *testing.T) {
	ctx := context.Background()
	for name, location := range testenv.Databases() {
		t.Run(name, func(t *testing.T) {
			db, err := store.Open(ctx, location(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			const calls = 40
			for i := range calls {
				if _, err := db.EnsureCall(ctx, db.SQL, fmt.Sprint("c", i), "call", time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			// Each worker walks its calls forward and back through statuses whose names sort
			// both ways (received < scheduled, scheduled > delivering).
			path := []lifecycle.Status{lifecycle.Scheduled, lifecycle.Delivering, lifecycle.Scheduled, lifecycle.Delivered, lifecycle.Received}
			var wg sync.WaitGroup
			errs := make(chan error, calls)
			for i := range calls {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for _, st := range path[:1+i%len(path)] {
						if err := moveCall(ctx, db, fmt.Sprint("c", i), st); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			got, err := db.CountByStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := countedByScan(t, db); !maps.Equal(got, want) {
				t.Fatalf("counters say %v, the calls %v", got, want)
			}
		})
	}
}
