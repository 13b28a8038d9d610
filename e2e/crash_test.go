package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

const key = "pk_e2e_process_key"

// A process killed with SIGKILL before, during or after its Kendo request neither loses
// the call nor sends it twice once it is started again on the same database.
func TestKillNineAndRestart(t *testing.T) {
	t.Parallel()
	events := lifecycle(t, "inbound-940870001")
	const id = "940870001"
	cases := []struct {
		name   string
		settle string
		// arm runs before the events are pushed and returns the moment to kill at.
		arm func(t *testing.T, k *kendotest.Server, p func() *proc) (killWhen func())
	}{
		{"before the Kendo request", "3s", func(t *testing.T, k *kendotest.Server, p func() *proc) func() {
			return func() {} // at once: events stored, the call still waits out its settle time
		}},
		{"during the Kendo request", "0s", func(t *testing.T, k *kendotest.Server, p func() *proc) func() {
			return hangFirst(t, k)
		}},
		{"after the delivery was recorded", "0s", func(t *testing.T, k *kendotest.Server, p func() *proc) func() {
			return func() {
				waitFor(t, 20*time.Second, "delivery", func() bool { return p().delivered(t, id) })
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := kendotest.New(t, kendo.Rate{Limit: 30, Period: time.Minute})
			flags := []string{"--db", "sqlite:" + t.TempDir() + "/ak.db", "--kendo-url", k.URL(), "--kendo-api-key", key,
				"--settle", tc.settle, "--kendo-timeout", "1s", "--rescue-after", "1s"}
			var first *proc
			killWhen := tc.arm(t, k, func() *proc { return first })
			first = serve(t, flags...)
			first.pushAll(t, events)
			killWhen()
			first.kill()

			second := serve(t, flags...)
			waitFor(t, 90*time.Second, "delivery after restart", func() bool { return second.delivered(t, id) })
			for _, raw := range events { // Aloware never retries, but a replay must be harmless
				if code, body := second.push(t, raw); code != 200 || !strings.Contains(body, `"duplicate":true`) {
					t.Fatalf("replay after restart: %d %s", code, body)
				}
			}
			time.Sleep(time.Second)
			if n := len(k.Emu.Calls()); n != 1 {
				t.Fatalf("Kendo accepted %d calls, want exactly 1", n)
			}
		})
	}
}
