package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// v1Schema is the schema the first release created (no migrations table), with a call
// and an event in it, as a database of that release holds them.
const v1Schema = `
CREATE TABLE ak_calls (call_id TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',
  kendo_call_id TEXT NOT NULL DEFAULT '', attempts INTEGER NOT NULL DEFAULT 0, generation INTEGER NOT NULL DEFAULT 0,
  shrunk INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '', first_seen_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
  complete_ms INTEGER, ready_ms INTEGER, deliver_after_ms INTEGER, next_attempt_ms INTEGER, first_attempt_ms INTEGER, delivered_ms INTEGER);
CREATE INDEX ak_calls_status ON ak_calls (status, complete_ms);
CREATE TABLE ak_events (id INTEGER PRIMARY KEY AUTOINCREMENT, call_id TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
  received_ms INTEGER NOT NULL, raw TEXT NOT NULL);
CREATE INDEX ak_events_call ON ak_events (call_id, id);
CREATE TABLE ak_rate_keys (key_id TEXT PRIMARY KEY);
CREATE TABLE ak_rate_slots (id INTEGER PRIMARY KEY AUTOINCREMENT, key_id TEXT NOT NULL, at_ms INTEGER NOT NULL);
CREATE INDEX ak_rate_slots_key ON ak_rate_slots (key_id, at_ms);
INSERT INTO ak_calls (call_id, kind, status, kendo_call_id, attempts, first_seen_ms, updated_ms, deliver_after_ms, next_attempt_ms)
  VALUES ('940868616', 'call', 'scheduled', '', 1, 1000, 2000, 5000, 9000);
INSERT INTO ak_events (call_id, name, kind, received_ms, raw) VALUES ('940868616', 'Recording-Saved', 'call', 1500, '{"event":"Recording-Saved"}')`

func forEngine(dialect string, sqlText string) string {
	if dialect != "postgres" {
		return sqlText
	}
	sqlText = strings.ReplaceAll(sqlText, " INTEGER PRIMARY KEY AUTOINCREMENT", " BIGSERIAL PRIMARY KEY")
	return strings.ReplaceAll(sqlText, " INTEGER", " BIGINT")
}

// A database of the first release is upgraded in place: its calls and events survive
// under the new column names, the two next-send times become one, raw bodies are bytes.
func TestMigrateUpgradesFirstReleaseDatabase(t *testing.T) {
	ctx := context.Background()
	for name, location := range testenv.Databases() {
		t.Run(name, func(t *testing.T) {
			loc := location(t)
			driver, dsn := "pgx", loc
			if name == "sqlite" {
				driver, dsn = "sqlite", "file:"+loc[len("sqlite:"):]
			}
			raw, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			for _, stmt := range strings.Split(forEngine(name, v1Schema), ";") {
				if _, err := raw.Exec(stmt); err != nil {
					t.Fatalf("%v\n%s", err, stmt)
				}
			}
			raw.Close()

			db, err := store.Open(ctx, loc, nil)
			if err != nil {
				t.Fatalf("upgrade: %v", err)
			}
			defer db.Close()
			c, err := db.GetCall(ctx, "940868616")
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != lifecycle.Scheduled || c.Attempts != 1 || c.DeliverAfter == nil || c.DeliverAfter.UnixMilli() != 9000 {
				t.Fatalf("upgraded call %+v", c)
			}
			if counts, err := db.CountByStatus(ctx); err != nil || len(counts) != 1 || counts[lifecycle.Scheduled] != 1 {
				t.Fatalf("upgraded counts per status %v, %v; want the one scheduled call", counts, err)
			}
			evs, err := db.Events(ctx, db.SQL, "940868616", true)
			if err != nil || len(evs) != 1 || string(evs[0].Raw) != `{"event":"Recording-Saved"}` || evs[0].Size != len(evs[0].Raw) {
				t.Fatalf("upgraded events %+v, %v", evs, err)
			}
			// Opening again is a no-op.
			db2, err := store.Open(ctx, loc, nil)
			if err != nil {
				t.Fatalf("second open: %v", err)
			}
			db2.Close()
		})
	}
}

// Replicas that start together on a fresh PostgreSQL database all come up: the
// migrations (ours and what runs with them) are serialised by the advisory lock.
func TestConcurrentOpenOnFreshPostgres(t *testing.T) {
	if testenv.PostgresURL() == "" {
		t.Skip(testenv.PostgresEnv + " is not set")
	}
	for trial := 0; trial < 3; trial++ {
		loc := testenv.FreshPostgres(t)
		var inside sync.Mutex
		overlaps := 0
		extra := func(ctx context.Context, db *store.DB) error {
			if !inside.TryLock() {
				overlaps++
				return fmt.Errorf("two migrators ran at once")
			}
			defer inside.Unlock()
			_, err := db.SQL.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS extra_probe (id INT)`)
			return err
		}
		var wg sync.WaitGroup
		errs := make(chan error, 3)
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db, err := store.Open(context.Background(), loc, extra)
				if err == nil {
					db.Close()
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("trial %d: %v", trial, err)
			}
		}
	}
}

// PostgreSQL's text columns refuse 0x00: an event name holding one, and a raw body with
// any bytes at all, are stored all the same.
func TestNULBytesAreStored(t *testing.T) {
	ctx := context.Background()
	for name, location := range testenv.Databases() {
		t.Run(name, func(t *testing.T) {
			loc := location(t)
			db, err := store.Open(ctx, loc, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			raw := []byte("{\"event\":\"Bad\\u0000Name\",\"x\":\"\x00\xff\"}")
			err = db.InsertEvent(ctx, db.SQL, store.Event{AlowareCallID: "1", Name: "Bad\x00Name\xff", Kind: "call", Raw: raw, Size: len(raw)})
			if err != nil {
				t.Fatal(err)
			}
			evs, err := db.Events(ctx, db.SQL, "1", true)
			if err != nil || len(evs) != 1 || string(evs[0].Raw) != string(raw) || evs[0].Name != "BadName\uFFFD" {
				t.Fatalf("%+v %v", evs, err)
			}
		})
	}
}
