package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// Three replicas on one PostgreSQL behave as one service: events of one call spread over
// them, twins hitting different replicas at the same moment, and pacing that holds for
// the key across all of them.
func TestReplicasShareOneService(t *testing.T) {
	t.Parallel()
	db := testenv.FreshPostgres(t)
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

// A replica killed in the middle of a Kendo request leaves a call Kendo may have: another
// replica picks the job up after --rescue-after (plus up to 5 s) and flags the call
// "outcome unknown" instead of sending it again. Calls that had not reached Kendo yet are
// delivered by the survivor, once.
func TestReplicaKilledMidDeliveryIsTakenOver(t *testing.T) {
	t.Parallel()
	db := testenv.FreshPostgres(t)
	k := kendotest.New(t, kendo.Rate{Limit: 100, Period: time.Second})
	flags := []string{"--db", db, "--kendo-url", k.URL(), "--kendo-api-key", key, "--settle", "0s",
		"--kendo-timeout", "1s", "--shutdown-timeout", "6s", "--rescue-after", "1s", "--kendo-rate", "1/1500ms"}
	arrived := k.HangFirst(t)
	doomed := serve(t, flags...)
	ids := []string{"940874000", "940874001", "940874002"}
	doomed.pushAll(t, withEach(lifecycle(t, "inbound-940870001"), "940870001", ids[0]))
	arrived()
	for _, id := range ids[1:] { // these wait for their pacing slot when the replica dies
		doomed.pushAll(t, withEach(lifecycle(t, "inbound-940870001"), "940870001", id))
	}
	time.Sleep(500 * time.Millisecond)
	doomed.kill()
	killed := time.Now()
	survivor := serve(t, flags...)
	for _, id := range ids[1:] {
		waitFor(t, 60*time.Second, "the survivor to deliver "+id, func() bool { return survivor.delivered(t, id) })
	}
	waitFor(t, 60*time.Second, "the survivor to flag the cut-off call", func() bool {
		s := survivor.status(t, ids[0])
		return strings.Contains(s, `"status":"failed"`) && strings.Contains(s, `"outcomeUnknown":true`)
	})
	t.Logf("everything settled %.1f s after the kill (rescue after %s + up to 5 s)", time.Since(killed).Seconds(), "16s")
	time.Sleep(time.Second)
	if n, m := k.Posts(), len(k.Emu.Calls()); n != 3 || m != 2 {
		t.Fatalf("Kendo got %d POSTs and accepted %d calls; want 3 and 2 (the cut-off call never twice)", n, m)
	}
}

// Replicas started at the same instant on a fresh PostgreSQL database all come up: every
// migration (ours and River's) runs under one advisory lock. Before, two of three exited
// with River's migration failing on a duplicate key.
func TestReplicasStartingTogether(t *testing.T) {
	t.Parallel()
	for trial := range 3 {
		db := testenv.FreshPostgres(t)
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := serve(t, "--db", db, "--kendo-api-key", key)
				if code := p.get(t, "/readyz"); code != 200 {
					t.Errorf("trial %d: a replica is not ready: %d", trial, code)
				}
			}()
		}
		wg.Wait()
	}
}
