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

// During a Kendo outage (nothing listens at its address) the page says "unreachable
// since …" with the error — not "waiting for a pacing slot, 2 of 2 sent" — and the
// requests that never arrived neither fill the window nor show in the chart as failed
// calls. Once Kendo listens the call is delivered, the banner goes and the chart counts
// one delivered call.
func TestBrowserKendoUnreachable(t *testing.T) {
	const id = "940868616"
	ctx := context.Background()
	rate := kendo.Rate{Limit: 2, Period: time.Minute}
	kendoURL, startKendo := kendotest.Later(t, rate)
	svc := openEngine(t, delivery.Options{
		DB: "sqlite:" + filepath.Join(t.TempDir(), "ops.db"), KendoURL: kendoURL,
		Teams: teams.Single("pk_ops_page_test", rate), Settle: 200 * time.Millisecond,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	browser := browsertest.New(t)
	startEngine(t, svc)
	for _, raw := range testenv.Lifecycle(t, "outbound-"+id) {
		if _, err := svc.Accept(ctx, raw); err != nil {
			t.Fatal(err)
		}
	}
	testenv.WaitFor(t, 30*time.Second, "three requests that never reached Kendo", func() bool {
		rec, err := svc.Call(ctx, id)
		return err == nil && rec.Attempts >= 3
	})
	site := opsSite(t, svc)

	do(t, browser, "loading /ui", chromedp.Navigate(site+"/ui"), chromedp.WaitVisible(chromedp.CSS("table.keys")))
	banner := text(t, browser, `section.banner[aria-label^="Kendo unreachable"]`)
	for _, want := range []string{"Kendo is unreachable for team default", "since", "connection refused", "no pacing slot is used"} {
		if !strings.Contains(banner, want) {
			t.Errorf("the banner lacks %q:\n%s", want, banner)
		}
	}
	keys := text(t, browser, "table.keys tbody")
	if !strings.Contains(keys, "unreachable") || !strings.Contains(keys, "0 of 2 sent") || strings.Contains(keys, "window full") {
		t.Errorf("the key row should read unreachable with an empty window:\n%s", keys)
	}
	if calls := text(t, browser, "table.calls tbody"); strings.Contains(calls, "pacing slot") || !strings.Contains(calls, "could not reach Kendo") {
		t.Errorf("the call should wait for Kendo, not for pacing:\n%s", calls)
	}

	startKendo()
	if rec, err := svc.Wait(ctx, id, 60*time.Second); err != nil || rec.Status != lifecycle.Delivered {
		t.Fatalf("after Kendo came back: %s, %v", rec.Status, err)
	}
	do(t, browser, "reloading /ui", chromedp.Navigate(site+"/ui"), chromedp.WaitVisible(chromedp.CSS("#chart-h")))
	banners, err := chromedp.Run(browser, chromedp.Evaluate[int](`document.querySelectorAll('section.banner[aria-label^="Kendo unreachable"]').length`))
	if err != nil || banners != 0 {
		t.Errorf("%d unreachable banner(s) after Kendo answered (%v)", banners, err)
	}
	if summary := text(t, browser, "section[aria-labelledby=chart-h] figcaption"); !strings.Contains(summary, "1 delivered, 0 failed") {
		t.Errorf("the chart should count one delivered call and no failure (the unreachable requests were attempts): %q", summary)
	}
}

// Calls no team matches: a tile and a banner name the count and the fix; after the teams
// file is fixed and the service restarted, "Route again" on the page sends them.
func TestBrowserUnroutedRouteAgain(t *testing.T) {
	const id = "940870777"
	ctx := context.Background()
	k := kendotest.New(t, kendo.Rate{Limit: 100, Period: time.Second})
	keys := map[string]string{"KENDO_KEY_SALES": "pk_test_team_sales", "KENDO_KEY_SUPPORT": "pk_test_team_support"}
	load := func(file string) *teams.Router {
		r, err := teams.Load(filepath.Join("testdata", "teams", file), func(k string) string { return keys[k] }, kendo.DefaultRate)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	db := "sqlite:" + filepath.Join(t.TempDir(), "ops.db")
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	first := openEngine(t, delivery.Options{DB: db, KendoURL: k.URL(), Teams: load("two-teams.yaml"), Settle: 200 * time.Millisecond, Logger: logger})
	// The recorded inbound call on a line (campaign) and ring group no team lists.
	for _, raw := range testenv.Lifecycle(t, "inbound-940870001") {
		raw = testenv.WithID(raw, "940870001", id)
		raw = testenv.WithID(raw, "64010", "64999")
		raw = testenv.WithID(raw, "29109", "29999")
		if _, err := first.Accept(ctx, raw); err != nil {
			t.Fatal(err)
		}
	}
	if rec, err := first.Call(ctx, id); err != nil || rec.Status != lifecycle.Unrouted {
		t.Fatalf("%s, %v; want unrouted", rec.Status, err)
	}
	first.Close()

	fixed := openEngine(t, delivery.Options{DB: db, KendoURL: k.URL(), Teams: load("two-teams-fixed.yaml"), Settle: 200 * time.Millisecond, Logger: logger})
	startEngine(t, fixed)
	site := opsSite(t, fixed)
	browser := browsertest.New(t)
	do(t, browser, "loading /ui", chromedp.Navigate(site+"/ui"), chromedp.WaitVisible(chromedp.CSS("#unrouted")))
	tiles := strings.Join(strings.Fields(text(t, browser, "ul.tiles")), " ")
	if !strings.Contains(tiles, "Unrouted 1 now, match no team") {
		t.Errorf("the tiles lack \"Unrouted 1\":\n%s", tiles)
	}
	banner := text(t, browser, "#unrouted")
	for _, want := range []string{"1 call(s) match no team", "--teams", "default", "match"} {
		if !strings.Contains(banner, want) {
			t.Errorf("the banner lacks %q:\n%s", want, banner)
		}
	}
	do(t, browser, "route again", chromedp.Click(chromedp.CSS("#route-again button")), chromedp.WaitVisible(chromedp.CSS("#notice")))
	if n := text(t, browser, "#notice"); !strings.Contains(n, "Routed 1 unrouted call(s) again") {
		t.Errorf("notice %q", n)
	}
	if rc, err := fixed.Wait(ctx, id, 30*time.Second); err != nil || rc.Status != lifecycle.Delivered {
		t.Fatalf("after route again: %s, %v; want delivered", rc.Status, err)
	}
	if rec, err := fixed.Call(ctx, id); err != nil || rec.Team != "support" {
		t.Fatalf("routed to team %q (%v), want support", rec.Team, err)
	}
}
