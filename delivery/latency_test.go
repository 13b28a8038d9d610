package delivery_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// The latency histograms observe a call once: its first request to Kendo (last event →
// request) and its 201 (hang-up → 201), however many requests it took. A 429 before the
// 201 makes a second request, which must not be observed again.
func TestLatencyObservedOncePerCall(t *testing.T) {
	const callID = "940870001"
	cases := []struct {
		name     string
		rejected int64 // requests Kendo answers 429 before it accepts
	}{
		{"accepted at once", 0},
		{"accepted after a 429", 1},
	}
	for name, db := range databases() {
		for _, tc := range cases {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
				k.SetFault(func(n int64, w http.ResponseWriter, r *http.Request) bool {
					if n > tc.rejected {
						return false
					}
					w.Header().Set("Retry-After", "1")
					w.WriteHeader(http.StatusTooManyRequests)
					return true
				})
				reg := prometheus.NewRegistry()
				svc := startEngine(t, db(t), k.URL(), engineOpts{reg: reg})
				for _, raw := range recorded(t, "inbound-"+callID) {
					accept(t, svc, raw)
				}
				waitStatus(t, svc, callID, lifecycle.Delivered, 20*time.Second)
				waitFor(t, 5*time.Second, "the 201 counted", func() bool {
					return histogramCount(t, reg, "aloware_kendo_hangup_to_delivered_seconds") > 0
				})
				for _, name := range []string{"aloware_kendo_last_event_to_request_seconds", "aloware_kendo_hangup_to_delivered_seconds"} {
					if n := histogramCount(t, reg, name); n != 1 {
						t.Errorf("%s: %d observations, want 1", name, n)
					}
				}
				if got := k.Posts(); got != tc.rejected+1 {
					t.Errorf("Kendo got %d requests, want %d", got, tc.rejected+1)
				}
			})
		}
	}
}
