package ui_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/preflight"
	"github.com/aloware-kendo/aloware-kendo/ui"
)

func seeded(t *testing.T, n int) (*fakeEngine, site) {
	t.Helper()
	f := newFakeEngine(func() time.Time { return testNow })
	seedDay(f, testNow, n)
	return f, serve(t, f, ui.Access{})
}

func TestOverviewShowsTilesKeysBannerChartAndCalls(t *testing.T) {
	_, s := seeded(t, 12)
	a := s.get(t, "/ui")
	if a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") {
		t.Fatalf("/ui: %d %s", a.status, a.header.Get("Content-Type"))
	}
	mustContain(t, "/ui", a.body,
		// tiles
		`<span class="label">Received</span> <span class="value">412</span>`,
		`<span class="label">Delivered</span> <span class="value">377</span>`,
		`<span class="label">In queue</span> <span class="value">47</span>`,
		`<span class="label">Failed</span> <span class="value">3</span>`,
		`<span class="label">Quarantined</span> <span class="value">2</span>`,
		`<span class="label">Analyzed</span> <span class="value">351</span>`,
		`<span class="label">Oldest in queue</span> <span class="value">31 min</span>`,
		// key windows and the time the backlog needs
		`27 of 30 sent <small>(30/min)</small>`, `<td data-label="Backlog needs">1 min</td>`,
		// the banner of the paused key
		`role="alert" aria-label="Paused deliveries of team support"`, "Kendo answered 401 Unauthorized: invalid API key",
		// the chart, drawn by the server, with the limit line
		`<svg viewBox="0 0 960 220" role="img"`, `class="limit"`, "limit 60/min", "the limit is 60 per minute",
		// the calls, newest first, with the outcome-unknown warning and a row action
		`<a href="/ui/calls/940868000">940868000</a>`, "Kendo may already have it",
		`action="/ui/calls/940868001/redeliver"`,
	)
	mustNotContain(t, "/ui", a.body, personal...)
	if i, j := strings.Index(a.body, ">940868000<"), strings.Index(a.body, ">940868011<"); i < 0 || j < 0 || i > j {
		t.Error("calls are not newest first")
	}
	if a.header.Get("Cache-Control") != "no-store" || !strings.Contains(a.header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("headers: %v", a.header)
	}
	if regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).MatchString(a.body) {
		t.Error("the page refers to another site")
	}
}

func TestCallPageShowsTimelineAttemptsPayloadMasked(t *testing.T) {
	_, s := seeded(t, 12)
	a := s.get(t, "/ui/calls/940868006") // analyzed
	if a.status != http.StatusOK {
		t.Fatalf("%d %s", a.status, a.body)
	}
	mustContain(t, "call page", a.body,
		`<span class="badge ok" id="call-status">analyzed</span>`,
		"<strong>Event OutboundPhoneCall-DispositionCompleted</strong>",
		"<strong>Attempt 1: accepted (HTTP 201)</strong>", `<span class="badge ok">accepted (HTTP 201)</span>`, "<strong>Delivered</strong> — Kendo callId kc_7Hq2Lm9X",
		`<span class="label">AI score</span> <span class="value">87</span>`,
		"The payload sent to Kendo",
		"Outbound - Jane Doe &#43;• (•••) •••-••88",             // title
		"You can also reach me at •••-•••-••88.",                // transcript
		"Sam called Jane (&#43;•••••••••88) about her renewal.", // metadata
		"<dt>alowareContactId</dt><dd>155091981</dd>",           // ids stay readable
		"https://app.aloware.io/… <small>(the rest is hidden",   // the recording URL, cut
	)
	mustNotContain(t, "call page", a.body, personal...)

	a = s.get(t, "/ui/calls/940868004") // failed, outcome unknown
	mustContain(t, "failed call page", a.body,
		"Kendo may already have this call", "Look for it in Kendo before you redeliver",
		`<span class="badge bad">bad_request (HTTP 400)</span>`, "repEmail is not a valid email",
		"body.wait_time: not a number; ignored", `action="/ui/calls/940868004/redeliver"`,
		"The payload sent to Kendo", "Exactly the body of request 1: 1234 bytes", // the body Kendo refused
	)
	a = s.get(t, "/ui/calls/940868003") // scheduled, no request yet
	if !strings.Contains(a.body, `data-watch="/ui/calls/940868003/status"`) || !strings.Contains(a.body, `/skip"`) {
		t.Error("a scheduled call's page neither watches its status nor offers skip")
	}
	mustContain(t, "scheduled call page", a.body, "The payload that will be sent")
	mustNotContain(t, "scheduled call page", a.body, "The payload sent to Kendo", "Exactly the body of request")
	if a := s.get(t, "/ui/calls/nope"); a.status != http.StatusNotFound || !strings.Contains(a.body, "No such call") {
		t.Errorf("unknown call: %d", a.status)
	}
	if a := s.get(t, "/ui/calls/"+strings.Repeat("9", 65)); a.status != http.StatusNotFound {
		t.Errorf("impossible id: %d", a.status)
	}
}

