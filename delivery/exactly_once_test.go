package delivery_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// 100 identical requests racing each other store 100 events but make one Kendo POST.
func TestConcurrentTwinsPostOnce(t *testing.T) {
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
			svc := startEngine(t, db(t), k.URL(), engineOpts{settle: 200 * time.Millisecond})
			events := recorded(t, "inbound-940870001")
			for _, raw := range events[:2] {
				accept(t, svc, raw)
			}
			recording := events[2]
			var wg sync.WaitGroup
			errs := make(chan error, 100)
			for range 100 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := svc.Accept(t.Context(), recording); err != nil {
						errs <- err
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatalf("a twin was refused: %v", err)
			}
			rec := waitStatus(t, svc, "940870001", lifecycle.Delivered, 15*time.Second)
			if len(rec.Events) != 102 {
				t.Fatalf("stored %d events, want all 102", len(rec.Events))
			}
			time.Sleep(time.Second) // time for any second job to show itself
			if n := k.Posts(); n != 1 {
				t.Fatalf("Kendo got %d POSTs, want exactly 1", n)
			}
		})
	}
}

// A burst of ready calls is queued and drained at the allowed rate: all arrive, and the
// rolling-window emulator never has to answer 429.
func TestBurstIsPacedNot429(t *testing.T) {
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			rate := kendo.Rate{Limit: 10, Period: time.Second}
			k := newKendo(t, rate)
			svc := startEngine(t, db(t), k.URL(), engineOpts{rate: rate})
			base := recorded(t, "inbound-940870001")
			const calls = 50
			start := time.Now()
			for i := range calls {
				id := fmt.Sprint(950000000 + i)
				for _, raw := range base {
					accept(t, svc, withID(raw, "940870001", id))
				}
			}
			for i := range calls {
				waitStatus(t, svc, fmt.Sprint(950000000+i), lifecycle.Delivered, 60*time.Second)
			}
			took := time.Since(start)
			if n := len(k.Emu.Calls()); n != calls {
				t.Fatalf("emulator accepted %d calls, want %d", n, calls)
			}
			if n := k.Emu.Answered(429); n != 0 {
				t.Fatalf("emulator answered 429 %d times", n)
			}
			t.Logf("%d calls delivered in %s at %s", calls, took.Round(time.Millisecond), rate)
		})
	}
}
