package delivery_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// tmpfs mounts a small tmpfs of its own for the test (a real full disk needs one); it
// skips where mounting is not allowed, unless ALOWARE_KENDO_REQUIRE_TMPFS is set (CI).
func tmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput()
	if err != nil {
		if os.Getenv("ALOWARE_KENDO_REQUIRE_TMPFS") != "" {
			t.Fatalf("mounting a tmpfs: %v %s", err, out)
		}
		t.Skipf("cannot mount a tmpfs here (%v %s); set up root or run in CI", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	return dir
}

// fill writes into dir until the disk is full and returns a function that frees it.
func fill(t *testing.T, dir string) (free func()) {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			break
		}
	}
	for small := make([]byte, 512); ; { // the last few bytes too
		if _, err := f.Write(small); err != nil {
			break
		}
	}
	f.Close()
	return func() { os.Remove(path) }
}

// Kendo answered 201 while the disk was full, so recording the outcome fails.
// The engine keeps Kendo's callId and retries the commit until space is back; it never
// sends the call again. Readiness says "not ready" meanwhile and comes back by itself.
func TestFullDiskAfter201IsRecordedNotResent(t *testing.T) {
	dir := tmpfs(t, "24m")
	k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
	arrived, release := k.HoldFirst(t)
	svc := startEngine(t, "sqlite:"+filepath.Join(dir, "ak.db"), k.URL(), engineOpts{kendoTimeout: 10 * time.Second})
	for _, raw := range recorded(t, "inbound-940870001") {
		accept(t, svc, raw)
	}
	arrived()
	free := fill(t, dir)
	release()
	time.Sleep(3 * time.Second) // the commit fails and is retried meanwhile
	if err := svc.Ready(context.Background()); err == nil {
		t.Fatal("ready on a full disk")
	}
	if n := k.Posts(); n != 1 {
		t.Fatalf("Kendo got %d POSTs while the disk was full, want 1", n)
	}
	free()
	rec := waitStatus(t, svc, "940870001", lifecycle.Delivered, 30*time.Second)
	if calls := k.Emu.Calls(); len(calls) != 1 || rec.KendoCallID != calls[0].KendoCallID {
		t.Fatalf("recorded callId %q; Kendo has %d calls", rec.KendoCallID, len(calls))
	}
	time.Sleep(time.Second)
	if n := k.Posts(); n != 1 {
		t.Fatalf("Kendo got %d POSTs, want 1", n)
	}
	waitFor(t, 10*time.Second, "readiness back", func() bool { return svc.Ready(context.Background()) == nil })
}

// The same on PostgreSQL refusing writes (the database made read-only under the engine)
// while Kendo's 201 is on its way.
func TestReadOnlyPostgresAfter201IsRecordedNotResent(t *testing.T) {
	loc := testenv.FreshPostgres(t)
	name := dbName(t, loc)
	k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
	arrived, release := k.HoldFirst(t)
	svc := startEngine(t, loc, k.URL(), engineOpts{kendoTimeout: 10 * time.Second})
	for _, raw := range recorded(t, "inbound-940870001") {
		accept(t, svc, raw)
	}
	arrived()
	admin := adminDB(t)
	readOnly := func(on bool) {
		if _, err := admin.Exec(fmt.Sprintf(`ALTER DATABASE %s SET default_transaction_read_only = %v`, name, on)); err != nil {
			t.Fatal(err)
		}
		terminateBackends(t, admin, name) // new connections take the setting
	}
	readOnly(true)
	release()
	time.Sleep(3 * time.Second)
	if n := k.Posts(); n != 1 {
		t.Fatalf("Kendo got %d POSTs while writes were refused, want 1", n)
	}
	if err := svc.Ready(context.Background()); err == nil {
		t.Fatal("ready while the database refuses writes")
	}
	readOnly(false)
	waitStatus(t, svc, "940870001", lifecycle.Delivered, 30*time.Second)
	if n := k.Posts(); n != 1 || len(k.Emu.Calls()) != 1 {
		t.Fatalf("Kendo got %d POSTs, want 1", n)
	}
}

// dbName is the name of the database a PostgreSQL URL points at.
func dbName(t *testing.T, loc string) string {
	t.Helper()
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

func adminDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", testenv.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// terminateBackends does what a PostgreSQL restart, a failover or a pooler's idle kill
// does to the engine's connections.
func terminateBackends(t *testing.T, admin *sql.DB, dbName string) {
	t.Helper()
	if _, err := admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, dbName); err != nil {
		t.Fatal(err)
	}
}

// After pg_terminate_backend the next pushes are stored, not answered 503: the database is
// healthy, and Aloware would never send them again (docs/invariants.md #10).
func TestKilledPostgresConnectionsCostNoEvents(t *testing.T) {
	loc := testenv.FreshPostgres(t)
	name := dbName(t, loc)
	k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
	svc := startEngine(t, loc, k.URL(), engineOpts{settle: time.Hour})
	admin := adminDB(t)
	base := recorded(t, "outbound-940868616")
	for round := range 5 {
		terminateBackends(t, admin, name)
		id := fmt.Sprint(960100000 + round)
		for _, raw := range base {
			if _, err := svc.Accept(context.Background(), withID(raw, "940868616", id)); err != nil {
				t.Fatalf("round %d: a push after the connections were killed failed: %v", round, err)
			}
		}
	}
}

// A database re-created empty under the service (its tables gone) does not leave
// it answering 503 forever: readiness migrates it again, and pushes work.
func TestLostSchemaIsMigratedAgain(t *testing.T) {
	loc := testenv.FreshPostgres(t)
	k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
	svc := startEngine(t, loc, k.URL(), engineOpts{})
	db, err := sql.Open("pgx", loc)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "ready again", func() bool { return svc.Ready(context.Background()) == nil })
	for _, raw := range recorded(t, "inbound-940870001") {
		accept(t, svc, raw)
	}
	waitStatus(t, svc, "940870001", lifecycle.Delivered, 20*time.Second)
}

// On PostgreSQL, valid JSON whose event name holds \\u0000 is stored, its name cleaned,
// rather than answered 503 forever (text columns refuse 0x00).
func TestNULInEventNameIsStored(t *testing.T) {
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
			svc := startEngine(t, db(t), k.URL(), engineOpts{settle: time.Hour})
			raw := []byte(`{"event":"Outbound\u0000PhoneCall","body":{"id":940875555,"type":1,"direction":2,"created_at":"2026-08-05 20:58:49"}}`)
			rc := accept(t, svc, raw)
			if rc.Status != lifecycle.Received {
				t.Fatalf("receipt %+v", rc)
			}
			rec, err := svc.Call(context.Background(), "940875555")
			if err != nil || len(rec.Events) != 1 || strings.ContainsRune(rec.Events[0].Name, 0) {
				t.Fatalf("record %+v, %v", rec, err)
			}
		})
	}
}
