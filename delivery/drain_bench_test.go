package delivery_test

import (
	"context"
	"fmt"
	"slices"
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
		// Pushed before the workers start (as after an outage), the whole backlog is ready at
		// once. Pushed into running workers, each call came due its settle after its own
		// last event: the first window's calls over the ~50 ms their pushing took, fetched
		// by River's polls 100 ms apart, which spread Kendo's first window (and so every
		// later one) by up to a poll: 0.966–0.987 of the ceiling where this measures
		// 0.983–0.987, with the same engine.
		svc := openEngine(b, "sqlite:"+b.TempDir()+"/ak.db", k.URL(), engineOpts{rate: rate})
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
		if err := svc.Start(ctx); err != nil {
			b.Fatal(err)
		}
		// The drain is measured at Kendo: from the first request it accepted to the last.
		b.StartTimer()
		for _, id := range ids {
			waitStatus(b, svc, id, "delivered", time.Minute)
		}
		b.StopTimer()
		if n := k.Emu.Answered(429); n != 0 {
			b.Fatalf("Kendo answered 429 %d times", n)
		}
		got := k.Emu.Calls()
		var at []time.Time
		for _, c := range got {
			at = append(at, c.ReceivedAt)
		}
		drain := got[len(got)-1].ReceivedAt.Sub(got[0].ReceivedAt)
		ceiling := time.Duration(calls/limit-1) * time.Second
		b.ReportMetric(drain.Seconds(), "drain-s")
		b.ReportMetric(ceiling.Seconds()/drain.Seconds(), "of-ceiling")
		b.ReportMetric(slotReuse(at, limit).Seconds(), "reuse-s")
	}
}

// BenchmarkDrainTwoTeams drains two teams' backlogs at once (100 calls each, both keys at
// 20/s, Kendo allowing 20 per rolling second per key): one team's backlog must not slow
// the other's. It reports each team's drain against the same 4.0 s ceiling.
func BenchmarkDrainTwoTeams(b *testing.B) {
	const perTeam, limit = 100, 20
	router := loadTeams(b, "drain-20.yaml")
	sales, _ := router.Lookup("sales")
	fixtures := map[string]struct{ recording, recordedID string }{
		"sales":   {"outbound-940868616", "940868616"},
		"support": {"inbound-940870001", "940870001"},
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		k := newKendo(b, sales.Rate)
		svc := openEngine(b, "sqlite:"+b.TempDir()+"/ak.db", k.URL(), engineOpts{teams: router})
		ctx := context.Background()
		var ids []string
		for c := range perTeam { // one call of each team in turn: both are at the head of the queue
			for _, team := range []string{"sales", "support"} {
				f := fixtures[team]
				id := fmt.Sprint(860000000 + i*10000 + c*2 + len(ids)%2)
				for _, raw := range recorded(b, f.recording) {
					if _, err := svc.Accept(ctx, withID(raw, f.recordedID, id)); err != nil {
						b.Fatal(err)
					}
				}
				ids = append(ids, id)
			}
		}
		if err := svc.Start(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for _, id := range ids {
			waitStatus(b, svc, id, "delivered", time.Minute)
		}
		b.StopTimer()
		if n := k.Emu.Answered(429); n != 0 {
			b.Fatalf("Kendo answered 429 %d times", n)
		}
		byKey := map[string][]time.Time{}
		for _, c := range k.Emu.Calls() {
			byKey[c.KeyID] = append(byKey[c.KeyID], c.ReceivedAt)
		}
		ceiling := time.Duration(perTeam/limit-1) * time.Second
		for _, team := range router.Teams() {
			at := byKey[team.KeyID()]
			if len(at) != perTeam {
				b.Fatalf("team %s: Kendo accepted %d calls, want %d", team.Name, len(at), perTeam)
			}
			drain := slices.MaxFunc(at, time.Time.Compare).Sub(slices.MinFunc(at, time.Time.Compare))
			b.ReportMetric(drain.Seconds(), team.Name+"-drain-s")
			b.ReportMetric(ceiling.Seconds()/drain.Seconds(), team.Name+"-of-ceiling")
			slices.SortFunc(at, time.Time.Compare)
			b.ReportMetric(slotReuse(at, limit).Seconds(), team.Name+"-reuse-s")
		}
	}
}

// slotReuse is the mean time from a request to the one that took its place in Kendo's
// window (limit requests later): Kendo's period at best. Unlike the drain, it does not
// grow with how slowly a loaded machine sends a burst, only with what pacing adds to
// every window (its margin, its wake-ups).
func slotReuse(at []time.Time, limit int) time.Duration {
	var sum time.Duration
	n := 0
	for k := 0; k+limit < len(at); k++ {
		sum += at[k+limit].Sub(at[k])
		n++
	}
	if n == 0 {
		return 0
	}
	return sum / time.Duration(n)
}
