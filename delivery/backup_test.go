package delivery_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// A backup taken while events arrive and calls are delivered restores into a database
// that sends nothing Kendo may already have: calls on their way at backup time come
// back failed with an unknown outcome naming the backup time, their River jobs are
// cancelled, delivered calls stay delivered, and a new call is taken and sent at once.
func TestBackupUnderLoadRestoresWithoutResending(t *testing.T) {
	dir := t.TempDir()
	live := "sqlite:" + filepath.Join(dir, "live.db")
	rate := kendo.Rate{Limit: 20, Period: time.Second} // slower than the pushes: a backlog waits
	k := newKendo(t, rate)
	svc := startEngine(t, live, k.URL(), engineOpts{settle: 100 * time.Millisecond, rate: rate})
	events := recorded(t, "inbound-940870001")
	push := func(svc *delivery.Service, id string, evs [][]byte) error {
		for _, raw := range evs {
			if _, err := svc.Accept(context.Background(), withID(raw, "940870001", id)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := push(svc, "5000000", events[:1]); err != nil { // never finished: received at backup time
		t.Fatal(err)
	}
	var pushed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := push(svc, fmt.Sprint(6000000+i), events); err != nil {
				t.Errorf("push during the backup: %v", err)
				return
			}
			pushed.Add(1)
			time.Sleep(10 * time.Millisecond)
		}
	}()
	waitFor(t, 20*time.Second, "some deliveries before the backup", func() bool { return k.Posts() >= 10 })

	backup := filepath.Join(dir, "backups", "ak.backup.db")
	info, err := store.Backup(context.Background(), live, backup, time.Now())
	if err != nil {
		t.Fatalf("backup while the service runs: %v", err)
	}
	before := pushed.Load()
	waitFor(t, 20*time.Second, "pushes and deliveries after the backup", func() bool { return pushed.Load() > before+20 })
	close(stop)
	wg.Wait()
	if _, err := store.Backup(context.Background(), live, backup, time.Now()); err == nil {
		t.Fatal("a second backup overwrote the first")
	}

	atBackup := statusesIn(t, backup)
	waiting := 0
	for _, st := range atBackup {
		if st == lifecycle.Received || st == lifecycle.Scheduled || st == lifecycle.Delivering || st == lifecycle.Unrouted {
			waiting++
		}
	}
	if atBackup["5000000"] != lifecycle.Received || waiting < 2 {
		t.Fatalf("the backup should hold calls on their way: %v", atBackup)
	}

	restoredPath := filepath.Join(dir, "restored", "ak.db")
	rep, err := delivery.Restore(context.Background(), store.RestoreOptions{From: backup, To: "sqlite:" + restoredPath, Now: time.Now()})
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	flagged := 0
	for _, n := range rep.Flagged {
		flagged += n
	}
	if flagged != waiting || rep.Calls != len(atBackup) || !rep.BackupAt.Equal(info.TakenAt) {
		t.Fatalf("restore report %+v: want %d flagged of %d calls, backup at %s", rep, waiting, len(atBackup), info.TakenAt)
	}
	if _, err := delivery.Restore(context.Background(), store.RestoreOptions{From: backup, To: "sqlite:" + restoredPath, Now: time.Now()}); err == nil ||
		!strings.Contains(err.Error(), "already exists") {
		t.Fatalf("a restore over an existing database must be refused, got %v", err)
	}
	if n := unfinishedJobs(t, restoredPath); n != 0 {
		t.Fatalf("%d delivery jobs of the restored database would still run", n)
	}

	k2 := newKendo(t, rate)
	svc2 := startEngine(t, "sqlite:"+restoredPath, k2.URL(), engineOpts{settle: 100 * time.Millisecond, rate: rate})
	if err := push(svc2, "7000000", events); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, svc2, "7000000", lifecycle.Delivered, 20*time.Second)
	for id, was := range atBackup {
		rec, err := svc2.Call(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		switch was {
		case lifecycle.Delivered:
			if rec.Status != lifecycle.Delivered || rec.KendoCallID == "" {
				t.Fatalf("call %s was delivered at backup time, restored as %+v", id, rec)
			}
		case lifecycle.Received, lifecycle.Scheduled, lifecycle.Delivering, lifecycle.Unrouted:
			if rec.Status != lifecycle.Failed || !rec.OutcomeUnknown ||
				!strings.Contains(rec.Reason, info.TakenAt.Format(time.RFC3339)) {
				t.Fatalf("call %s was %s at backup time, restored as %s (unknown %v): %q", id, was, rec.Status, rec.OutcomeUnknown, rec.Reason)
			}
		}
	}
	time.Sleep(500 * time.Millisecond) // room for a wrongly resumed job to show itself
	for _, p := range k2.Payloads(t) {
		if id := p.Metadata["alowareCallId"]; id != "7000000" {
			t.Fatalf("the restored service sent call %s again (it was %s at backup time)", id, atBackup[id])
		}
	}
}

// --resend-waiting: the operator accepts doubles; the calls that were scheduled at backup
// time are sent after the restore.
func TestRestoreResendWaiting(t *testing.T) {
	dir := t.TempDir()
	live := "sqlite:" + filepath.Join(dir, "live.db")
	k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
	svc := startEngine(t, live, k.URL(), engineOpts{settle: time.Hour}) // nothing is sent before the backup
	for _, raw := range recorded(t, "inbound-940870001") {
		accept(t, svc, raw)
	}
	backup := filepath.Join(dir, "b.db")
	if _, err := store.Backup(context.Background(), live, backup, time.Now()); err != nil {
		t.Fatal(err)
	}
	restored := "sqlite:" + filepath.Join(dir, "restored.db")
	rep, err := delivery.Restore(context.Background(), store.RestoreOptions{From: backup, To: restored, ResendWaiting: true, Now: time.Now()})
	if err != nil || rep.Waiting != 1 || len(rep.Flagged) != 0 {
		t.Fatalf("restore --resend-waiting: %+v, %v", rep, err)
	}
	k2 := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
	svc2 := openEngine(t, restored, k2.URL(), engineOpts{settle: time.Hour})
	rec, err := svc2.Call(context.Background(), "940870001")
	if err != nil || rec.Status != lifecycle.Scheduled || rec.OutcomeUnknown {
		t.Fatalf("a waiting call restored with --resend-waiting: %+v, %v", rec, err)
	}
}

// A file that `backup` did not write says nothing of when it was taken: refused.
func TestRestoreRefusesAPlainCopy(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.db")
	svc := openEngine(t, "sqlite:"+plain, "http://127.0.0.1:1/", engineOpts{})
	svc.Close()
	_, err := delivery.Restore(context.Background(), store.RestoreOptions{From: plain, To: "sqlite:" + filepath.Join(dir, "r.db"), Now: time.Now()})
	if err == nil || !strings.Contains(err.Error(), "not written by `aloware-kendo backup`") {
		t.Fatalf("restore of a plain copy: %v", err)
	}
}

// statusesIn reads every call's status straight from a backup file.
func statusesIn(t *testing.T, path string) map[string]lifecycle.Status {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT aloware_call_id, status FROM ak_calls`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]lifecycle.Status{}
	for rows.Next() {
		var id, st string
		if err := rows.Scan(&id, &st); err != nil {
			t.Fatal(err)
		}
		out[id] = lifecycle.Status(st)
	}
	return out
}

func unfinishedJobs(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// After pg_restore, `restore --backup-taken-at` flags the waiting calls of a PostgreSQL
// database as Restore does for SQLite, and cancels their River jobs.
func TestMarkRestoredPostgres(t *testing.T) {
	loc := testenv.FreshPostgres(t)
	k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
	svc := startEngine(t, loc, k.URL(), engineOpts{settle: time.Hour})
	events := recorded(t, "inbound-940870001")
	for _, raw := range events {
		accept(t, svc, raw) // scheduled, waiting out its settle
	}
	accept(t, svc, withID(events[0], "940870001", "5000001")) // received
	stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := svc.Stop(stop); err != nil {
		t.Fatal(err)
	}
	backupAt := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	rep, err := delivery.MarkRestored(context.Background(), loc, backupAt, time.Now(), false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Flagged[lifecycle.Scheduled] != 1 || rep.Flagged[lifecycle.Received] != 1 {
		t.Fatalf("report %+v", rep)
	}
	svc2 := openEngine(t, loc, k.URL(), engineOpts{settle: time.Hour})
	for _, id := range []string{"940870001", "5000001"} {
		rec, err := svc2.Call(context.Background(), id)
		if err != nil || rec.Status != lifecycle.Failed || !rec.OutcomeUnknown || !strings.Contains(rec.Reason, "2026-12-06T03:00:00Z") {
			t.Fatalf("call %s after the restore: %+v, %v", id, rec, err)
		}
	}
	db, err := sql.Open("pgx", loc)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var open int
	if err := db.QueryRow(`SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded')`).Scan(&open); err != nil || open != 0 {
		t.Fatalf("%d delivery jobs would still run (%v)", open, err)
	}
}
