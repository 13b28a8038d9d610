package delivery_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// Every change of a call that ends its delivery is counted once, under the call's team,
// whichever path made it: an operator's skip, the artifact wait running out, and Kendo's
// answer alike. (The counting used to live beside three of the paths, and the operator's
// skip and the artifact timeout's team were lost.)
func TestDeliveriesCountedFromEveryTransition(t *testing.T) {
	const callID = "940870001"
	cases := []struct {
		name    string
		opts    engineOpts
		act     func(t *testing.T, svc *delivery.Service, events [][]byte)
		outcome string
	}{
		{"operator skip", engineOpts{settle: time.Hour}, func(t *testing.T, svc *delivery.Service, events [][]byte) {
			for _, e := range events {
				accept(t, svc, e)
			}
			if _, err := svc.Skip(context.Background(), callID, "an operator (test)"); err != nil {
				t.Fatal(err)
			}
		}, "skipped"},
		{"artifact wait ran out", engineOpts{artifactWait: 300 * time.Millisecond}, func(t *testing.T, svc *delivery.Service, events [][]byte) {
			accept(t, svc, events[0])
			accept(t, svc, events[1]) // finished, and the recording never comes
			waitStatus(t, svc, callID, lifecycle.Skipped, 10*time.Second)
		}, "skipped"},
		{"delivered", engineOpts{}, func(t *testing.T, svc *delivery.Service, events [][]byte) {
			for _, e := range events {
				accept(t, svc, e)
			}
			waitStatus(t, svc, callID, lifecycle.Delivered, 10*time.Second)
		}, "delivered"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
			reg := prometheus.NewRegistry()
			tc.opts.reg = reg
			svc := startEngine(t, "sqlite:"+t.TempDir()+"/ak.db", k.URL(), tc.opts)
			tc.act(t, svc, recorded(t, "inbound-"+callID))
			waitFor(t, 5*time.Second, "the outcome counted", func() bool {
				return sample(t, reg, "aloware_kendo_calls_finished_total", map[string]string{"result": tc.outcome, "team": "default"}) == 1
			})
			if n := sample(t, reg, "aloware_kendo_calls_finished_total", map[string]string{"result": tc.outcome, "team": ""}); n > 0 {
				t.Fatalf("%v %s outcomes counted without a team", n, tc.outcome)
			}
		})
	}
}

// An attempt's class and a call's final result are separate series: a shrink-and-retry
// is a too_large attempt of a call that ends delivered; retries that run out are
// transient attempts of a call that ends failed; a call skipped by an operator made no
// attempt. Each call's end is counted once.
func TestAttemptsAndFinalResultsAreSeparateSeries(t *testing.T) {
	const callID = "940870001"
	tooLargeOnce := func(n int64, w http.ResponseWriter, r *http.Request) bool {
		if n == 1 {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return true
		}
		return false
	}
	alwaysBusy := func(_ int64, w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	}
	cases := []struct {
		name     string
		fault    kendotest.Fault
		want     lifecycle.Status
		attempts map[string]float64 // class → count
		ended    map[string]float64 // result → count
	}{
		{"shrink and retry ends delivered", tooLargeOnce, lifecycle.Delivered,
			map[string]float64{"too_large": 1, "delivered": 1}, map[string]float64{"delivered": 1, "failed": 0}},
		{"retries that run out end failed", alwaysBusy, lifecycle.Failed,
			map[string]float64{"transient": 2, "delivered": 0}, map[string]float64{"failed": 1, "delivered": 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
			k.SetFault(tc.fault)
			reg := prometheus.NewRegistry()
			svc := startEngine(t, "sqlite:"+t.TempDir()+"/ak.db", k.URL(), engineOpts{reg: reg, retryHorizon: time.Second})
			for _, e := range recorded(t, "inbound-"+callID) {
				accept(t, svc, e)
			}
			waitStatus(t, svc, callID, tc.want, 30*time.Second)
			waitFor(t, 5*time.Second, "the end counted", func() bool {
				return sample(t, reg, "aloware_kendo_calls_finished_total", map[string]string{"result": string(tc.want), "team": "default"}) == 1
			})
			for class, n := range tc.attempts {
				if got := sample(t, reg, "aloware_kendo_deliveries_total", map[string]string{"outcome": class, "team": "default"}); got != n {
					t.Errorf("attempts %s: %v, want %v", class, got, n)
				}
			}
			for result, n := range tc.ended {
				if got := sample(t, reg, "aloware_kendo_calls_finished_total", map[string]string{"result": result, "team": "default"}); got != n {
					t.Errorf("calls finished %s: %v, want %v", result, got, n)
				}
			}
		})
	}
}