func TestFiltersAndPaging(t *testing.T) {
	f, s := seeded(t, 60)
	a := s.get(t, "/ui?status=failed")
	if n := strings.Count(a.body, `<th scope="row" data-label="Call">`); n != 3 {
		t.Errorf("failed filter: %d rows, want 3", n)
	}
	mustContain(t, "filtered", a.body, `value="failed" checked`, "Redeliver every failed call of this filter")
	if a := s.get(t, "/ui?status=delivered"); strings.Contains(a.body, "Redeliver every failed call") {
		t.Error("a filter without failed calls offers to redeliver them")
	}
	a = s.get(t, "/ui?q=940868042")
	if n := strings.Count(a.body, `<th scope="row" data-label="Call">`); n != 1 || !strings.Contains(a.body, ">940868042<") {
		t.Errorf("q filter: %d rows", n)
	}

	a = s.get(t, "/ui")
	if n := strings.Count(a.body, `<th scope="row" data-label="Call">`); n != delivery.DefaultListLimit {
		t.Errorf("first page: %d rows", n)
	}
	older := regexp.MustCompile(`<a href="(/ui\?cursor=[^"]+)">Older`).FindStringSubmatch(a.body)
	if older == nil {
		t.Fatal("no link to the older page")
	}
	a = s.get(t, strings.ReplaceAll(strings.TrimSuffix(older[1], "#calls"), "&amp;", "&"))
	if n := strings.Count(a.body, `<th scope="row" data-label="Call">`); n != 10 || !strings.Contains(a.body, "← Newest") || strings.Contains(a.body, "Older →") {
		t.Errorf("second page: %d rows", n)
	}

	before := len(f.asked())
	a = s.get(t, "/ui?status=bogus&since=yesterday")
	mustContain(t, "bad filter", a.body, `Fix the filter: unknown status &#34;bogus&#34;; since: &#34;yesterday&#34; is not a time`)
	if a.status != http.StatusOK || len(f.asked()) != before {
		t.Errorf("bad filter: %d", a.status)
	}
	a = s.get(t, "/ui?since=2026-08-05T21:00&until=2026-08-05T21:30:00Z")
	mustContain(t, "time filter", a.body, `name="since" value="2026-08-05T21:00"`, `name="until" value="2026-08-05T21:30"`)
}

