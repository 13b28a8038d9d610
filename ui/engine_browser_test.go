package ui_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
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

// The ops page on the real engine (SQLite) and a real HTTP Kendo: a recorded call goes
// out, a second one fails (Kendo answers 400 to its first request), the page shows both,
// and a click on redeliver gets the second one delivered.
func TestBrowserOpsPageWithRealEngine(t *testing.T) {
	const good, bad = "940868616", "940868999"
	ctx := context.Background()
	k := kendotest.New(t, kendo.Rate{Limit: 30, Period: time.Minute})
	var refused atomic.Bool
	k.SetFault(func(_ int64, w http.ResponseWriter, r *http.Request) bool {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if bytes.Contains(body, []byte(`"alowareCallId":"`+bad+`"`)) && refused.CompareAndSwap(false, true) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"Invalid repEmail"}`))
			return true
		}
		return false
	})
	var logs testenv.LogBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	svc := openEngine(t, delivery.Options{
		DB: "sqlite:" + filepath.Join(t.TempDir(), "ops.db"), KendoURL: k.URL(),
		Teams: teams.Single("pk_ops_page_test", kendo.Rate{Limit: 30, Period: time.Minute}), Settle: 200 * time.Millisecond, Logger: logger,
	})
	browser := browsertest.New(t)
	startEngine(t, svc)

	for _, id := range []string{good, bad} {
		for _, raw := range testenv.Lifecycle(t, "outbound-"+good) {
			if _, err := svc.Accept(ctx, testenv.WithID(raw, good, id)); err != nil {
				t.Fatalf("accept %s: %v", id, err)
			}
		}
	}
	for id, want := range map[string]lifecycle.Status{good: lifecycle.Delivered, bad: lifecycle.Failed} {
		rec, err := svc.Wait(ctx, id, 60*time.Second)
		if err != nil || rec.Status != want {
			t.Fatalf("call %s: %s, %v; want %s\n%s", id, rec.Status, err, want, logs.String())
		}
	}

	site := opsSite(t, svc)
	net := browsertest.OnlyOrigin(t, browser, site)

	do(t, browser, "loading /ui", chromedp.Navigate(site+"/ui"), chromedp.WaitVisible(chromedp.CSS("table.calls")))
	rows := text(t, browser, "table.calls tbody")
	for _, want := range []string{good, bad, "delivered", "failed"} {
		if !strings.Contains(rows, want) {
			t.Errorf("calls table lacks %q:\n%s", want, rows)
		}
	}
	do(t, browser, "the failed call's page", chromedp.Navigate(site+"/ui/calls/"+bad), chromedp.WaitVisible(chromedp.CSS("#call-status")))
	html, err := chromedp.Run(browser, chromedp.OuterHTML(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"bad_request (HTTP 400)", "Invalid repEmail", "Recording-Saved", "https://app.aloware.io/…"} {
		if !strings.Contains(html, want) {
			t.Errorf("the failed call's page lacks %q", want)
		}
	}
	for _, leak := range []string{"2025550177", "32c1a2f8", "pk_ops_page_test"} {
		if strings.Contains(html, leak) {
			t.Errorf("the call page shows %q", leak)
		}
	}
	do(t, browser, "redeliver", chromedp.Click(chromedp.CSS(`form[action$="/redeliver"] button`)), chromedp.WaitVisible(chromedp.CSS("#notice")))
	until(t, browser, "the call to be delivered", `document.querySelector("#call-status").textContent === "delivered"`)
	if rec, err := svc.Call(ctx, bad); err != nil || rec.Status != lifecycle.Delivered || rec.KendoCallID == "" {
		t.Errorf("after redelivery: %+v, %v", rec, err)
	}
	// The engine records Kendo's answer as a kendo.Outcome: the accepted request reads as such.
	attempts, err := chromedp.Run(browser, chromedp.OuterHTML(chromedp.CSS("table.attempts")))
	if err != nil {
		t.Fatal(err)
	}
	if want := `<span class="badge ok">accepted (HTTP 201)</span>`; !strings.Contains(attempts, want) {
		t.Errorf("the attempts lack %q:\n%s", want, attempts)
	}
	if got := len(k.Payloads(t)); got != 2 {
		t.Errorf("Kendo accepted %d calls, want 2", got)
	}
	if b := net.Blocked(); len(b) > 0 {
		t.Errorf("the page asked for other origins: %v", b)
	}
	for _, leak := range []string{"2025550177", "32c1a2f8", "pk_ops_page_test"} {
		if strings.Contains(logs.String(), leak) {
			t.Errorf("the log shows %q", leak)
		}
	}
}
