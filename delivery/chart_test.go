package delivery_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// The overview's chart counts calls when they end, not requests: a paused key's
// probes (401s), a retried 503 and a shrink-and-retry are attempts of a call that ends
// delivered — one delivered, no failure — while a call Kendo refuses (400) is one
// failed call.
func TestChartCountsCallsNotAttempts(t *testing.T) {
	const good, refused = "940870001", "940870002"
	k := newKendo(t, kendo.Rate{Limit: 100, Period: time.Second})
	answers := []int{http.StatusUnauthorized, http.StatusUnauthorized, http.StatusServiceUnavailable, http.StatusRequestEntityTooLarge}
	k.SetFault(func(n int64, w http.ResponseWriter, r *http.Request) bool {
		if n <= int64(len(answers)) {
			w.WriteHeader(answers[n-1])
			return true
		}
		if n == int64(len(answers))+2 {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"Invalid repEmail"}`))
			return true
		}
		return false
	})
	svc := startEngine(t, "sqlite:"+t.TempDir()+"/ak.db", k.URL(), engineOpts{probeEvery: 300 * time.Millisecond})
	for _, raw := range recorded(t, "inbound-"+good) {
		accept(t, svc, raw)
	}
	waitStatus(t, svc, good, lifecycle.Delivered, 30*time.Second)
	for _, raw := range recorded(t, "inbound-"+good) {
		accept(t, svc, withID(raw, good, refused))
	}
	waitStatus(t, svc, refused, lifecycle.Failed, 30*time.Second)

	ov, err := svc.Overview(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	delivered, failed := 0, 0
	for _, m := range ov.PerMinute {
		delivered, failed = delivered+m.Delivered, failed+m.Failed
	}
	if delivered != 1 || failed != 1 {
		t.Fatalf("chart: %d delivered, %d failed; want 1 and 1 (Kendo got %d requests)", delivered, failed, k.Posts())
	}
}
