package e2e

import (
	"sync"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// 100 identical /push requests at once, through HTTP to the real binary: every one is
// answered 2xx (each was stored), and Kendo gets exactly one POST.
func TestHundredConcurrentTwinsOverHTTP(t *testing.T) {
	t.Parallel()
	k := kendotest.New(t, kendo.Rate{Limit: 30, Period: time.Minute})
	p := serve(t, "--db", "sqlite:"+t.TempDir()+"/ak.db", "--kendo-url", k.URL(), "--kendo-api-key", key, "--settle", "500ms")
	events := lifecycle(t, "inbound-940870001")
	p.pushAll(t, events[:2])
	var wg sync.WaitGroup
	codes := make(chan int, 100)
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _ := p.push(t, events[2])
			codes <- code
		}()
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != 202 && code != 200 {
			t.Fatalf("a twin got %d", code)
		}
	}
	waitFor(t, 20*time.Second, "delivery", func() bool { return p.delivered(t, "940870001") })
	time.Sleep(time.Second) // room for a second POST to show itself
	if n := k.Posts(); n != 1 {
		t.Fatalf("Kendo got %d POSTs, want exactly 1", n)
	}
	if code, body := p.push(t, events[2]); code != 200 {
		t.Fatalf("a repeat after delivery: %d %s, want 200 duplicate", code, body)
	}
}
