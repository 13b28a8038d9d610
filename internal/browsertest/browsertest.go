// Package browsertest runs a real, headless Chromium for the tests of the ops page and
// /docs, driven by chromedp. Without Chromium the tests skip and say so, unless
// ALOWARE_KENDO_REQUIRE_CHROMIUM=1 (CI sets it): then they fail.
package browsertest

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// RequireEnv makes a missing Chromium a failure instead of a skip.
const RequireEnv = "ALOWARE_KENDO_REQUIRE_CHROMIUM"

// PathEnv names a Chromium binary to use instead of the one on PATH.
const PathEnv = "ALOWARE_KENDO_CHROMIUM"

// Timeout bounds one browser test: two cores shared by several engineers make Chromium slow.
const Timeout = 2 * time.Minute

// Path finds Chromium: PathEnv, else Debian's chromium (or another name for it) on PATH;
// "" when there is none.
func Path() string {
	names := []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}
	if p := os.Getenv(PathEnv); p != "" {
		names = []string{p}
	}
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts Chromium for t (headless, a fresh profile, nothing of its own on the
// network) and returns a context for chromedp that ends with the test. The names given
// resolve to 127.0.0.1, as a DNS name an attacker rebinds to this machine would.
func New(t *testing.T, loopbackNames ...string) context.Context {
	t.Helper()
	path := Path()
	if path == "" {
		msg := "Chromium not found (install Debian's chromium: apt-get install -y chromium; or set " + PathEnv + ")"
		if os.Getenv(RequireEnv) == "1" {
			t.Fatal(msg + ", and " + RequireEnv + "=1 requires it")
		}
		t.Skip(msg + ": browser test skipped")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("metrics-recording-only", true),
		// No name resolves but the loopback the test servers listen on.
		chromedp.Flag("host-resolver-rules", hostRules(loopbackNames)),
		chromedp.WindowSize(1280, 900),
	}
	ctx, cancelTimeout := context.WithTimeout(context.Background(), Timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancelTimeout()
	})
	if err := chromedp.Do(browserCtx); err != nil { // starts the browser
		t.Fatalf("starting Chromium (%s): %v", path, err)
	}
	return browserCtx
}

// hostRules lets no name resolve but 127.0.0.1 and the names mapped to it (the first
// matching rule applies).
func hostRules(loopbackNames []string) string {
	var rules []string
	for _, name := range loopbackNames {
		rules = append(rules, "MAP "+name+" 127.0.0.1")
	}
	return strings.Join(append(rules, "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"), ", ")
}

// Requests records what a page asked the network for.
type Requests struct {
	mu      sync.Mutex
	allowed []string
	blocked []string
}

// Allowed lists the URLs that went to the allowed origin.
func (r *Requests) Allowed() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.allowed)
}

// Blocked lists the URLs of every request to anywhere else; each was failed.
func (r *Requests) Blocked() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.blocked)
}

// OnlyOrigin lets the page reach origin (scheme://host:port) and nothing else: every
// other request fails as blocked, and is recorded, so a test can show that a page
// needs no network beyond its own server.
func OnlyOrigin(t *testing.T, ctx context.Context, origin string) *Requests {
	t.Helper()
	rec := &Requests{}
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}})
		return err
	}))
	if err != nil {
		t.Fatalf("enabling request interception: %v", err)
	}
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			u := ev.Request.URL
			ok := sameOrigin(u, origin)
			rec.mu.Lock()
			if ok {
				rec.allowed = append(rec.allowed, u)
			} else {
				rec.blocked = append(rec.blocked, u)
			}
			rec.mu.Unlock()
			_ = chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				if ok {
					_, err := cdp.Call(ctx, tg, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
					return err
				}
				_, err := cdp.Call(ctx, tg, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
				return err
			}))
		}
	}()
	return rec
}

func sameOrigin(raw, origin string) bool {
	u, err := url.Parse(raw)
	o, oerr := url.Parse(origin)
	return err == nil && oerr == nil && u.Scheme == o.Scheme && u.Host == o.Host
}
