package delivery_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// Two replicas on one PostgreSQL database share a key paced at 20/s, against a Kendo
// that counts arrivals in every rolling second and answers its own 429 past the limit.
// Three answers in ten are slow (Kendo has the request at once and answers 1.2 s later,
// so the slot is not re-dated within the window), and a burst of 429s in the middle
// sends many calls back to retry at the same moment. Kendo must never have to answer a
// 429 of its own: its count, not a timing, is the assertion.
func TestReplicasNeverExceedKendosRollingWindow(t *testing.T) {
	loc := testenv.FreshPostgres(t)
	rate := kendo.Rate{Limit: 20, Period: time.Second}
	k := newKendo(t, rate)
	k.SetFault(func(n int64, w http.ResponseWriter, r *http.Request) bool {
		switch {
		case n > 20 && n <= 40: // the burst: refused before Kendo counts them
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		case n%10 < 3: // Kendo takes the request now and answers late
			rec := httptest.NewRecorder()
			k.Emu.ServeHTTP(rec, r)
			time.Sleep(1200 * time.Millisecond)
			maps.Copy(w.Header(), rec.Header())
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		default:
			return false
		}
		return true
	})
	o := engineOpts{rate: rate}
	first := openEngine(t, loc, k.URL(), o)
	second := openEngine(t, loc, k.URL(), o)
	base := recorded(t, "inbound-940870001")
	const calls = 200
	for i := range calls {
		for _, raw := range base {
			accept(t, first, withID(raw, "940870001", fmt.Sprint(952000000+i)))
		}
	}
	for _, svc := range []*delivery.Service{first, second} {
		if err := svc.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for i := range calls {
		waitStatus(t, first, fmt.Sprint(952000000+i), lifecycle.Delivered, 2*time.Minute)
	}
	own := k.Emu.Answered(http.StatusTooManyRequests)
	accepted := k.Emu.Calls()
	closest := time.Hour // the shortest span of limit+1 consecutive arrivals Kendo accepted
	for i := rate.Limit; i < len(accepted); i++ {
		closest = min(closest, accepted[i].ReceivedAt.Sub(accepted[i-rate.Limit].ReceivedAt))
	}
	t.Logf("%d calls by two replicas at %s: Kendo received %d POSTs, answered %d 429s of its own; the closest %d accepted arrivals spanned %s",
		calls, rate, k.Posts(), own, rate.Limit+1, closest)
	if n := len(k.Emu.Calls()); n != calls {
		t.Fatalf("Kendo accepted %d calls, want %d", n, calls)
	}
	if own != 0 {
		t.Fatalf("Kendo answered %d 429s of its own: more than %s arrived in some rolling second", own, rate)
	}
}
