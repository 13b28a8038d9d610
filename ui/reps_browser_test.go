package ui_test

import (
	"bytes"
	"context"
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

// Attribution on the ops page, real engine (SQLite) and Chromium: the reps page lists
// each agent with the e-mail sent and what to fix for one Kendo cannot credit; the
// overview's "sent without a rep" link lists the call delivered without a rep, flagged,
// and not the one with its rep.
func TestBrowserReps(t *testing.T) {
	const withRep, noRep = "940868901", "940868902"
	ctx := context.Background()
	rate := kendo.Rate{Limit: 100, Period: time.Second}
	k := kendotest.New(t, rate)
	logger := slog.New(slog.DiscardHandler)
	svc := openEngine(t, delivery.Options{DB: "sqlite:" + filepath.Join(t.TempDir(), "reps.db"), KendoURL: k.URL(),
		Teams: teams.Single("pk_reps_page", rate), Settle: 50 * time.Millisecond, Logger: logger})
	browser := browsertest.New(t)
	startEngine(t, svc)
	for _, id := range []string{withRep, noRep} {
		for _, raw := range testenv.Lifecycle(t, "outbound-940868616") {
			raw = testenv.WithID(raw, "940868616", id)
			if id == noRep {
				raw = bytes.ReplaceAll(bytes.ReplaceAll(raw, []byte("sam.carter@example.com"), []byte("sam(at)example")), []byte("120776"), []byte("120780"))
			}
			if _, err := svc.Accept(ctx, raw); err != nil {
				t.Fatal(err)
			}
		}
		if rec, err := svc.Wait(ctx, id, 30*time.Second); err != nil || rec.Status != lifecycle.Delivered {
			t.Fatalf("call %s: %s, %v", id, rec.Status, err)
		}
	}
	site := opsSite(t, svc)
	net := browsertest.OnlyOrigin(t, browser, site)

	do(t, browser, "the reps page", chromedp.Navigate(site+"/ui/reps"), chromedp.WaitVisible(chromedp.CSS("table.reps")))
	rows := text(t, browser, "table.reps tbody")
	for _, want := range []string{"120776", "sam.carter@example.com", "mapped", "120780", "invalid",
		"Add 120780 to --rep-email-map with the rep's Kendo e-mail."} {
		if !strings.Contains(rows, want) {
			t.Errorf("the reps table lacks %q:\n%s", want, rows)
		}
	}
	do(t, browser, "sent without a rep", chromedp.Navigate(site+"/ui"),
		chromedp.Click(chromedp.CSS(`a[href*="rep=missing"]`)), chromedp.WaitVisible(chromedp.CSS("table.calls")))
	list := text(t, browser, "table.calls tbody")
	if !strings.Contains(list, noRep) || !strings.Contains(list, "no rep") || strings.Contains(list, withRep) {
		t.Errorf("sent without a rep lists:\n%s", list)
	}
	if b := net.Blocked(); len(b) > 0 {
		t.Errorf("the page asked for other origins: %v", b)
	}
}
