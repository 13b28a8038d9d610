package delivery_test

import (
	"context"
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// A bulk redelivery of failed calls never queues one that Kendo may already have
// (outcome unknown: the request was sent and no answer came) unless it says so; a dry
// run answers the same counts and queues nothing; and the answer says why each matched
// call that was not queued was left.
func TestBulkRedeliveryExcludesOutcomeUnknownUnlessAsked(t *testing.T) {
	const n, unknown = 12, 4
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			loc := db(t)
			ids := loadFailed(t, loc, n)
			check := inspect(t, loc)
			isUnknown := map[string]bool{}
			for _, id := range ids[:unknown] {
				isUnknown[id] = true
				if _, err := check.SQL.ExecContext(ctx, `UPDATE ak_calls SET outcome_unknown = 1, reason = 'outcome unknown' WHERE aloware_call_id = $1`, id); err != nil {
					t.Fatal(err)
				}
			}
			k := newKendo(t, kendo.Rate{Limit: 1000, Period: time.Second})
			svc := startEngine(t, loc, k.URL(), engineOpts{})
			jobs := func() int {
				var n int
				if err := check.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = $1`, delivery.DeliverArgs{}.Kind()).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			want := func(what string, got delivery.BulkResult, err error, matched, queued int, excluded map[string]int) {
				t.Helper()
				if err != nil || got.Matched != matched || got.Queued != queued || !maps.Equal(got.Excluded, excluded) {
					t.Fatalf("%s: %+v (%v); want matched %d, queued %d, excluded %v", what, got, err, matched, queued, excluded)
				}
			}

			dry, err := svc.RedeliverMany(ctx, onlyFailed, delivery.BulkOptions{DryRun: true}, "preview")
			want("dry run", dry, err, n, n-unknown, map[string]int{delivery.ExcludedOutcomeUnknown: unknown})
			if j := jobs(); j != 0 {
				t.Fatalf("a dry run queued %d jobs", j)
			}
			counts, err := check.CountByStatus(ctx)
			if err != nil || counts[lifecycle.Failed] != n {
				t.Fatalf("after a dry run: %v (%v); want all %d still failed", counts, err, n)
			}

			res, err := svc.RedeliverMany(ctx, onlyFailed, delivery.BulkOptions{}, "operator")
			want("redelivery", res, err, n, n-unknown, map[string]int{delivery.ExcludedOutcomeUnknown: unknown})
			for _, id := range ids {
				if isUnknown[id] {
					rec, err := svc.Call(ctx, id)
					if err != nil || rec.Status != lifecycle.Failed || !rec.OutcomeUnknown {
						t.Fatalf("outcome-unknown call %s after the bulk redelivery: %+v (%v); want it failed and unknown still", id, rec, err)
					}
					continue
				}
				waitStatus(t, svc, id, lifecycle.Delivered, time.Minute)
			}
			if got := len(k.Emu.Calls()); got != n-unknown {
				t.Fatalf("Kendo received %d calls, want the %d not outcome-unknown", got, n-unknown)
			}

			dry, err = svc.RedeliverMany(ctx, onlyFailed, delivery.BulkOptions{DryRun: true, IncludeOutcomeUnknown: true}, "preview")
			want("dry run including outcome-unknown", dry, err, unknown, unknown, map[string]int{})
			res, err = svc.RedeliverMany(ctx, onlyFailed, delivery.BulkOptions{IncludeOutcomeUnknown: true}, "operator")
			want("redelivery including outcome-unknown", res, err, unknown, unknown, map[string]int{})
			for _, id := range ids[:unknown] {
				waitStatus(t, svc, id, lifecycle.Delivered, time.Minute)
			}
		})
	}
}

// One call Kendo may already have is not sent again by an operator who did not say that
// they checked Kendo: the single redelivery keeps the promise the bulk one keeps.
func TestSingleRedeliveryOfOutcomeUnknownNeedsConsent(t *testing.T) {
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			loc := db(t)
			ids := loadFailed(t, loc, 1)
			check := inspect(t, loc)
			if _, err := check.SQL.ExecContext(ctx, `UPDATE ak_calls SET outcome_unknown = 1, reason = 'outcome unknown' WHERE aloware_call_id = $1`, ids[0]); err != nil {
				t.Fatal(err)
			}
			k := newKendo(t, kendo.Rate{Limit: 1000, Period: time.Second})
			svc := startEngine(t, loc, k.URL(), engineOpts{})

			if _, err := svc.Redeliver(ctx, ids[0], delivery.RedeliverOptions{}, "an operator in a test"); !errors.Is(err, delivery.ErrOutcomeUnknown) {
				t.Fatalf("redelivery without consent: %v; want ErrOutcomeUnknown", err)
			}
			if rec, err := svc.Call(ctx, ids[0]); err != nil || rec.Status != lifecycle.Failed || !rec.OutcomeUnknown {
				t.Fatalf("after a refused redelivery: %+v (%v); want failed, outcome unknown", rec, err)
			}
			if _, err := svc.Redeliver(ctx, ids[0], delivery.RedeliverOptions{IncludeOutcomeUnknown: true}, "an operator in a test"); err != nil {
				t.Fatal(err)
			}
			waitStatus(t, svc, ids[0], lifecycle.Delivered, time.Minute)
			if got := len(k.Emu.Calls()); got != 1 {
				t.Fatalf("Kendo received %d calls, want 1", got)
			}
		})
	}
}

// A purged call cannot be sent again whatever Kendo may have: its redelivery is refused
// as purged at once, not first as "outcome unknown, ask again" and only then as purged.
func TestRedeliveryOfAPurgedOutcomeUnknownCallIsPurged(t *testing.T) {
	ctx := context.Background()
	loc := "sqlite:" + t.TempDir() + "/ak.db"
	ids := loadFailed(t, loc, 1)
	check := inspect(t, loc)
	if _, err := check.SQL.ExecContext(ctx, `UPDATE ak_calls SET outcome_unknown = 1, purged_ms = 1 WHERE aloware_call_id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	svc := startEngine(t, loc, "http://127.0.0.1:1/unused", engineOpts{})
	if _, err := svc.Redeliver(ctx, ids[0], delivery.RedeliverOptions{}, "operator"); !errors.Is(err, delivery.ErrPurged) {
		t.Fatalf("redelivery of a purged outcome-unknown call: %v, want ErrPurged", err)
	}
}
