package delivery_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// While nothing listens at Kendo's address, the key is "unreachable since …" (its own
// state, metric and reason — not a pause, not pacing), and the requests that never
// arrived use no pacing slot: the window stays empty. Once Kendo listens, the call is
// delivered and the state clears.
func TestKendoUnreachableIsItsOwnState(t *testing.T) {
	for name, fresh := range databases() {
		t.Run(name, func(t *testing.T) {
			const callID = "940870001"
			url, start := kendotest.Later(t, kendo.Rate{Limit: 2, Period: time.Minute})
			reg := prometheus.NewRegistry()
			svc := startEngine(t, fresh(t), url, engineOpts{reg: reg, rate: kendo.Rate{Limit: 2, Period: time.Minute}})
			for _, e := range recorded(t, "inbound-"+callID) {
				accept(t, svc, e)
			}
			rec := waitCall(t, svc, callID, "two requests that never arrived", 20*time.Second, func(r delivery.CallRecord) bool {
				return r.Attempts >= 2 && r.Status == lifecycle.Scheduled
			})
			if !strings.Contains(rec.Reason, "could not reach Kendo") || strings.Contains(rec.Reason, "pacing") {
				t.Fatalf("reason %q: want the outage, not pacing", rec.Reason)
			}
			ov, err := svc.Overview(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			k := ov.Keys[0]
			if !k.Unreachable || k.UnreachableSince == nil || k.UnreachableError == "" || k.Paused {
				t.Fatalf("key %+v: want unreachable since a time, with the error, and not paused", k)
			}
			if k.InWindow != 0 {
				t.Fatalf("%d of %d pacing slots used by requests that never reached Kendo", k.InWindow, k.Limit)
			}
			if v := sample(t, reg, "aloware_kendo_kendo_unreachable", map[string]string{"team": "default"}); v != 1 {
				t.Fatalf("aloware_kendo_kendo_unreachable = %v, want 1", v)
			}
			if v := sample(t, reg, "aloware_kendo_deliveries_total", map[string]string{"outcome": "unreachable", "team": "default"}); v < 2 {
				t.Fatalf("unreachable attempts counted %v, want ≥ 2", v)
			}

			start()
			waitStatus(t, svc, callID, lifecycle.Delivered, 60*time.Second)
			if ov, err = svc.Overview(context.Background()); err != nil {
				t.Fatal(err)
			}
			if ov.Keys[0].Unreachable {
				t.Fatalf("still unreachable after Kendo answered: %+v", ov.Keys[0])
			}
			if v := sample(t, reg, "aloware_kendo_kendo_unreachable", map[string]string{"team": "default"}); v != 0 {
				t.Fatalf("aloware_kendo_kendo_unreachable = %v after recovery, want 0", v)
			}
		})
	}
}
