package delivery_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// BenchmarkIntake measures /push's durable path without HTTP: parse, store the raw event,
// upsert and lock the call row, re-merge the call's events, decide, schedule, commit.
//
//	first-event: the first event of a fresh call (no job yet)
//	ready-event: the recording of a finished call, which also inserts the River job
//	repeat:      the same recording again, once the call is scheduled (no re-merge)
func BenchmarkIntake(b *testing.B) {
	events := lifecycle(b, "inbound-940870001")
	for _, tc := range []struct {
		name   string
		before [][]byte
		event  []byte
	}{
		{"first-event", nil, events[0]},
		{"ready-event", events[:2], events[2]},
		{"repeat", events, events[2]},
	} {
		b.Run(tc.name, func(b *testing.B) {
			svc := startEngine(b, "sqlite:"+b.TempDir()+"/ak.db", "http://127.0.0.1:1/unused",
				engineOpts{settle: time.Hour, rate: kendo.Rate{Limit: 1, Period: time.Hour}})
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				id := fmt.Sprint(800000000 + i)
				i++
				b.StopTimer()
				for _, raw := range tc.before {
					if _, err := svc.Accept(ctx, withID(raw, "940870001", id)); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				if _, err := svc.Accept(ctx, withID(tc.event, "940870001", id)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
