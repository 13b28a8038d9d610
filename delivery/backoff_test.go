package delivery_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// A 500 after three 429s is the first server error of the call: its retry waits the
// first step of the backoff (2 s ± 20 %), not the fourth (16 s), however many 429s
// came before it. The wait is read from the call's record (its next attempt against
// the end of the 500's attempt), not measured.
func TestRateLimitsDoNotInflateTheBackoffOfAServerError(t *testing.T) {
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
			k.SetFault(func(n int64, w http.ResponseWriter, r *http.Request) bool {
				switch {
				case n <= 3:
					w.Header().Set("Retry-After", "1")
					w.WriteHeader(http.StatusTooManyRequests)
				case n == 4:
					http.Error(w, `{"error":"boom"}`, http.StatusInternalServerError)
				default:
					return false
				}
				return true
			})
			svc := startEngine(t, db(t), k.URL(), engineOpts{})
			for _, raw := range recorded(t, "inbound-940870001") {
				accept(t, svc, raw)
			}
			rec := waitCall(t, svc, "940870001", "a retry scheduled after the 500", 30*time.Second, func(rec delivery.CallRecord) bool {
				return rec.Attempts == 4 && rec.Status == lifecycle.Scheduled && strings.Contains(rec.LastError, "HTTP 500")
			})
			last := rec.AttemptLog[len(rec.AttemptLog)-1]
			if last.FinishedAt == nil || rec.NextAttemptAt == nil {
				t.Fatalf("record %+v: want the 500's finish and the next attempt's time", rec)
			}
			wait := rec.NextAttemptAt.Sub(*last.FinishedAt)
			if wait > 2400*time.Millisecond+time.Millisecond {
				t.Fatalf("after three 429s and one 500 the next attempt waits %s; want the first backoff step, 2 s ± 20 %%", wait)
			}
			waitStatus(t, svc, "940870001", lifecycle.Delivered, 30*time.Second)
		})
	}
}
