package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/store"
)

func openDBs(t *testing.T) map[string]*store.DB {
	locations := map[string]string{"sqlite": "sqlite:" + filepath.Join(t.TempDir(), "ak.db")}
	if testenv.PostgresURL() != "" {
		locations["postgres"] = testenv.FreshPostgres(t)
	}
	dbs := map[string]*store.DB{}
	for name, loc := range locations {
		db, err := store.Open(context.Background(), loc, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[name] = db
	}
	return dbs
}

// TakeSlot allows at most limit sends in any rolling window, tells how long to wait for
// the next one, and keeps keys apart. A token bucket with a full burst would let the
// sends at 59 s through; the log refuses them.
func TestTakeSlotRollingWindow(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 8, 5, 20, 0, 0, 0, time.UTC)
	const window = time.Minute
	steps := []struct {
		at       time.Duration
		key      string
		wantWait time.Duration // 0 = a slot is granted
	}{
		{0, "key_a", 0},
		{1 * time.Second, "key_a", 0},
		{2 * time.Second, "key_a", 0},
		{3 * time.Second, "key_a", 57*time.Second + time.Millisecond}, // the send at 0 must leave first
		{3 * time.Second, "key_b", 0},                                 // another key has its own window
		{59 * time.Second, "key_a", time.Second + time.Millisecond},
		{60*time.Second + time.Millisecond, "key_a", 0},
		{60*time.Second + 2*time.Millisecond, "key_a", time.Second - time.Millisecond},
	}
	for name, db := range openDBs(t) {
		t.Run(name, func(t *testing.T) {
			for i, s := range steps {
				id, wait, err := db.TakeSlot(ctx, s.key, 3, window, t0.Add(s.at))
				if err != nil {
					t.Fatal(err)
				}
				if wait != s.wantWait || (wait == 0) != (id != 0) {
					t.Fatalf("step %d (%s at %s): slot %d, wait %s; want wait %s", i, s.key, s.at, id, wait, s.wantWait)
				}
			}
		})
	}
}

// A slot re-dated to when Kendo answered counts from then on.
func TestMoveSlot(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 8, 5, 20, 0, 0, 0, time.UTC)
	for name, db := range openDBs(t) {
		t.Run(name, func(t *testing.T) {
			id, _, err := db.TakeSlot(ctx, "key_a", 1, time.Minute, t0)
			if err != nil {
				t.Fatal(err)
			}
			if err := store.MoveSlot(ctx, db.SQL, id, t0.Add(10*time.Second)); err != nil {
				t.Fatal(err)
			}
			_, wait, err := db.TakeSlot(ctx, "key_a", 1, time.Minute, t0.Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if wait != 10*time.Second+time.Millisecond {
				t.Fatalf("wait %s, want 10.001s: the window must count from the answer", wait)
			}
		})
	}
}
