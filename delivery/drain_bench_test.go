package delivery_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// BenchmarkDrain measures how fast a backlog drains (100 calls ready at once,
// --kendo-rate 20/s, a Kendo that allows 20 in any rolling second; the fastest legal
// drain is 4.0 s: 20 at once, then 20 more each second). It reports the drain time from
// Kendo's first accepted request to its last, and that ceiling divided by it.
func BenchmarkDrain(b *testing.B) {
	const calls, limit = 100, 20
	rate := kendo.Rate{Limit: limit, Period: time.Second}
	events := recorded(b, "inbound-940870001")
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		k := newKendo(b, rate)
		svc := startEngine(b, "sqlite:"+b.TempDir()+"/ak.db", k.URL(), engineOpts{rate: rate, settle: 3 * time.Second})
		ctx := context.Background()
		ids := make([]string, calls)
		for c := range ids {
			ids[c] = fmt.Sprint(830000000 + i*1000 + c)
			for _, raw := range events {
				if _, err := svc.Accept(ctx, withID(raw, "940870001", ids[c])); err != nil {
					b.Fatal(err)
				}
			}
		}
		// All calls are ready well within the settle; the drain is measured at Kendo: from
		// the first request it accepted to the last.
		b.StartTimer()
		for _, id := range ids {
			waitStatus(b, svc, id, "delivered", time.Minute)
		}
		b.StopTimer()
		if n := k.Emu.Answered(429); n != 0 {
			b.Fatalf("Kendo answered 429 %d times", n)
		}
		got := k.Emu.Calls()
		drain := got[len(got)-1].ReceivedAt.Sub(got[0].ReceivedAt)
		ceiling := time.Duration(calls/limit-1) * time.Second
		b.ReportMetric(drain.Seconds(), "drain-s")
		b.ReportMetric(ceiling.Seconds()/drain.Seconds(), "of-ceiling")
	}
}
