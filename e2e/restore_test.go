package e2e

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// The restore drill, with the real binary and one Kendo for both lives of the service:
// back up under load while deliveries go on, lose the database, restore the backup into
// a fresh one, start. No call Kendo got is sent again, the calls on their way at backup
// time are failed with an unknown outcome naming the backup time, and new events are
// taken and delivered at once.
func TestRestoreDrill(t *testing.T) {
	t.Parallel()
	liveDir, backupDir, freshDir := t.TempDir(), t.TempDir(), t.TempDir()
	liveDB := "sqlite:" + filepath.Join(liveDir, "ak.db")
	backup := filepath.Join(backupDir, "ak.backup.db")
	runDrill(t, liveDB, "sqlite:"+filepath.Join(freshDir, "ak.db"),
		func(t *testing.T) time.Time {
			out, err := exec.Command(binary, "backup", "--db", liveDB, "--out", backup).CombinedOutput()
			if err != nil {
				t.Fatalf("backup while serving: %v\n%s", err, out)
			}
			takenAt := regexp.MustCompile(`taken at (\S+)`).FindStringSubmatch(string(out))
			if takenAt == nil {
				t.Fatalf("backup said: %s", out)
			}
			at, err := time.Parse(time.RFC3339Nano, takenAt[1])
			if err != nil {
				t.Fatal(err)
			}
			return at
		},
		func(t *testing.T, freshDB string, _ time.Time) map[string]string {
			atBackup := callStatuses(t, "sqlite", "file:"+backup+"?mode=ro")
			out, err := exec.Command(binary, "restore", "--from", backup, "--db", liveDB).CombinedOutput()
			if err == nil || !strings.Contains(string(out), "already exists") {
				t.Fatalf("restore over the existing database must be refused: %v\n%s", err, out)
			}
			out, err = exec.Command(binary, "restore", "--from", backup, "--db", freshDB).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "outcomeUnknown") {
				t.Fatalf("restore: %v\n%s", err, out)
			}
			t.Logf("restore said: %s", out)
			return atBackup
		})
}

