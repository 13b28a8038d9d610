package ui_test

import (
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

// The issues page on the real engine: three calls Kendo refuses for one cause are one
// issue, with its count, first and last seen; once the cause is fixed, its one action
// ("Redeliver these 3") gets all three delivered, each once.
func TestBrowserIssuesGroupedByCauseWithOneAction(t *testing.T) {
	const recordedID = "940868616"
	ids := []string{"940868701", "940868702", "940868703"}
	ctx := context.Background()
	k := kendotest.New(t, kendo.Rate{Limit: 100, Period: time.Second})
	var refuse atomic.Bool
	refuse.Store(true)
	k.SetFault(func(_ int64, w http.ResponseWriter, _ *http.Request) bool {
		if !refuse.Load() {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"message":"repEmail is not a member of team sales"}`)
		return true
	})
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	svc := openEngine(t, delivery.Options{
		DB: "sqlite:" + filepath.Join(t.TempDir(), "issues.db"), KendoURL: k.URL(),
		Teams: teams.Single("pk_issues_page_test", kendo.Rate{Limit: 100, Period: time.Second}), Settle: 100 * time.Millisecond, Logger: logger,
	})
	browser := browsertest.New(t)
	startEngine(t, svc)
	for _, id := range ids {
		for _, raw := range testenv.Lifecycle(t, "outbound-"+recordedID) {
			if _, err := svc.Accept(ctx, testenv.WithID(raw, recordedID, id)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, id := range ids {
		if rec, err := svc.Wait(ctx, id, 60*time.Second); err != nil || rec.Status != lifecycle.Failed {
			t.Fatalf("call %s: %s, %v; want failed", id, rec.Status, err)
		}
	}

	site := opsSite(t, svc)
	net := browsertest.OnlyOrigin(t, browser, site)

	do(t, browser, "the ops page's Issues link", chromedp.Navigate(site+"/ui"), chromedp.Click(chromedp.CSS(`nav a[href="/ui/issues"]`)),
		chromedp.WaitVisible(chromedp.CSS("table.issues")))
	row := text(t, browser, "table.issues tbody tr.issue-failed")
	for _, want := range []string{"failed", "repEmail is not a member of team sales", "3", "ago", "Redeliver these 3"} {
		if !strings.Contains(row, want) {
			t.Errorf("the issue row lacks %q:\n%s", want, row)
		}
	}
	until(t, browser, "the three calls as one issue", `document.querySelectorAll("table.issues tbody tr").length === 1`)

	refuse.Store(false) // the operator fixed the rep map
	do(t, browser, "redeliver the issue", chromedp.Click(chromedp.CSS(`tr.issue-failed button`)), chromedp.WaitVisible(chromedp.CSS("#notice")))
	if notice := text(t, browser, "#notice"); !strings.Contains(notice, "Queued 3 of the 3 calls of this issue") {
		t.Errorf("notice %q", notice)
	}
	for _, id := range ids {
		if rec, err := svc.Wait(ctx, id, 60*time.Second); err != nil || rec.Status != lifecycle.Delivered {
			t.Fatalf("call %s after the action: %s, %v; want delivered", id, rec.Status, err)
		}
	}
	do(t, browser, "the issues page again", chromedp.Navigate(site+"/ui/issues"), chromedp.WaitVisible(chromedp.CSS("p.empty")))
	if got := len(k.Payloads(t)); got != 3 {
		t.Errorf("Kendo accepted %d calls, want 3", got)
	}
	if b := net.Blocked(); len(b) > 0 {
		t.Errorf("the page asked for other origins: %v", b)
	}
}
