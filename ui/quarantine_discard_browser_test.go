package ui_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/internal/browsertest"
	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// The quarantine page's buttons on the real engine (SQLite), in Chromium: Discard on one
// event removes it and the overview's tile counts what is left; Discard all needs its box
// ticked and empties the quarantine; the log names the page's actor each time.
func TestBrowserQuarantineDiscard(t *testing.T) {
	ctx := context.Background()
	rate := kendo.Rate{Limit: 30, Period: time.Minute}
	k := kendotest.New(t, rate)
	var logs testenv.LogBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	svc := openEngine(t, delivery.Options{DB: "sqlite:" + filepath.Join(t.TempDir(), "quarantine.db"), KendoURL: k.URL(),
		Teams: teams.Single("pk_quarantine_page", rate), Logger: logger})
	browser := browsertest.New(t)
	startEngine(t, svc)
	var ids []int64
	for _, name := range []string{"First", "Second", "Third"} {
		rc, err := svc.Accept(ctx, []byte(`{"event":"`+name+`","body":{"type":1}}`))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rc.QuarantineID)
	}
	site := opsSite(t, svc)

	do(t, browser, "the quarantine page", chromedp.Navigate(site+"/ui/quarantine"), chromedp.WaitVisible(chromedp.CSS("table.quarantine")))
	do(t, browser, "discard the second event",
		chromedp.Click(chromedp.CSS(`form[action="/ui/quarantine/`+strconv.FormatInt(ids[1], 10)+`/discard"] button`)), chromedp.WaitVisible(chromedp.CSS("#notice")))
	if got := text(t, browser, "#notice"); !strings.Contains(got, "Discarded 1 quarantined event(s) for good; 2 remain.") {
		t.Errorf("notice %q", got)
	}
	if rows := text(t, browser, "table.quarantine tbody"); strings.Contains(rows, "Second") || !strings.Contains(rows, "First") {
		t.Errorf("rows after discarding Second:\n%s", rows)
	}
	do(t, browser, "the overview", chromedp.Navigate(site+"/ui"), chromedp.WaitVisible(chromedp.CSS(`li.tile a[href="/ui/quarantine"]`)))
	if tile := text(t, browser, `li.tile a[href="/ui/quarantine"] .value`); tile != "2" {
		t.Errorf("the Quarantined tile reads %q, want 2", tile)
	}

	do(t, browser, "discard all, box ticked", chromedp.Navigate(site+"/ui/quarantine"), chromedp.WaitVisible(chromedp.CSS("form.discard-all")),
		chromedp.Click(chromedp.CSS(`form.discard-all input[name="confirm"]`)),
		chromedp.Click(chromedp.CSS(`form.discard-all button`)), chromedp.WaitVisible(chromedp.CSS("#notice")))
	if got := text(t, browser, "#notice"); !strings.Contains(got, "Discarded 2 quarantined event(s) for good; 0 remain.") {
		t.Errorf("notice %q", got)
	}
	if got := text(t, browser, "main"); !strings.Contains(got, "Nothing in quarantine.") {
		t.Errorf("the page after discarding all:\n%s", got)
	}
	if n := strings.Count(logs.String(), `"msg":"quarantined event discarded","by":"ops page (local)"`); n != 3 {
		t.Errorf("%d log lines name the page's actor, want 3:\n%s", n, logs.String())
	}
}
