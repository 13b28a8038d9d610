package ui_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/internal/browsertest"
	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// The ops page never re-sends a call Kendo may already have without a confirmation
// that names it, on the real engine and a real HTTP Kendo, in Chromium. Kendo refuses
// two calls (400: failed) and takes two others without answering in time (outcome
// unknown). The bulk action first shows what it would queue — the two refused calls —
// and queues nothing until confirmed; confirmed, it leaves the two outcome-unknown calls
// failed. Each of those is sent again only through an action that names the risk and
// whose confirmation box is ticked: one from its call page, the other by the bulk
// action that includes them.
func TestBrowserOutcomeUnknownNeedsConfirmation(t *testing.T) {
	const base = "940868616"
	refused, unknown := []string{"940868701", "940868702"}, []string{"940868801", "940868802"}
	ctx := context.Background()
	k := kendotest.New(t, kendo.Rate{Limit: 100, Period: time.Minute})
	var mu sync.Mutex
	first := map[string]bool{}
	k.SetFault(func(_ int64, w http.ResponseWriter, r *http.Request) bool {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		mu.Lock()
		defer mu.Unlock()
		for _, id := range append(append([]string{}, refused...), unknown...) {
			if !bytes.Contains(body, []byte(`"alowareCallId":"`+id+`"`)) || first[id] {
				continue
			}
			first[id] = true
			if strings.HasPrefix(id, "9408687") {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"error":"Invalid repEmail"}`))
				return true
			}
			mu.Unlock()
			<-r.Context().Done() // Kendo has the request and never answers: the sender times out
			mu.Lock()
			return true
		}
		return false
	})
	logger := slog.New(slog.DiscardHandler)
	svc := openEngine(t, delivery.Options{
		DB: "sqlite:" + filepath.Join(t.TempDir(), "ops.db"), KendoURL: k.URL(), KendoTimeout: time.Second,
		Teams: teams.Single("pk_ops_page_test", kendo.Rate{Limit: 100, Period: time.Minute}), Settle: 100 * time.Millisecond, Logger: logger,
	})
	browser := browsertest.New(t)
	startEngine(t, svc)
	for _, id := range append(append([]string{}, refused...), unknown...) {
		for _, raw := range testenv.Lifecycle(t, "outbound-"+base) {
			if _, err := svc.Accept(ctx, testenv.WithID(raw, base, id)); err != nil {
				t.Fatalf("accept %s: %v", id, err)
			}
		}
	}
	status := func(id string) delivery.CallRecord {
		t.Helper()
		rec, err := svc.Call(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	for _, id := range append(append([]string{}, refused...), unknown...) {
		testenv.WaitFor(t, time.Minute, "call "+id+" to fail", func() bool { return status(id).Status == lifecycle.Failed })
	}
	for _, id := range unknown {
		if !status(id).OutcomeUnknown {
			t.Fatalf("call %s failed without an unknown outcome: %+v", id, status(id))
		}
	}
	site := opsSite(t, svc)
	browsertest.OnlyOrigin(t, browser, site)
	stillFailed := func(when string, ids ...string) {
		t.Helper()
		for _, id := range ids {
			if rec := status(id); rec.Status != lifecycle.Failed {
				t.Fatalf("%s: call %s is %s, want it still failed", when, id, rec.Status)
			}
		}
	}
	posts := k.Posts()

	// The bulk action shows its count first and queues nothing.
	do(t, browser, "the bulk action", chromedp.Navigate(site+"/ui?status=failed"), chromedp.WaitVisible(chromedp.CSS("form.bulk button")),
		chromedp.Click(chromedp.CSS("form.bulk button")), chromedp.Sleep(time.Second))
	stillFailed("after the bulk button, before any confirmation", append(append([]string{}, refused...), unknown...)...)
	do(t, browser, "the preview", chromedp.WaitVisible(chromedp.CSS("#bulk-confirm button")))
	if p := text(t, browser, "#bulk-preview"); !strings.Contains(p, "4 failed call(s) match this filter. 2 would be queued") {
		t.Errorf("preview: %q", p)
	}
	if b := text(t, browser, "#bulk-unknown button"); !strings.Contains(b, "including the 2 Kendo may already have") {
		t.Errorf("the outcome-unknown action: %q", b)
	}
	do(t, browser, "confirm the bulk", chromedp.Click(chromedp.CSS("#bulk-confirm button")), chromedp.WaitVisible(chromedp.CSS("#notice")))
	if n := text(t, browser, "#notice"); !strings.Contains(n, "Queued 2 of the 4") || !strings.Contains(n, "2 call(s) Kendo may already have were left failed") {
		t.Errorf("notice: %q", n)
	}
	for _, id := range refused {
		testenv.WaitFor(t, time.Minute, "call "+id+" to be delivered", func() bool { return status(id).Status == lifecycle.Delivered })
	}
	stillFailed("after the bulk redelivery", unknown...)

	// One call, from its page: the confirmation is required, and names the risk.
	do(t, browser, "the call page", chromedp.Navigate(site+"/ui/calls/"+unknown[0]), chromedp.WaitVisible(chromedp.CSS(".actions form button")),
		chromedp.Click(chromedp.CSS(".actions form button")), chromedp.WaitVisible(chromedp.CSS("#redeliver-unknown button")))
	do(t, browser, "redeliver without ticking the box", chromedp.Click(chromedp.CSS("#redeliver-unknown button")), chromedp.Sleep(time.Second))
	stillFailed("without the confirmation ticked", unknown...)
	do(t, browser, "redeliver, confirmed", chromedp.Click(chromedp.CSS(`#redeliver-unknown input[name="confirm"]`)),
		chromedp.Click(chromedp.CSS("#redeliver-unknown button")), chromedp.WaitVisible(chromedp.CSS("#notice")))
	testenv.WaitFor(t, time.Minute, "the confirmed call to be delivered", func() bool { return status(unknown[0]).Status == lifecycle.Delivered })
	stillFailed("after one confirmed redelivery", unknown[1])

	// The last one by the bulk action that includes outcome-unknown calls, confirmed.
	do(t, browser, "the bulk preview again", chromedp.Navigate(site+"/ui/redeliver?status=failed"), chromedp.WaitVisible(chromedp.CSS("#bulk-unknown button")))
	if p := text(t, browser, "#bulk-preview"); !strings.Contains(p, "1 failed call(s) match this filter. 0 would be queued") {
		t.Errorf("preview: %q", p)
	}
	do(t, browser, "include without ticking the box", chromedp.Click(chromedp.CSS("#bulk-unknown button")), chromedp.Sleep(time.Second))
	stillFailed("without the bulk confirmation ticked", unknown[1])
	do(t, browser, "include, confirmed", chromedp.Click(chromedp.CSS(`#bulk-unknown input[name="confirm"]`)),
		chromedp.Click(chromedp.CSS("#bulk-unknown button")), chromedp.WaitVisible(chromedp.CSS("#notice")))
	testenv.WaitFor(t, time.Minute, "the last call to be delivered", func() bool { return status(unknown[1]).Status == lifecycle.Delivered })
	if got, want := k.Posts()-posts, int64(4); got != want {
		t.Errorf("Kendo received %d requests from the page's actions, want %d (each call once)", got, want)
	}
}