func TestActionsRedirectWithANoticeAndNameWhoAsked(t *testing.T) {
	f, s := seeded(t, 12)
	a := s.post(t, "/ui/calls/940868001/redeliver", nil)
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/ui/calls/940868001?done=redelivered" {
		t.Fatalf("redeliver: %d %s", a.status, a.header.Get("Location"))
	}
	mustContain(t, "after redeliver", s.get(t, a.header.Get("Location")).body, "Redelivery scheduled", `id="call-status">scheduled<`)

	// From the list, back to the list with its filter.
	a = s.post(t, "/ui/calls/940868007/redeliver", url.Values{"return": {"/ui?status=failed&done=skipped#calls"}})
	if loc := a.header.Get("Location"); loc != "/ui?done=redelivered&status=failed" {
		t.Errorf("return to the list: %s", loc)
	}
	a = s.post(t, "/ui/calls/940868000/redeliver", url.Values{"return": {"//evil.example/ui"}})
	if loc := a.header.Get("Location"); loc != "/ui/calls/940868000?error=not-redeliverable" {
		t.Errorf("a delivered call / a foreign return: %s", loc)
	}
	mustContain(t, "refused redelivery", s.get(t, "/ui/calls/940868000?error=not-redeliverable").body, `role="alert"`, "Only a failed, skipped or unrouted call")

	a = s.post(t, "/ui/calls/940868003/skip", nil)
	if a.header.Get("Location") != "/ui/calls/940868003?done=skipped" {
		t.Errorf("skip: %s", a.header.Get("Location"))
	}
	if a := s.post(t, "/ui/calls/940868000/skip", nil); a.header.Get("Location") != "/ui/calls/940868000?error=not-skippable" {
		t.Errorf("skip a delivered call: %s", a.header.Get("Location"))
	}

	confirm := s.get(t, "/ui/calls/940868002/erase")
	mustContain(t, "erase confirmation", confirm.body, "This cannot be undone", `<form method="post" action="/ui/calls/940868002/erase"`)
	if len(f.asked()) != 5 || strings.HasPrefix(f.asked()[len(f.asked())-1], "erase") {
		t.Errorf("the confirmation page erased: %v", f.asked())
	}
	a = s.post(t, "/ui/calls/940868002/erase", nil)
	mustContain(t, "after erase", s.get(t, a.header.Get("Location")).body, "Erased:", `>erased<`, "no longer stored")

	if a := s.post(t, "/ui/quarantine/replay", nil); a.header.Get("Location") != "/ui/quarantine?done=replayed&n1=1&n2=1" {
		t.Errorf("replay: %s", a.header.Get("Location"))
	}
	mustContain(t, "after replay", s.get(t, "/ui/quarantine?done=replayed&n1=1&n2=1").body, "Replayed 1 quarantined event(s); 1 remain.")

	want := []string{"redeliver 940868001 by ops page (local)", "redeliver 940868007 by ops page (local)", "redeliver 940868000 by ops page (local)",
		"skip 940868003 by ops page (local)", "skip 940868000 by ops page (local)", "erase 940868002 by ops page (local)", "replay by ops page (local)"}
	if got := f.asked(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("asked %v\nwant  %v", got, want)
	}
	mustNotContain(t, "log", s.log.String(), personal...)
	mustContain(t, "log", s.log.String(), `"msg":"ops page: redelivered","alowareCallId":"940868001","by":"ops page (local)"`)
}

