package e2e

import (
	"syscall"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// SIGTERM while a Kendo request hangs: the process exits within --shutdown-timeout (plus
// River's hard-stop grace), the interrupted delivery is re-queued rather than lost, and
// the next start delivers it once.
func TestSIGTERMRequeuesInFlightDelivery(t *testing.T) {
	t.Parallel()
	k := kendotest.New(t, kendo.Rate{Limit: 30, Period: time.Minute})
	arrived := hangFirst(t, k)
	flags := []string{"--db", "sqlite:" + t.TempDir() + "/ak.db", "--kendo-url", k.URL(), "--kendo-api-key", key,
		"--settle", "0s", "--kendo-timeout", "10s", "--shutdown-timeout", "2s"}
	first := serve(t, flags...)
	const id = "940870001"
	first.pushAll(t, lifecycle(t, "inbound-940870001"))
	arrived()
	if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-first.done:
	case <-time.After(15 * time.Second):
		t.Fatal("the service did not exit within 15s of SIGTERM with --shutdown-timeout 2s")
	}
	if code := first.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM:\n%s", code, tail(first.logs.String(), 3000))
	}
	second := serve(t, flags...)
	waitFor(t, 30*time.Second, "delivery after restart", func() bool { return second.delivered(t, id) })
	if n := len(k.Emu.Calls()); n != 1 {
		t.Fatalf("Kendo accepted %d calls, want 1", n)
	}
}
