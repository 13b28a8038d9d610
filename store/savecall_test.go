package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// SaveCall writes only what differs from the row, yet the row always ends as the last
// save left the call: through copies of it, after a change undone by a later save, and
// for a blob cleared.
func TestSaveCallLeavesTheRowAsTheLastSave(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 8, 5, 20, 0, 0, 0, time.UTC)
	for name, db := range openDBs(t) {
		t.Run(name, func(t *testing.T) {
			if _, err := db.EnsureCall(ctx, db.SQL, "c1", "call", now); err != nil {
				t.Fatal(err)
			}
			tx, err := db.SQL.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			c, err := db.LockCall(ctx, tx, "c1")
			if err != nil {
				t.Fatal(err)
			}
			save := func(c store.Call) {
				t.Helper()
				if err := db.SaveCall(ctx, tx, c); err != nil {
					t.Fatal(err)
				}
			}
			c.Status, c.Reason, c.Merged = lifecycle.Scheduled, "settling", []byte(`{"a":1}`)
			save(c)
			copied := c
			copied.Status, copied.Reason = lifecycle.Received, "" // back as it was
			save(copied)
			c.Status, c.Reason = lifecycle.Received, "" // the same through the first copy: nothing to write
			save(c)
			got, err := db.LockCall(ctx, tx, "c1")
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != lifecycle.Received || got.Reason != "" || string(got.Merged) != `{"a":1}` {
				t.Fatalf("row: status %q, reason %q, merged %q; want received, no reason, the merged call", got.Status, got.Reason, got.Merged)
			}
			got.Merged = nil
			save(got)
			if got, err = db.LockCall(ctx, tx, "c1"); err != nil || got.Merged != nil {
				t.Fatalf("merged %q (%v), want NULL", got.Merged, err)
			}
		})
	}
}
