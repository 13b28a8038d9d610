package e2e

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// freshPostgres creates an empty database for one test (the replicas share it) and drops
// it afterwards. .ci/run sets ALOWARE_KENDO_TEST_POSTGRES; without it the test is skipped
// with a loud message.
func freshPostgres(t *testing.T) string {
	t.Helper()
	base := os.Getenv("ALOWARE_KENDO_TEST_POSTGRES")
	if base == "" {
		t.Skip("ALOWARE_KENDO_TEST_POSTGRES is not set: the several-replicas tests need PostgreSQL (.ci/run sets it)")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "ak_e2e_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if admin, err := sql.Open("pgx", base); err == nil {
			_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			admin.Close()
		}
	})
	u, _ := url.Parse(base)
	u.Path = "/" + name
	return u.String()
}

// Three replicas on one PostgreSQL behave as one service: events of one call spread over
// them, twins hitting different replicas at the same moment, and pacing that holds for
// the key across all of them.
func TestReplicasShareOneService(t *testing.T) {
	t.Parallel()
	db := freshPostgres(t)
	rate := kendo.Rate{Limit: 4, Period: time.Second}
	k := kendotest.New(t, rate)
	flags := []string{"--db", db, "--kendo-url", k.URL(), "--kendo-api-key", key, "--kendo-rate", "4/s", "--settle", "300ms"}
	replicas := []*proc{serve(t, flags...), serve(t, flags...), serve(t, flags...)}

	base := lifecycle(t, "outbound-940868616")
	const calls = 24
	var wg sync.WaitGroup
	for c := range calls {
		id := fmt.Sprint(960000000 + c)
		for i, raw := range base {
			raw := withID(raw, "940868616", id)
			// Every event goes to one replica in turn; the recording goes to all three at
			// once, so twins race on different processes.
			targets := []*proc{replicas[(c+i)%len(replicas)]}
			if i == 2 {
				targets = replicas
			}
			for _, p := range targets {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if code, body := p.push(t, raw); code != 202 && code != 200 {
						t.Errorf("push %s: %d %s", id, code, body)
					}
				}()
			}
			wg.Wait() // the next event of the call only after this one is stored
		}
	}
	waitFor(t, 2*time.Minute, "all calls delivered", func() bool { return len(k.Emu.Calls()) >= calls })
	time.Sleep(2 * time.Second) // room for a double send to show itself

	seen := map[string]int{}
	for _, p := range k.Payloads(t) {
		seen[p.Metadata["alowareCallId"]]++
	}
	if len(seen) != calls {
		t.Fatalf("Kendo got %d distinct calls, want %d", len(seen), calls)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("call %s reached Kendo %d times", id, n)
		}
	}
	if n := k.Emu.Answered(429); n != 0 {
		t.Fatalf("the replicas together exceeded %s: Kendo answered 429 %d times", rate, n)
	}
	if n := k.Posts(); n != calls {
		t.Fatalf("Kendo got %d POSTs for %d calls", n, calls)
	}
}

// A replica killed in the middle of a delivery is taken over by another replica: the call
// is delivered, once.
func TestReplicaKilledMidDeliveryIsTakenOver(t *testing.T) {
	t.Parallel()
	db := freshPostgres(t)
	k := kendotest.New(t, kendo.Rate{Limit: 30, Period: time.Minute})
	flags := []string{"--db", db, "--kendo-url", k.URL(), "--kendo-api-key", key, "--settle", "0s",
		"--kendo-timeout", "1s", "--rescue-after", "1s"}
	arrived := make(chan struct{})
	k.SetFault(hangFirst(arrived))
	doomed := serve(t, flags...)
	const id = "940870001"
	for _, raw := range lifecycle(t, "inbound-940870001") {
		if code, body := doomed.push(t, raw); code != 202 {
			t.Fatalf("push: %d %s", code, body)
		}
	}
	select {
	case <-arrived:
	case <-time.After(20 * time.Second):
		t.Fatal("the delivery never reached Kendo")
	}
	doomed.kill()
	survivor := serve(t, flags...)
	waitFor(t, 90*time.Second, "the survivor to deliver", func() bool {
		return strings.Contains(survivor.status(t, id), `"delivered"`)
	})
	time.Sleep(time.Second)
	if n := len(k.Emu.Calls()); n != 1 {
		t.Fatalf("Kendo accepted %d calls, want 1", n)
	}
}
