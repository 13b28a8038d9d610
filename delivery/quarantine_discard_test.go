package delivery_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// An operator discards quarantined events — one, a filter's, or all — for good: they
// leave the list and the count, a replay no longer sees them, and the log names who
// discarded which. A discard that names nothing discards nothing.
func TestDiscardQuarantine(t *testing.T) {
	unusable := func(name string) []byte {
		return []byte(`{"event":"` + name + `","body":{"type":1,"direction":1}}`)
	}
	tests := []struct {
		name          string
		discard       func(svc *delivery.Service, ids []int64, cut time.Time) (delivery.DiscardResult, error)
		wantErr       error
		wantDiscarded int
		wantLeft      []string // event names left, newest first
	}{
		{name: "one by id", discard: func(svc *delivery.Service, ids []int64, _ time.Time) (delivery.DiscardResult, error) {
			return svc.DiscardQuarantined(context.Background(), ids[1], "ops@example")
		}, wantDiscarded: 1, wantLeft: []string{"C", "A"}},
		{name: "an id not there", discard: func(svc *delivery.Service, _ []int64, _ time.Time) (delivery.DiscardResult, error) {
			return svc.DiscardQuarantined(context.Background(), 999999, "ops@example")
		}, wantErr: delivery.ErrNotQuarantined, wantLeft: []string{"C", "B", "A"}},
		{name: "by event name", discard: func(svc *delivery.Service, _ []int64, _ time.Time) (delivery.DiscardResult, error) {
			return svc.DiscardQuarantine(context.Background(), delivery.DiscardFilter{Event: "A"}, "ops@example")
		}, wantDiscarded: 1, wantLeft: []string{"C", "B"}},
		{name: "received before a time", discard: func(svc *delivery.Service, _ []int64, cut time.Time) (delivery.DiscardResult, error) {
			return svc.DiscardQuarantine(context.Background(), delivery.DiscardFilter{ReceivedBefore: cut}, "ops@example")
		}, wantDiscarded: 2, wantLeft: []string{"C"}},
		{name: "ids and a name must both hold", discard: func(svc *delivery.Service, ids []int64, _ time.Time) (delivery.DiscardResult, error) {
			return svc.DiscardQuarantine(context.Background(), delivery.DiscardFilter{IDs: ids[:2], Event: "B"}, "ops@example")
		}, wantDiscarded: 1, wantLeft: []string{"C", "A"}},
		{name: "all", discard: func(svc *delivery.Service, _ []int64, _ time.Time) (delivery.DiscardResult, error) {
			return svc.DiscardQuarantine(context.Background(), delivery.DiscardFilter{All: true}, "ops@example")
		}, wantDiscarded: 3},
		{name: "nothing named", discard: func(svc *delivery.Service, _ []int64, _ time.Time) (delivery.DiscardResult, error) {
			return svc.DiscardQuarantine(context.Background(), delivery.DiscardFilter{}, "ops@example")
		}, wantErr: delivery.ErrDiscardWhat, wantLeft: []string{"C", "B", "A"}},
	}
	for name, db := range databases() {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				var logs testenv.LogBuffer
				k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
				svc := startEngine(t, db(t), k.URL(), engineOpts{logs: &logs})
				var ids []int64
				var cut time.Time
				for _, n := range []string{"A", "B", "C"} {
					if n == "C" {
						time.Sleep(5 * time.Millisecond) // received_ms has millisecond steps
						cut = time.Now()
						time.Sleep(5 * time.Millisecond)
					}
					rc := accept(t, svc, unusable(n))
					if rc.Status != lifecycle.Quarantined {
						t.Fatalf("receipt %+v", rc)
					}
					ids = append(ids, rc.QuarantineID)
				}
				res, err := tt.discard(svc, ids, cut)
				if !errors.Is(err, tt.wantErr) || res.Discarded != tt.wantDiscarded {
					t.Fatalf("discard = %+v, %v; want %d discarded, error %v", res, err, tt.wantDiscarded, tt.wantErr)
				}
				if err == nil && res.Remaining != len(tt.wantLeft) {
					t.Errorf("remaining %d, want %d", res.Remaining, len(tt.wantLeft))
				}
				page, err := svc.Quarantine(context.Background(), 10, "")
				if err != nil {
					t.Fatal(err)
				}
				var left []string
				for _, q := range page.Items {
					left = append(left, q.Event)
				}
				if strings.Join(left, ",") != strings.Join(tt.wantLeft, ",") || page.Total != len(tt.wantLeft) {
					t.Fatalf("left %v (total %d), want %v", left, page.Total, tt.wantLeft)
				}
				ov, err := svc.Overview(context.Background())
				if err != nil || ov.Quarantined != len(tt.wantLeft) {
					t.Fatalf("the tile counts %d (%v), want what is left: %d", ov.Quarantined, err, len(tt.wantLeft))
				}
				if tt.wantDiscarded > 0 && !strings.Contains(logs.String(), `"msg":"quarantined event discarded","by":"ops@example"`) {
					t.Errorf("the log does not name who discarded:\n%s", logs.String())
				}
				if replay, err := svc.ReplayQuarantine(context.Background(), "test"); err != nil || replay.Remaining != len(tt.wantLeft) {
					t.Errorf("a replay after the discard: %+v, %v", replay, err)
				}
			})
		}
	}
}
