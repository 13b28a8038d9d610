package e2e

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// A deploy is a SIGTERM. With Kendo answering in 3 s and five deliveries in flight, the
// process lets every request finish and records its answer before it exits; after the
// restart Kendo has received each call exactly once (cut short, it got each twice).
func TestSIGTERMLetsKendoRequestsInFlightFinish(t *testing.T) {
	t.Parallel()
	k := kendotest.New(t, kendo.Rate{Limit: 100, Period: time.Second})
	var arrived atomic.Int64
	k.SetFault(func(n int64, w http.ResponseWriter, r *http.Request) bool {
		arrived.Add(1)
		time.Sleep(3 * time.Second) // a slow Kendo; the emulator answers after it
		return false
	})
	flags := []string{"--db", "sqlite:" + t.TempDir() + "/ak.db", "--kendo-url", k.URL(), "--kendo-api-key", key,
		"--kendo-rate", "100/s", "--settle", "0s", "--kendo-timeout", "5s", "--shutdown-timeout", "10s"}
	first := serve(t, flags...)
	ids := make([]string, 5)
	for i := range ids {
		ids[i] = fmt.Sprint(940871000 + i)
		first.pushAll(t, withEach(lifecycle(t, "inbound-940870001"), "940870001", ids[i]))
	}
	waitFor(t, 20*time.Second, "five requests in flight at Kendo", func() bool { return arrived.Load() >= 5 })
	start := time.Now()
	if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-first.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the service did not exit within 20 s of SIGTERM with --shutdown-timeout 10s")
	}
	t.Logf("exited %.2f s after SIGTERM (Kendo answers in 3 s)", time.Since(start).Seconds())
	if code := first.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM:\n%s", code, tail(first.logs.String(), 3000))
	}

	second := serve(t, flags...)
	for _, id := range ids {
		if !second.delivered(t, id) {
			t.Fatalf("call %s not delivered before the exit: %s", id, second.status(t, id))
		}
	}
	time.Sleep(3 * time.Second) // room for a second POST to show itself
	if n, m := k.Posts(), len(k.Emu.Calls()); n != 5 || m != 5 {
		t.Fatalf("Kendo got %d POSTs and accepted %d calls; want 5 and 5 (each call exactly once)", n, m)
	}
}

// Work that has not reached Kendo is cut short by SIGTERM and goes back to the queue: a
// call waiting for a pacing slot does not hold the shutdown, and is sent after the
// restart, once.
func TestSIGTERMRequeuesWorkNotYetAtKendo(t *testing.T) {
	t.Parallel()
	k := kendotest.New(t, kendo.Rate{Limit: 100, Period: time.Second})
	flags := []string{"--db", "sqlite:" + t.TempDir() + "/ak.db", "--kendo-url", k.URL(), "--kendo-api-key", key,
		"--kendo-rate", "1/1500ms", "--settle", "0s", "--kendo-timeout", "2s", "--shutdown-timeout", "7s"} // the next calls sleep in the worker for their slot
	first := serve(t, flags...)
	ids := []string{"940872001", "940872002", "940872003"}
	for _, id := range ids {
		first.pushAll(t, withEach(lifecycle(t, "inbound-940870001"), "940870001", id))
	}
	waitFor(t, 10*time.Second, "the first delivery", func() bool { return k.Posts() >= 1 })
	start := time.Now()
	if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-first.done
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("calls waiting for a pacing slot held the shutdown for %s", d)
	}
	k.Emu.Reset()
	second := serve(t, append(flags[:len(flags):len(flags)], "--kendo-rate", "100/s")...)
	for _, id := range ids {
		waitFor(t, 20*time.Second, "delivery of "+id, func() bool { return second.delivered(t, id) })
	}
	if n := k.Posts(); n != 3 {
		t.Fatalf("Kendo got %d POSTs for 3 calls", n)
	}
}
