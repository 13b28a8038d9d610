package delivery_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/delivery"
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
				return sample(t, reg, "aloware_kendo_deliveries_total", map[string]string{"outcome": tc.outcome, "team": "default"}) == 1
			})
			if n := sample(t, reg, "aloware_kendo_deliveries_total", map[string]string{"outcome": tc.outcome, "team": ""}); n > 0 {
				t.Fatalf("%v %s outcomes counted without a team", n, tc.outcome)
			}
		})
	}
}
