package apidocs_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/internal/browsertest"
)

// /docs in Chromium with every request outside the test server blocked: the
// operations render, and the page asked for nothing else.
func TestBrowserDocsRenderWithoutNetwork(t *testing.T) {
	ctx := browsertest.New(t)
	srv := httptest.NewServer(handlers.New(handlers.Deps{}))
	t.Cleanup(srv.Close)
	net := browsertest.OnlyOrigin(t, ctx, srv.URL)

	step, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(step, chromedp.Navigate(srv.URL+"/docs"), chromedp.WaitVisible(chromedp.CSS("#op-push-event"))); err != nil {
		t.Fatalf("loading /docs: %v", err)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("article.operation").length`))
	if err != nil || n < 8 {
		t.Fatalf("%d operations rendered (%v)", n, err)
	}
	push, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#op-push-event")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"POST", "/push", "Take in one Aloware webhook delivery", "wait", "202", "bearerAuth or basicAuth"} {
		if !strings.Contains(push, want) {
			t.Errorf("POST /push lacks %q:\n%s", want, push)
		}
	}
	// Laid out by the stylesheet, not the browser's defaults: the styles applied.
	bg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(".method.post")).backgroundColor`))
	if err != nil || bg == "" || bg == "rgba(0, 0, 0, 0)" {
		t.Errorf("the method badge has no background (%q, %v): the stylesheet did not apply", bg, err)
	}
	if b := net.Blocked(); len(b) > 0 {
		t.Errorf("/docs asked for other origins: %v", b)
	}
	if a := net.Allowed(); len(a) != 1 {
		t.Errorf("/docs made %d requests, want the page alone: %v", len(a), a)
	}
}
