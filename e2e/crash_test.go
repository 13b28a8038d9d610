package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

const key = "pk_e2e_process_key"

// A process killed with SIGKILL at any moment never sends a call twice once it is
// started again on the same database, and never loses one: a call that had not reached
// Kendo is delivered; one whose request was in flight — Kendo may have it — is flagged
// "outcome unknown" and waits for an operator, whose redelivery sends it.
func TestKillNineAndRestart(t *testing.T) {
	t.Parallel()
	events := lifecycle(t, "inbound-940870001")
	const id = "940870001"
	cases := []struct {
		name   string
		settle string
		// arm runs before the events are pushed and returns the moment to kill at.
		arm func(t *testing.T, k *kendotest.Server, p func() *proc) (killWhen func())
		// inFlight: the request had reached Kendo when the process died.
		inFlight bool
		// accepted: how many calls Kendo accepted by the end (before any redelivery).
		accepted int
	}{
		{"before the Kendo request", "3s", func(t *testing.T, k *kendotest.Server, p func() *proc) func() {
			return func() {} // at once: events stored, the call still waits out its settle time
		}, false, 1},
		{"during a Kendo request that never answers", "0s", func(t *testing.T, k *kendotest.Server, p func() *proc) func() {
			return k.HangFirst(t)
		}, true, 0},
		{"during a Kendo request that Kendo accepts", "0s", func(t *testing.T, k *kendotest.Server, p func() *proc) func() {
			arrived, release := k.HoldFirst(t)
			return func() {
				arrived()
				time.AfterFunc(2*time.Second, release) // the sender dies meanwhile; Kendo still takes the call
			}
		}, true, 1},
		{"after the delivery was recorded", "0s", func(t *testing.T, k *kendotest.Server, p func() *proc) func() {
			return func() {
				waitFor(t, 20*time.Second, "delivery", func() bool { return p().delivered(t, id) })
			}
		}, false, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := kendotest.New(t, kendo.Rate{Limit: 30, Period: time.Minute})
			flags := []string{"--db", "sqlite:" + t.TempDir() + "/ak.db", "--kendo-url", k.URL(), "--kendo-api-key", key,
				"--settle", tc.settle, "--kendo-timeout", "3s", "--shutdown-timeout", "8s"}
			var first *proc
			killWhen := tc.arm(t, k, func() *proc { return first })
			first = serve(t, flags...)
			first.pushAll(t, events)
			killWhen()
			first.kill()
			time.Sleep(2500 * time.Millisecond) // let a request the dead process made end at Kendo

			second := serve(t, flags...)
			restarted := time.Now()
			if tc.inFlight {
				waitFor(t, 15*time.Second, "the call flagged after restart", func() bool {
					s := second.status(t, id)
					return strings.Contains(s, `"status":"failed"`) && strings.Contains(s, `"outcomeUnknown":true`)
				})
			} else {
				waitFor(t, 15*time.Second, "delivery after restart", func() bool { return second.delivered(t, id) })
				for _, raw := range events { // Aloware never retries, but a replay must be harmless
					if code, body := second.push(t, raw); code != 200 || !strings.Contains(body, `"duplicate":true`) {
						t.Fatalf("replay after restart: %d %s", code, body)
					}
				}
			}
			t.Logf("settled %.1f s after the restart", time.Since(restarted).Seconds())
			time.Sleep(time.Second)
			if n := len(k.Emu.Calls()); n != tc.accepted || k.Posts() != 1 {
				t.Fatalf("Kendo got %d POSTs and accepted %d calls; want 1 POST and %d accepted", k.Posts(), n, tc.accepted)
			}
			if tc.inFlight { // an operator checks Kendo and asks for it again: sent once more
				k.SetFault(nil)
				if code, body := second.post(t, "/calls/"+id+"/redeliver?includeOutcomeUnknown=true", nil); code != 202 {
					t.Fatalf("redeliver: %d %s", code, body)
				}
				waitFor(t, 15*time.Second, "delivery after redelivery", func() bool { return second.delivered(t, id) })
			}
		})
	}
}

// After a kill -9 with deliveries waiting for their pacing slot in the worker (running
// jobs that had not reached Kendo), a restart on SQLite resumes them at once instead of
// after --rescue-after plus River's rescuer interval (132–140 s measured before).
func TestRestartAfterKillResumesAtOnce(t *testing.T) {
	t.Parallel()
	k := kendotest.New(t, kendo.Rate{Limit: 100, Period: time.Second})
	flags := []string{"--db", "sqlite:" + t.TempDir() + "/ak.db", "--kendo-url", k.URL(), "--kendo-api-key", key,
		"--kendo-rate", "1/s", "--settle", "0s"}
	first := serve(t, flags...)
	ids := make([]string, 6)
	for i := range ids {
		ids[i] = fmt.Sprint(940873000 + i)
		first.pushAll(t, withEach(lifecycle(t, "inbound-940870001"), "940870001", ids[i]))
	}
	// Killed once a delivery is committed, not when Kendo has merely received one: a kill
	// between Kendo's 201 and the commit leaves that call outcome-unknown (never re-sent),
	// which is not what this test is about. The next request is a pacing second away.
	waitFor(t, 10*time.Second, "the first delivery", func() bool {
		return slices.ContainsFunc(ids, func(id string) bool { return first.delivered(t, id) })
	})
	first.kill()
	second := serve(t, flags...)
	restarted := time.Now()
	for _, id := range ids {
		waitFor(t, 15*time.Second, "delivery of "+id+" after the restart", func() bool { return second.delivered(t, id) })
	}
	t.Logf("all %d calls delivered %.1f s after the restart (%d were left)", len(ids), time.Since(restarted).Seconds(), len(ids)-1)
	if n := len(k.Emu.Calls()); n != len(ids) {
		t.Fatalf("Kendo accepted %d calls, want %d", n, len(ids))
	}
}
