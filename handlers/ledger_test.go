package handlers_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// GET /ledger in front of the real engine: a delivered call and a missed one are counted
// in one state each, every state and flag is present, the delivered call is flagged
// not_analyzed once Kendo's analysis is overdue (a webhook secret is set), pages go on
// with the cursor, and a window or cursor that makes no sense is the caller's error.
func TestLedgerRoute(t *testing.T) {
	k := kendotest.New(t, kendo.Rate{Limit: 100, Period: time.Second})
	quiet := slog.New(slog.DiscardHandler)
	svc := startService(t, delivery.Options{
		DB:       "sqlite:" + filepath.Join(t.TempDir(), "handlers-ledger.db"),
		KendoURL: k.URL(), Teams: teams.Single(testKey, kendo.Rate{Limit: 100, Period: time.Second}),
		ExpectAnalysis: true, AnalysisExpectedWithin: time.Millisecond, Logger: quiet,
	})
	srv := newServer(t, handlers.Deps{Intake: svc, Operator: svc, Ledger: svc, Logger: quiet})
	start := time.Now().Add(-time.Minute).UTC()

	files := lifecycleFiles(t, "inbound-940870001")
	for _, f := range files[:len(files)-1] {
		post(t, srv.URL+"/push", readFile(t, f))
	}
	if r := post(t, srv.URL+"/push?wait=20s", readFile(t, files[len(files)-1])); r.status != http.StatusCreated {
		t.Fatalf("delivery within the wait: %d %s", r.status, r.body)
	}
	post(t, srv.URL+"/push", readFile(t, filepath.Join(repoRoot, "testdata/aloware/missed-inbound.json")))
	time.Sleep(10 * time.Millisecond) // the delivery's analysis is overdue now

	var l handlers.Ledger
	r := get(t, srv.URL+"/ledger?since="+url.QueryEscape(start.Format(time.RFC3339)))
	if r.status != http.StatusOK || json.Unmarshal(r.body, &l) != nil {
		t.Fatalf("GET /ledger: %d %s", r.status, r.body)
	}
	if l.Calls != 2 || l.ByState["delivered"] != 1 || l.ByState["unanswered"] != 1 || len(l.ByState) != len(lifecycle.LedgerStates()) {
		t.Fatalf("ledger: %s", r.body)
	}
	sum := 0
	for _, n := range l.ByState {
		sum += n
	}
	if sum != l.Calls || len(l.FlagCounts) != len(lifecycle.Flags()) {
		t.Fatalf("states add up to %d of %d calls; %d flags of %d: %s", sum, l.Calls, len(l.FlagCounts), len(lifecycle.Flags()), r.body)
	}
	if len(l.Flagged) != 1 || l.Flagged[0].AlowareCallID != "940870001" || l.Flagged[0].Flag != "not_analyzed" || l.Next != "" {
		t.Fatalf("flagged: %s", r.body)
	}

	// One flag a page: the first page names the call and a cursor, the next is empty.
	var page handlers.Ledger
	r = get(t, srv.URL+"/ledger?limit=1&since="+url.QueryEscape(start.Format(time.RFC3339)))
	if json.Unmarshal(r.body, &page) != nil || len(page.Flagged) != 1 {
		t.Fatalf("page of one: %s", r.body)
	}
	if page.Next != "" {
		t.Fatalf("a single flag needs no next page: %s", r.body)
	}

	for _, bad := range []struct {
		query  string
		status int
	}{
		{"?since=2026-08-05T00:00:00Z&until=2026-08-04T00:00:00Z", http.StatusUnprocessableEntity},
		{"?cursor=not-a-cursor", http.StatusUnprocessableEntity},
		{"?limit=0", http.StatusUnprocessableEntity},
	} {
		if r := get(t, srv.URL+"/ledger"+bad.query); r.status != bad.status {
			t.Errorf("GET /ledger%s: %d %s, want %d", bad.query, r.status, r.body, bad.status)
		} else {
			r.problem(t)
		}
	}
	if r := get(t, newServer(t, handlers.Deps{Logger: quiet}).URL+"/ledger"); r.status != http.StatusServiceUnavailable {
		t.Errorf("GET /ledger without an engine: %d, want 503", r.status)
	}
}
