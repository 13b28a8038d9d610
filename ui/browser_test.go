package ui_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/aloware-kendo/aloware-kendo/internal/browsertest"
	"github.com/aloware-kendo/aloware-kendo/ui"
)

var screenshot = flag.Bool("screenshot", false, "write docs/ops-page.png (desktop) and docs/ops-page-phone.png from the browser test")

// wait gives a step the time a browser on a busy two-core machine needs.
const wait = 30 * time.Second

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// until polls a JavaScript condition in the page, across the page's own reloads.
func until(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	var last error
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("waiting for %s: not within %s (last error: %v)", what, wait, last)
}

// The ops page in Chromium against the fake engine: the overview with its tiles, banner,
// chart and calls; a row's redeliver, and the call page following the call until it is
// delivered; a bulk redelivery with its progress; erase with its confirmation. The page
// reaches nothing but its own server.
func TestBrowserOpsPageWithFakeEngine(t *testing.T) {
	ctx := browsertest.New(t)
	start := time.Now()
	clock := func() time.Time { return testNow.Add(time.Since(start)) }
	f := newFakeEngine(clock)
	seedDay(f, testNow, 12)
	s := serveAt(t, f, ui.Access{}, clock)
	net := browsertest.OnlyOrigin(t, ctx, s.URL)

	do(t, ctx, "loading /ui", chromedp.Navigate(s.URL+"/ui"), chromedp.WaitVisible(chromedp.CSS("ul.tiles")))
	if *screenshot {
		shoot(t, ctx, "ops-page.png", 1280, 900, false)
		shoot(t, ctx, "ops-page-phone.png", 390, 1500, true)
		do(t, ctx, "desktop again", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(s.URL+"/ui"), chromedp.WaitVisible(chromedp.CSS("ul.tiles")))
	}
	tiles := text(t, ctx, "ul.tiles")
	for _, want := range []string{"Received 412", "Failed 3", "Quarantined 2", "Analyzed 351", "Oldest in queue 31 min"} {
		if !strings.Contains(strings.Join(strings.Fields(tiles), " "), want) {
			t.Errorf("tiles %q lack %q", tiles, want)
		}
	}
	if b := text(t, ctx, `section.banner`); !strings.Contains(b, "Deliveries of team support are paused") {
		t.Errorf("banner: %q", b)
	}
	do(t, ctx, "the chart", chromedp.WaitVisible(chromedp.CSS("figure.chart svg rect.ok")))
	if row := text(t, ctx, "table.calls tbody"); !strings.Contains(row, "940868001") || !strings.Contains(row, "Kendo may already have it") {
		t.Errorf("calls table: %q", row)
	}

	// Redeliver one failed call from its row, then watch it go out on its page.
	do(t, ctx, "redeliver from the row",
		chromedp.Click(chromedp.CSS(`button[aria-label="Redeliver call 940868001"]`)),
		chromedp.WaitVisible(chromedp.CSS("#notice")))
	if n := text(t, ctx, "#notice"); !strings.Contains(n, "Redelivery scheduled") {
		t.Errorf("notice: %q", n)
	}
	do(t, ctx, "the call page", chromedp.Navigate(s.URL+"/ui/calls/940868001"), chromedp.WaitVisible(chromedp.CSS("#call-status")))
	until(t, ctx, "the call to be delivered", `document.querySelector("#call-status").textContent === "delivered"`)
	if tl := text(t, ctx, "ol.timeline"); !strings.Contains(tl, "Attempt 2: accepted (HTTP 201)") {
		t.Errorf("timeline: %q", tl)
	}

	// Redeliver every failed call of the filter (the preview first) and follow the progress.
	do(t, ctx, "bulk redelivery preview",
		chromedp.Navigate(s.URL+"/ui?status=failed"),
		chromedp.Click(chromedp.CSS(`form.bulk button`)),
		chromedp.WaitVisible(chromedp.CSS(`#bulk-confirm button`)))
	if p := text(t, ctx, "#bulk-preview"); !strings.Contains(p, "2 failed call(s) match this filter. 1 would be queued") {
		t.Errorf("preview: %q", p)
	}
	do(t, ctx, "bulk redelivery",
		chromedp.Click(chromedp.CSS(`#bulk-confirm button`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-progress] progress`)))
	until(t, ctx, "the bulk to be done", `document.querySelector(".progress-text").textContent.includes("done")`)
	if p := text(t, ctx, ".progress-text"); !strings.Contains(p, "1 delivered, 0 failed again") {
		t.Errorf("progress: %q", p)
	}

	// Erase, with its confirmation.
	do(t, ctx, "erase",
		chromedp.Navigate(s.URL+"/ui/calls/940868002"),
		chromedp.Click(chromedp.CSS(`a.button.danger`)),
		chromedp.WaitVisible(chromedp.CSS(`form.confirm button.danger`)))
	if got := f.asked(); strings.Contains(strings.Join(got, " "), "erase") {
		t.Fatalf("erased before the confirmation: %v", got)
	}
	do(t, ctx, "confirm erase", chromedp.Click(chromedp.CSS(`form.confirm button.danger`)), chromedp.WaitVisible(chromedp.CSS("#notice")))
	if n := text(t, ctx, "#notice"); !strings.Contains(n, "Erased") {
		t.Errorf("notice: %q", n)
	}
	if b := net.Blocked(); len(b) > 0 {
		t.Errorf("the page asked for other origins: %v", b)
	}
	if len(net.Allowed()) == 0 {
		t.Error("the request guard saw nothing: the test proves nothing")
	}
}

// shoot writes a screenshot into docs/: the whole page at desktop width, the first
// screen (w×h) on a phone.
func shoot(t *testing.T, ctx context.Context, name string, w, h int64, phone bool) {
	t.Helper()
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
	capture := chromedp.FullScreenshot(100)
	if phone {
		opts = append(opts, chromedp.EmulateMobile)
		capture = chromedp.CaptureScreenshot()
	}
	do(t, ctx, "viewport "+name, chromedp.EmulateViewport(w, h, opts...), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("ul.tiles")))
	png, err := chromedp.Run(ctx, capture)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join("..", "docs", name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", path, len(png))
}
