package delivery_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// BenchmarkIntake measures /push's durable path without HTTP: parse, store the raw event,
// upsert and lock the call row, fold the event into the call kept in its row, decide,
// schedule, commit.
//
//	first-event: the first event of a fresh call (no job yet)
//	ready-event: the recording of a finished call, which also inserts the River job
//	repeat:      the same recording again, once the call is scheduled
func BenchmarkIntake(b *testing.B) {
	events := recorded(b, "inbound-940870001")
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

// BenchmarkBigEvents measures a push of the 1st and of the 45th 4 MB event of one call
// (0.17 s vs 1.2 s when every push re-merged all the stored events). Run with a
// small -benchtime (e.g. 3x): each round first pushes the events before the measured one.
func BenchmarkBigEvents(b *testing.B) {
	text := strings.Repeat("We talked about the renewal at length. ", (4<<20)/40)
	big := func(id string, n int) []byte {
		return []byte(`{"event":"Transcription-Saved","body":{"id":` + id + `,"type":1,"direction":2,"current_status2":9,` +
			`"parsed_transcription":{"messages":[{"speaker":"AGENT","text":"` + text + fmt.Sprint(n) + `","start":0,"end":1000}]}}}`)
	}
	for _, nth := range []int{1, 45} {
		b.Run(fmt.Sprintf("event-%d", nth), func(b *testing.B) {
			svc := startEngine(b, "sqlite:"+b.TempDir()+"/ak.db", "http://127.0.0.1:1/unused", engineOpts{settle: time.Hour})
			ctx := context.Background()
			i := 0
			for b.Loop() {
				id := fmt.Sprint(810000000 + i)
				i++
				b.StopTimer()
				for n := 1; n < nth; n++ {
					if _, err := svc.Accept(ctx, big(id, n)); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				if _, err := svc.Accept(ctx, big(id, nth)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIntakeLifecycles is the intake of whole lifecycles by 8 concurrent clients
// without HTTP (scripts/bench-intake.sh measures it through HTTP against bare SQLite):
// each op is one event; each client posts the six events of a call in order.
func BenchmarkIntakeLifecycles(b *testing.B) {
	events := recorded(b, "inbound-940870001")
	svc := startEngine(b, "sqlite:"+b.TempDir()+"/ak.db", "http://127.0.0.1:1/unused",
		engineOpts{settle: time.Hour, rate: kendo.Rate{Limit: 1, Period: time.Hour}})
	ctx := context.Background()
	var calls atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(4) // 8 clients on 2 cores
	b.RunParallel(func(pb *testing.PB) {
		var id string
		i := len(events)
		for pb.Next() {
			if i == len(events) {
				id, i = fmt.Sprint(820000000+calls.Add(1)), 0
			}
			if _, err := svc.Accept(ctx, withID(events[i], "940870001", id)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
