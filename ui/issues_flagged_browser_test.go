package ui_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
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

// The issues page lists, besides failed and unrouted calls, the delivered calls the
// ledger flags for a person: Kendo did not analyse them in time, credited another agent,
// or got them without a rep. Each is one group with its count and first/last seen, and
// its action leads where it is fixed — the reps page, or the calls in the list; none
// offers to send a delivered call again.
func TestBrowserIssuesListTheLedgersFlags(t *testing.T) {
	const recordedID = "940868616"
	const mismatched, withoutRep, overdue = "940868801", "940868802", "940868803"
	ctx := context.Background()
	k := kendotest.New(t, kendo.Rate{Limit: 100, Period: time.Second})
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	svc := openEngine(t, delivery.Options{
		DB: "sqlite:" + filepath.Join(t.TempDir(), "issues-flagged.db"), KendoURL: k.URL(),
		Teams:  teams.Single("pk_issues_flagged_test", kendo.Rate{Limit: 100, Period: time.Second}),
		Settle: 100 * time.Millisecond, Logger: logger,
		ExpectAnalysis: true, AnalysisExpectedWithin: time.Millisecond,
	})
	browser := browsertest.New(t)
	startEngine(t, svc)
	for _, id := range []string{mismatched, withoutRep, overdue} {
		for _, raw := range testenv.Lifecycle(t, "outbound-"+recordedID) {
			raw = testenv.WithID(raw, recordedID, id)
			if id == withoutRep {
				raw = []byte(strings.ReplaceAll(string(raw), "sam.carter@example.com", ""))
			}
			if _, err := svc.Accept(ctx, raw); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, id := range []string{mismatched, withoutRep, overdue} {
		if rec, err := svc.Wait(ctx, id, 60*time.Second); err != nil || rec.Status != lifecycle.Delivered {
			t.Fatalf("call %s: %s, %v; want delivered", id, rec.Status, err)
		}
	}
	for _, id := range []string{mismatched, withoutRep} {
		rec, err := svc.Call(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.RecordAnalysis(ctx, kendo.WebhookEvent{Event: "call.uploaded", ID: "evt_" + id,
			Data: kendo.WebhookCall{KendoCallID: rec.KendoCallID, AgentName: "Alex Kim"}}, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}

	site := opsSite(t, svc)
	net := browsertest.OnlyOrigin(t, browser, site)
	do(t, browser, "the issues page", chromedp.Navigate(site+"/ui/issues"), chromedp.WaitVisible(chromedp.CSS("table.issues")))
	for _, want := range []struct{ flag, words, action string }{
		{"not_analyzed", "not analysed", "List these 1"},
		{"rep_mismatch", "another agent", "Fix the rep map"},
		{"sent_without_rep", "without a rep", "Fix the rep map"},
	} {
		row := text(t, browser, "table.issues tbody tr.flag-"+want.flag)
		for _, w := range []string{"flagged", want.words, "1", "ago", want.action} {
			if !strings.Contains(row, w) {
				t.Errorf("the %s row lacks %q:\n%s", want.flag, w, row)
			}
		}
	}
	until(t, browser, "no redelivery offered for a delivered call",
		`document.querySelectorAll("tr.flag-not_analyzed form, tr.flag-rep_mismatch form, tr.flag-sent_without_rep form").length === 0`)

	do(t, browser, "the rep map's fix", chromedp.Click(chromedp.CSS(`tr.flag-rep_mismatch a.action`)), chromedp.WaitVisible(chromedp.CSS("h1")))
	if h := text(t, browser, "h1"); h != "Reps" {
		t.Errorf("the mismatch's action led to %q, want the reps page", h)
	}
	do(t, browser, "the not-analysed calls", chromedp.Navigate(site+"/ui/issues"), chromedp.Click(chromedp.CSS(`tr.flag-not_analyzed a.action`)),
		chromedp.WaitVisible(chromedp.CSS("#calls")))
	until(t, browser, "the overdue call in the list", `document.body.innerText.includes("`+overdue+`") && !document.body.innerText.includes("`+mismatched+`")`)
	if b := net.Blocked(); len(b) > 0 {
		t.Errorf("the page asked for other origins: %v", b)
	}
}