func TestBulkRedeliveryShowsProgress(t *testing.T) {
	f, s := seeded(t, 12)
	a := s.post(t, "/ui/redeliver", url.Values{"status": {"failed", "delivered"}, "since": {"2026-08-04T00:00"}})
	loc := a.header.Get("Location")
	if a.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/ui?done=bulk&from=") || !strings.Contains(loc, "n1=2&n2=3&n3=1") {
		t.Fatalf("bulk: %d %s", a.status, loc)
	}
	if got := f.asked(); len(got) != 1 || got[0] != "redeliver-many [failed] including outcome-unknown false by ops page (local)" {
		t.Errorf("asked %v", got)
	}
	page := s.get(t, strings.TrimSuffix(loc, "#notice")).body
	mustContain(t, "after bulk", page, "Queued 2 of the 3 failed calls of this filter", "1 call(s) Kendo may already have were left failed",
		`<progress max="2" value="0"`)
	m := regexp.MustCompile(`data-progress="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no progress address")
	}
	progress := strings.ReplaceAll(m[1], "&amp;", "&")
	var p struct {
		Queued, Delivered, Failed, InQueue int
		Done                               bool
	}
	read := func() {
		t.Helper()
		a := s.get(t, progress)
		if err := json.Unmarshal([]byte(a.body), &p); err != nil || a.status != 200 {
			t.Fatalf("progress %d %s", a.status, a.body)
		}
	}
	read()
	if p.Queued != 2 || p.InQueue != 2 || p.Delivered != 0 || p.Done { // the 2 queued; the call that was waiting already is not the bulk's
		t.Errorf("right after: %+v", p)
	}
	f.mu.Lock()
	f.now = func() time.Time { return testNow.Add(time.Second) } // the fake delivers them
	f.mu.Unlock()
	read()
	if p.Delivered != 2 || p.Failed != 0 || !p.Done {
		t.Errorf("after they went out: %+v", p)
	}
	if a := s.post(t, "/ui/redeliver", url.Values{"since": {"soon"}}); !strings.Contains(a.header.Get("Location"), "error=bad-filter") {
		t.Errorf("bad bulk filter: %s", a.header.Get("Location"))
	}
}

// State-changing requests from another site are refused before they reach the engine.
func TestCrossSiteActionsAreRefused(t *testing.T) {
	f, s := seeded(t, 12)
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "same-site"},
		{"Origin", "https://evil.example"},
	} {
		for _, path := range []string{"/ui/calls/940868001/redeliver", "/ui/calls/940868002/erase", "/ui/redeliver", "/ui/quarantine/replay"} {
			a := s.post(t, path, nil, h...)
			if a.status != http.StatusForbidden || !strings.Contains(a.body, "this request came from another site") {
				t.Errorf("%s %v: %d", path, h, a.status)
			}
		}
	}
	if a := s.post(t, "/ui/calls/940868001/redeliver", nil, "Sec-Fetch-Site", "same-origin", "Origin", s.URL); a.status != http.StatusSeeOther {
		t.Errorf("same-origin: %d", a.status)
	}
	if got := f.asked(); len(got) != 1 {
		t.Errorf("the engine was asked %v", got)
	}
}

func TestAccess(t *testing.T) {
	basic := func(up string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(up)) }
	f := newFakeEngine(func() time.Time { return testNow })
	seedDay(f, testNow, 3)

	t.Run("loopback only without credentials", func(t *testing.T) {
		s := serve(t, f, ui.Access{})
		if a := s.get(t, "/ui"); a.status != http.StatusOK {
			t.Errorf("loopback: %d", a.status)
		}
		a := s.get(t, "/ui", "X-Forwarded-For", "203.0.113.7")
		if a.status != http.StatusForbidden {
			t.Fatalf("through a proxy: %d", a.status)
		}
		mustContain(t, "403 page", a.body, "served only to this machine", "--ui-basic user:pass")
		// Another machine, without a proxy.
		h, _ := ui.New(ui.Options{Engine: f})
		r := httptest.NewRequest(http.MethodGet, "/ui", nil)
		r.RemoteAddr = "203.0.113.7:51000"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusForbidden {
			t.Errorf("remote: %d", w.Code)
		}
	})

	t.Run("ui-basic is the page's credential, in front of the inbound ones", func(t *testing.T) {
		s := serve(t, f, ui.Access{UIBasic: "ops:page-secret", InboundToken: "tok-inbound"})
		a := s.get(t, "/ui")
		if a.status != http.StatusUnauthorized || !strings.HasPrefix(a.header.Get("WWW-Authenticate"), `Basic realm="aloware-kendo ops page"`) {
			t.Fatalf("no credentials: %d %q", a.status, a.header.Get("WWW-Authenticate"))
		}
		mustContain(t, "401 page", a.body, "Sign in to open the ops page")
		mustNotContain(t, "401 page", a.body, "page-secret", "tok-inbound")
		for _, h := range []string{basic("ops:wrong"), "Bearer tok-inbound", basic("ops:page-secret ")} {
			if a := s.get(t, "/ui", "Authorization", h); a.status != http.StatusUnauthorized {
				t.Errorf("%q: %d", h, a.status)
			}
		}
		if a := s.get(t, "/ui", "Authorization", basic("ops:page-secret")); a.status != http.StatusOK {
			t.Errorf("right credentials: %d", a.status)
		}
		if a := s.post(t, "/ui/calls/940868001/skip", nil, "Authorization", basic("ops:page-secret")); a.status != http.StatusSeeOther {
			t.Errorf("action: %d", a.status)
		}
		if got := f.asked(); got[len(got)-1] != "skip 940868001 by ops page (ops)" {
			t.Errorf("asked %v", got)
		}
		// The API stays behind the inbound token.
		if a := s.get(t, "/calls/940868001", "Authorization", basic("ops:page-secret")); a.status != http.StatusUnauthorized {
			t.Errorf("API with the page's credentials: %d", a.status)
		}
	})

	t.Run("the inbound credentials otherwise", func(t *testing.T) {
		s := serve(t, f, ui.Access{InboundBasic: "aloware:hook-secret", InboundToken: "tok-inbound"})
		if a := s.get(t, "/ui"); a.status != http.StatusUnauthorized || a.header.Get("WWW-Authenticate") == "" {
			t.Errorf("no credentials: %d", a.status)
		}
		for _, h := range []string{basic("aloware:hook-secret"), "Bearer tok-inbound"} {
			if a := s.get(t, "/ui", "Authorization", h); a.status != http.StatusOK {
				t.Errorf("%q: %d", h, a.status)
			}
		}
	})

	t.Run("a token only: the page says why a browser cannot sign in", func(t *testing.T) {
		s := serve(t, f, ui.Access{InboundToken: "tok-inbound"})
		if a := s.get(t, "/ui/static/ops.css"); a.status != http.StatusOK {
			t.Errorf("the stylesheet, for the 401 page: %d", a.status)
		}
		// Paths that only look like a static file: cleaned by a redirect, or refused.
		for _, p := range []string{"/ui/static/../calls/940868001", "/ui/static/%2e%2e/calls/940868001", "/ui/static//ui/calls/940868001"} {
			a := s.get(t, p)
			if loc := a.header.Get("Location"); a.status == http.StatusTemporaryRedirect || a.status == http.StatusMovedPermanently {
				a = s.get(t, loc)
			}
			if a.status != http.StatusUnauthorized {
				t.Errorf("%s went past the gate: %d", p, a.status)
			}
		}
		a := s.get(t, "/ui/calls/940868001")
		if a.status != http.StatusUnauthorized || a.header.Get("WWW-Authenticate") != "" {
			t.Errorf("no credentials: %d %q", a.status, a.header.Get("WWW-Authenticate"))
		}
		mustContain(t, "401 page", a.body, "which a browser cannot send by itself", "--ui-basic user:pass")
		if a := s.get(t, "/ui", "Authorization", "Bearer tok-inbound"); a.status != http.StatusOK {
			t.Errorf("token: %d", a.status)
		}
	})

	t.Run("invalid ui-basic", func(t *testing.T) {
		if _, err := ui.New(ui.Options{Engine: f, Access: ui.Access{UIBasic: "nocolon"}}); err == nil {
			t.Error("accepted user:pass without a colon")
		}
	})
}

func TestStaticAssetsAndGzip(t *testing.T) {
	_, s := seeded(t, 50)
	page := s.get(t, "/ui")
	css := regexp.MustCompile(`href="(/ui/static/ops\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(page.body)
	js := regexp.MustCompile(`src="(/ui/static/ops\.js\?v=[0-9a-f]+)"`).FindStringSubmatch(page.body)
	if css == nil || js == nil {
		t.Fatal("the page names no versioned stylesheet or script")
	}
	for _, p := range []string{css[1], js[1]} {
		a := s.get(t, p)
		if a.status != 200 || !strings.Contains(a.header.Get("Cache-Control"), "immutable") || a.body == "" {
			t.Errorf("%s: %d %v", p, a.status, a.header)
		}
	}
	if a := s.get(t, "/ui/static/nope.js"); a.status != http.StatusNotFound {
		t.Errorf("unknown asset: %d", a.status)
	}
	if a := s.get(t, "/ui", "Accept-Encoding", "gzip"); a.header.Get("Content-Encoding") != "gzip" || a.body != page.body {
		t.Error("the page is not served gzipped to a client that takes it")
	}
}

