package e2e

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// The restore drill, with the real binary and one Kendo for both lives of the service:
// back up under load while deliveries go on, lose the data directory, restore the backup
// into a fresh one, start. No call Kendo got is sent again, the calls on their way at
// backup time are failed with an unknown outcome naming the backup time, and new events
// are taken and delivered at once.
func TestRestoreDrill(t *testing.T) {
	t.Parallel()
	k := kendotest.New(t, kendo.Rate{Limit: 100, Period: time.Second})
	flags := func(dir string) []string {
		return []string{"--db", "sqlite:" + filepath.Join(dir, "ak.db"), "--kendo-url", k.URL(), "--kendo-api-key", key,
			"--kendo-rate", "10/s", "--settle", "200ms"}
	}
	liveDir, backupDir, freshDir := t.TempDir(), t.TempDir(), t.TempDir()
	live := serve(t, flags(liveDir)...)
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

	backup := filepath.Join(backupDir, "ak.backup.db")
	out, err := exec.Command(binary, "backup", "--db", "sqlite:"+filepath.Join(liveDir, "ak.db"), "--out", backup).CombinedOutput()
	if err != nil {
		t.Fatalf("backup while serving: %v\n%s", err, out)
	}
	takenAt := regexp.MustCompile(`taken at (\S+)`).FindStringSubmatch(string(out))
	if takenAt == nil {
		t.Fatalf("backup said: %s", out)
	}
	backupAt, err := time.Parse(time.RFC3339Nano, takenAt[1])
	if err != nil {
		t.Fatal(err)
	}
	atBackup := callStatuses(t, backup)
	before := pushed.Load()
	waitFor(t, 20*time.Second, "pushes after the backup", func() bool { return pushed.Load() >= before+20 })
	close(stop)
	wg.Wait()
	time.Sleep(time.Second) // deliveries go on after the backup: Kendo gets calls the backup shows waiting
	live.kill()             // the disk is lost

	out, err = exec.Command(binary, "restore", "--from", backup, "--db", "sqlite:"+filepath.Join(liveDir, "ak.db")).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "already exists") {
		t.Fatalf("restore over the existing database must be refused: %v\n%s", err, out)
	}
	out, err = exec.Command(binary, "restore", "--from", backup, "--db", "sqlite:"+filepath.Join(freshDir, "ak.db")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "outcomeUnknown") {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	t.Logf("restore said: %s", out)

	restored := serve(t, flags(freshDir)...)
	started := time.Now()
	fresh := withEach(events, "940870001", "942000000")
	restored.pushAll(t, fresh) // taken at once: 202 for every event
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

// callStatuses reads every call's status straight from a backup file.
func callStatuses(t *testing.T, path string) map[string]string {
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
