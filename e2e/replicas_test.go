package e2e

import (
	"fmt"
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

// A replica killed in the middle of a delivery is taken over by another replica: the call
// is delivered, once.
func TestReplicaKilledMidDeliveryIsTakenOver(t *testing.T) {
	t.Parallel()
	db := testenv.FreshPostgres(t)
	k := kendotest.New(t, kendo.Rate{Limit: 30, Period: time.Minute})
	flags := []string{"--db", db, "--kendo-url", k.URL(), "--kendo-api-key", key, "--settle", "0s",
		"--kendo-timeout", "1s", "--rescue-after", "1s"}
	arrived := hangFirst(t, k)
	doomed := serve(t, flags...)
	const id = "940870001"
	doomed.pushAll(t, lifecycle(t, "inbound-940870001"))
	arrived()
	doomed.kill()
	survivor := serve(t, flags...)
	waitFor(t, 90*time.Second, "the survivor to deliver", func() bool { return survivor.delivered(t, id) })
	time.Sleep(time.Second)
	if n := len(k.Emu.Calls()); n != 1 {
		t.Fatalf("Kendo accepted %d calls, want 1", n)
	}
}