// TestPageWeight measures /ui with 50 calls: the HTML, the stylesheet and the script,
// as sent and gzipped. The bound keeps it a page a phone loads at once.
func TestPageWeight(t *testing.T) {
	_, s := seeded(t, 50)
	html := s.get(t, "/ui")
	if n := strings.Count(html.body, `<th scope="row" data-label="Call">`); n != 50 {
		t.Fatalf("%d rows", n)
	}
	css := s.get(t, regexp.MustCompile(`href="(/ui/static/ops\.css[^"]+)"`).FindStringSubmatch(html.body)[1]).body
	js := s.get(t, regexp.MustCompile(`src="(/ui/static/ops\.js[^"]+)"`).FindStringSubmatch(html.body)[1]).body
	total := len(html.body) + len(css) + len(js)
	gz := gzipSize([]byte(html.body)) + gzipSize([]byte(css)) + gzipSize([]byte(js))
	t.Logf("/ui with 50 calls: HTML %d B (gzip %d), CSS %d B (gzip %d), JS %d B (gzip %d); total %d B, gzip %d B",
		len(html.body), gzipSize([]byte(html.body)), len(css), gzipSize([]byte(css)), len(js), gzipSize([]byte(js)), total, gz)
	if total > 150<<10 || gz > 30<<10 {
		t.Errorf("the page weighs %d B (%d B gzipped)", total, gz)
	}
}