// The same drill on PostgreSQL: `backup` prints the pg_dump command, which is run as
// printed; pg_restore into an empty database; `restore --backup-taken-at` marks it.
func TestRestoreDrillPostgres(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip(tool + " is not installed (package postgresql-client)")
		}
	}
	liveDB, freshDB := testenv.FreshPostgres(t), testenv.FreshPostgres(t)
	dump := filepath.Join(t.TempDir(), "ak.dump")
	runDrill(t, liveDB, freshDB,
		func(t *testing.T) time.Time {
			out, err := exec.Command(binary, "backup", "--db", liveDB, "--out", dump).Output()
			if code := exitCode(err); code != 1 || !strings.HasPrefix(string(out), "pg_dump ") {
				t.Fatalf("backup on PostgreSQL: exit %d, %q", code, out)
			}
			at := time.Now().UTC().Truncate(time.Second) // pg_dump's snapshot is taken after this
			if out, err := exec.Command("sh", "-c", string(out)).CombinedOutput(); err != nil {
				t.Fatalf("the printed pg_dump command: %v\n%s", err, out)
			}
			return at
		},
		func(t *testing.T, freshDB string, backupAt time.Time) map[string]string {
			if out, err := exec.Command("pg_restore", "--no-owner", "--dbname="+freshDB, dump).CombinedOutput(); err != nil {
				t.Fatalf("pg_restore: %v\n%s", err, out)
			}
			atBackup := callStatuses(t, "pgx", freshDB)
			out, err := exec.Command(binary, "restore", "--db", freshDB, "--backup-taken-at", backupAt.Format(time.RFC3339)).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "outcomeUnknown") {
				t.Fatalf("restore --backup-taken-at: %v\n%s", err, out)
			}
			t.Logf("restore said: %s", out)
			return atBackup
		})
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// runDrill serves liveDB under continuous pushes, calls backup while it delivers, keeps
// pushing and delivering, kills it, calls restore (which answers the calls' statuses as
// at backup time) and serves freshDB.
func runDrill(t *testing.T, liveDB, freshDB string,
	backup func(t *testing.T) time.Time,
	restore func(t *testing.T, freshDB string, backupAt time.Time) map[string]string) {
	t.Helper()
	k := kendotest.New(t, kendo.Rate{Limit: 100, Period: time.Second})
	flags := func(db string) []string {
		return []string{"--db", db, "--kendo-url", k.URL(), "--kendo-api-key", key, "--kendo-rate", "10/s", "--settle", "200ms"}
	}
	live := serve(t, flags(liveDB)...)
	events := lifecycle(t, "inbound-940870001")

	var pushed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // Aloware, pushing all along
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			for _, raw := range withEach(events, "940870001", fmt.Sprint(941000000+i)) {
				if code, body := live.push(t, raw); code != 202 {
					t.Errorf("push while backing up: %d %s", code, body)
					return
				}
			}
			pushed.Add(1)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	waitFor(t, 20*time.Second, "deliveries before the backup", func() bool { return len(k.Emu.Calls()) >= 10 })

	backupAt := backup(t)
	before := pushed.Load()
	waitFor(t, 20*time.Second, "pushes after the backup", func() bool { return pushed.Load() >= before+20 })
	close(stop)
	wg.Wait()
	time.Sleep(time.Second) // deliveries go on after the backup: Kendo gets calls the backup shows waiting
	live.kill()             // the database is lost

	atBackup := restore(t, freshDB, backupAt)
	restored := serve(t, flags(freshDB)...)
	started := time.Now()
	restored.pushAll(t, withEach(events, "940870001", "942000000")) // taken at once: 202 for every event
	waitFor(t, 15*time.Second, "the new call delivered", func() bool { return restored.delivered(t, "942000000") })
	t.Logf("a new call was delivered %.1f s after the restored service started", time.Since(started).Seconds())

	var delivered, flagged int
	for id, was := range atBackup {
		var rec struct {
			Status         string `json:"status"`
			OutcomeUnknown bool   `json:"outcomeUnknown"`
			Reason         string `json:"reason"`
		}
		if err := json.Unmarshal([]byte(restored.status(t, id)), &rec); err != nil {
			t.Fatal(err)
		}
		switch was {
		case "delivered":
			delivered++
			if rec.Status != "delivered" {
				t.Errorf("call %s was delivered before the backup, restored as %s", id, rec.Status)
			}
		case "received", "scheduled", "delivering", "unrouted":
			flagged++
			if rec.Status != "failed" || !rec.OutcomeUnknown || !strings.Contains(rec.Reason, backupAt.Format(time.RFC3339)) {
				t.Errorf("call %s was %s at backup time, restored as %+v", id, was, rec)
			}
		}
	}
	time.Sleep(time.Second) // room for a wrongly resumed delivery to reach Kendo
	sent := map[string]int{}
	for _, p := range k.Payloads(t) {
		sent[p.Metadata["alowareCallId"]]++
	}
	for id, n := range sent {
		if n > 1 {
			t.Errorf("Kendo got call %s %d times (it was %q at backup time)", id, n, atBackup[id])
		}
	}
	if delivered == 0 || flagged == 0 {
		t.Fatalf("the drill needs calls delivered before the backup (%d) and calls on their way (%d)", delivered, flagged)
	}
	t.Logf("%d calls pushed, %d in the backup: %d delivered before it, %d on their way and flagged; Kendo got %d calls, none twice",
		pushed.Load(), len(atBackup), delivered, flagged, len(sent))
}

// callStatuses reads every call's status straight from a database (a backup file, or a
// database restored but not yet marked).
func callStatuses(t *testing.T, driver, dsn string) map[string]string {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT aloware_call_id, status FROM ak_calls`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, st string
		if err := rows.Scan(&id, &st); err != nil {
			t.Fatal(err)
		}
		out[id] = st
	}
	return out
}
