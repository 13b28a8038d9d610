package ui_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/ui"
)

// The overview's Completeness panel reads the real engine's ledger: today's row counts
// the call delivered today and the one Kendo refused, and is not "complete" while a call
// failed; the days before are empty and complete.
func TestCompletenessPanel(t *testing.T) {
	k := kendotest.New(t, kendo.Rate{Limit: 1000, Period: time.Second})
	k.SetFault(func(_ int64, w http.ResponseWriter, r *http.Request) bool {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if !bytes.Contains(body, []byte(`"alowareCallId":"940868702"`)) {
			return false
		}
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"Invalid repEmail"}`))
		return true
	})
	s := engineSiteOn(t, "sqlite:"+t.TempDir()+"/ui-ledger.db", k, time.Hour, true)
	pushCall(t, s.svc, "940868701")
	pushCall(t, s.svc, "940868702")
	testenv.WaitFor(t, 30*time.Second, "one call delivered and one failed", func() bool {
		a, _ := s.svc.Call(context.Background(), "940868701")
		b, _ := s.svc.Call(context.Background(), "940868702")
		return a.Status == lifecycle.Delivered && b.Status == lifecycle.Failed
	})
	page := s.get(t, "/ui", asPage...)
	if page.status != http.StatusOK || !strings.Contains(page.body, `id="completeness-h">Completeness</h2>`) {
		t.Fatalf("GET /ui: %d, no Completeness panel", page.status)
	}
	rows := regexp.MustCompile(`(?s)<tr>\s*<th scope="row" data-label="Day">.*?</tr>`).FindAllString(page.body, -1)
	if len(rows) != 7 {
		t.Fatalf("%d day rows, want 7", len(rows))
	}
	for label, want := range map[string]string{"Calls": "2", "Delivered": "1", "Failed": "1", "Waiting": "0"} {
		if !strings.Contains(rows[0], `data-label="`+label+`">`+want+`<`) {
			t.Errorf("today's row lacks %s %s: %s", label, want, rows[0])
		}
	}
	if strings.Contains(rows[0], "complete</span>") || !strings.Contains(rows[6], "complete</span>") {
		t.Errorf("today has a failed call and is not complete; a week ago nothing happened: %s … %s", rows[0], rows[6])
	}
}

// ledgerCounter is the fake engine with a ledger that counts the windows it is asked for.
type ledgerCounter struct {
	*fakeEngine
	mu   sync.Mutex
	asks []time.Time // each window's start
}

func (l *ledgerCounter) Ledger(_ context.Context, q delivery.LedgerQuery) (delivery.Ledger, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asks = append(l.asks, q.Since)
	return delivery.Ledger{Since: q.Since, Until: q.Until}, nil
}

func (l *ledgerCounter) taken() []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.asks
	l.asks = nil
	return out
}

// The days before today are read from the ledger at most every pastDaysFresh (a year of
// calls made each view of the overview cost seven ledger passes); today is read on every
// view, so what happens now shows at once.
func TestCompletenessReadsPastDaysOnceInAWhile(t *testing.T) {
	now := testNow
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	eng := &ledgerCounter{fakeEngine: newFakeEngine(clock)}
	s := serveAt(t, eng, ui.Access{}, clock)
	today := testNow.UTC().Truncate(24 * time.Hour)

	for i, step := range []struct {
		advance time.Duration
		want    int // windows read
	}{{0, 7}, {time.Second, 1}, {10 * time.Second, 1}, {time.Minute, 7}} {
		mu.Lock()
		now = now.Add(step.advance)
		mu.Unlock()
		if page := s.get(t, "/ui"); page.status != http.StatusOK {
			t.Fatalf("view %d: %d", i, page.status)
		}
		asks := eng.taken()
		if len(asks) != step.want {
			t.Errorf("view %d (+%s): %d ledger windows read, want %d", i, step.advance, len(asks), step.want)
		}
		if len(asks) > 0 && !asks[0].Equal(today) {
			t.Errorf("view %d: first window from %s, want today %s", i, asks[0], today)
		}
	}
}