// brokenEngine answers every question with an error, as a database that is down would.
type brokenEngine struct{}

var errDown = errors.New("database is down")

func (brokenEngine) Overview(context.Context) (delivery.Overview, error) {
	return delivery.Overview{}, errDown
}
func (brokenEngine) ListCalls(context.Context, delivery.ListFilter) (delivery.CallPage, error) {
	return delivery.CallPage{}, errDown
}
func (brokenEngine) Call(context.Context, string) (delivery.CallRecord, error) {
	return delivery.CallRecord{}, errDown
}
func (brokenEngine) Redeliver(context.Context, string, delivery.RedeliverOptions, string) (delivery.CallRecord, error) {
	return delivery.CallRecord{}, errDown
}
func (brokenEngine) RedeliverMany(context.Context, delivery.ListFilter, delivery.BulkOptions, string) (delivery.BulkResult, error) {
	return delivery.BulkResult{}, errDown
}
func (brokenEngine) Skip(context.Context, string, string) (delivery.CallRecord, error) {
	return delivery.CallRecord{}, errDown
}
func (brokenEngine) Erase(context.Context, string, string) (delivery.CallRecord, error) {
	return delivery.CallRecord{}, errDown
}
func (brokenEngine) Quarantine(context.Context, int, string) (delivery.QuarantinePage, error) {
	return delivery.QuarantinePage{}, errDown
}
func (brokenEngine) ReplayQuarantine(context.Context, string) (delivery.ReplayResult, error) {
	return delivery.ReplayResult{}, errDown
}
func (brokenEngine) Checks(context.Context) []preflight.Check {
	return []preflight.Check{{Name: "database", Detail: "cannot write: database is down"}}
}

// With the engine down the page still renders, says what is missing, and logs why.
func TestEngineErrorsAreShownInWordsAndLogged(t *testing.T) {
	s := serve(t, brokenEngine{}, ui.Access{})
	a := s.get(t, "/ui")
	if a.status != http.StatusOK {
		t.Fatalf("/ui: %d", a.status)
	}
	mustContain(t, "/ui", a.body, "The overview could not be read", "The calls could not be read")
	mustNotContain(t, "/ui", a.body, "database is down")
	if a := s.get(t, "/ui/calls/1"); a.status != http.StatusServiceUnavailable || strings.Contains(a.body, "database is down") {
		t.Errorf("call: %d", a.status)
	}
	if a := s.post(t, "/ui/calls/1/redeliver", nil); a.header.Get("Location") != "/ui/calls/1?error=engine" {
		t.Errorf("action: %s", a.header.Get("Location"))
	}
	mustContain(t, "quarantine", s.get(t, "/ui/quarantine").body, "The quarantine could not be read")
	mustContain(t, "checks", s.get(t, "/ui/checks").body, "1 of 1 check(s) failed.", "cannot write: database is down")
	mustContain(t, "log", s.log.String(), `"msg":"ops page: the engine failed","what":"overview","error":"database is down"`)
}

// A page link whose cursor is not the engine's (edited, or from another service) says
// so and offers the first page; it is not an engine failure.
func TestForeignCursorIsNotAnEngineFailure(t *testing.T) {
	_, s := seeded(t, 3)
	a := s.get(t, "/ui?cursor=not-ours")
	mustContain(t, "/ui", a.body, "That page of calls does not exist", `<a href="/ui#calls">First page</a>`)
	mustNotContain(t, "/ui", a.body, "The calls could not be read")
	mustNotContain(t, "log", s.log.String(), "the engine failed")
}

func TestCallStatusJSON(t *testing.T) {
	f, s := seeded(t, 12)
	a := s.get(t, "/ui/calls/940868003/status")
	var got struct{ Status lifecycle.Status }
	if err := json.Unmarshal([]byte(a.body), &got); err != nil || got.Status != lifecycle.Scheduled {
		t.Errorf("%d %s", a.status, a.body)
	}
	if a := s.get(t, "/ui/calls/nope/status"); a.status != http.StatusNotFound {
		t.Errorf("unknown: %d", a.status)
	}
	_ = f
}

func TestQuarantineAndChecksPages(t *testing.T) {
	_, s := seeded(t, 3)
	a := s.get(t, "/ui/quarantine")
	mustContain(t, "quarantine", a.body, "2 event(s), 2.1 KiB.", "Contact-Merged", "no communication id (body.id)", "Replay the quarantine",
		"&#34;call-&#43;•••••••••88&#34; is not an id")
	mustNotContain(t, "quarantine", a.body, personal...)
	a = s.get(t, "/ui/checks")
	mustContain(t, "checks", a.body, "1 of 4 check(s) failed.", `<span class="badge bad">fail</span> <strong>kendo key (support)</strong>`)
}

// A call a send rule skipped says which rule, in the list and on its page; an artifact
// that came after the call was sent is listed on the call's page.
func TestFilteredAndLateArtifactsAreShown(t *testing.T) {
	_, s := seeded(t, 60)
	list := s.get(t, "/ui?status=skipped")
	mustContain(t, "skipped list", list.body, `<div class="reason">talk time 4 s is under --min-talk-time 10s</div>`)
	page := s.get(t, "/ui/calls/940868017")
	mustContain(t, "filtered call page", page.body, `<p class="reason">talk time 4 s is under --min-talk-time 10s</p>`, `action="/ui/calls/940868017/redeliver"`)
	page = s.get(t, "/ui/calls/940868006")
	mustContain(t, "analyzed call page", page.body, "Arrived after delivery",
		"<li>transcription.call.summarized: summary arrived 40 s after delivery; Kendo has the recording and the transcript</li>")
}

// A call Kendo may already have is redelivered only with the operator's confirmation:
// a plain POST (a list row's button, a form from elsewhere) lands on the confirmation
// page, and the bulk action that includes such calls needs its box ticked.
func TestOutcomeUnknownRedeliveryNeedsConfirmation(t *testing.T) {
	f, s := seeded(t, 12)
	const unknown = "940868004"
	a := s.post(t, "/ui/calls/"+unknown+"/redeliver", url.Values{"return": {"/ui?status=failed"}})
	if loc := a.header.Get("Location"); a.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/ui/calls/"+unknown+"/redeliver?") {
		t.Fatalf("unconfirmed redelivery: %d %s", a.status, loc)
	}
	confirm := s.get(t, "/ui/calls/"+unknown+"/redeliver")
	mustContain(t, "confirmation page", confirm.body, "Kendo may already have this call", `name="confirm" value="kendo-checked" required`)
	a = s.post(t, "/ui/redeliver", url.Values{"status": {"failed"}, "outcome-unknown": {"include"}})
	if loc := a.header.Get("Location"); !strings.Contains(loc, "error=not-confirmed") {
		t.Fatalf("bulk including outcome-unknown without the box ticked: %s", loc)
	}
	if got := f.asked(); len(got) != 0 {
		t.Fatalf("the engine was asked %v before any confirmation", got)
	}
	a = s.post(t, "/ui/calls/"+unknown+"/redeliver", url.Values{"outcome-unknown": {"include"}, "confirm": {"kendo-checked"}})
	if loc := a.header.Get("Location"); !strings.Contains(loc, "done=redelivered") {
		t.Fatalf("confirmed redelivery: %d %s", a.status, loc)
	}
	preview := s.get(t, "/ui/redeliver?status=failed")
	mustContain(t, "bulk preview", preview.body, "2 failed call(s) match this filter. <strong>2</strong> would be queued")
}
