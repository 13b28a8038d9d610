package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/ui"
)

// issueFake adds the issues to the fake engine.
type issueFake struct {
	*fakeEngine
	issues []delivery.Issue
	asked  []string // what RedeliverIssue was asked: "id|unknown" or "id|known"
}

func (f *issueFake) Issues(context.Context) ([]delivery.Issue, error) { return f.issues, nil }

func (f *issueFake) RedeliverIssue(_ context.Context, id string, o delivery.BulkOptions, _ string) (delivery.BulkResult, error) {
	f.asked = append(f.asked, id+"|"+map[bool]string{true: "unknown", false: "known"}[o.IncludeOutcomeUnknown])
	return delivery.BulkResult{Matched: 38, Queued: 38, Excluded: map[string]int{}}, nil
}

var _ ui.IssueEngine = (*issueFake)(nil)

// The issues page lists each group with its count, first and last seen (causes masked),
// and one action; the action of a flagged group (Kendo may have its calls) does nothing
// until "I checked Kendo" is ticked. An engine without issues says so instead of failing.
func TestIssuesPage(t *testing.T) {
	eng := &issueFake{fakeEngine: newFakeEngine(func() time.Time { return testNow }), issues: []delivery.Issue{
		{ID: "f1", Kind: delivery.IssueFailed, Key: delivery.IssueKey{Status: lifecycle.Failed, Cause: "bad_request (HTTP 400): repEmail is not a member of team sales; caller 415-201-7788"},
			Calls: 38, FirstSeen: testNow.Add(-2 * time.Hour), LastSeen: testNow.Add(-time.Minute)},
		{ID: "u1", Kind: delivery.IssueFlagged, Key: delivery.IssueKey{Status: lifecycle.Failed, OutcomeUnknown: true, Cause: "outcome unknown: Kendo did not answer"},
			Calls: 2, FirstSeen: testNow.Add(-time.Hour), LastSeen: testNow.Add(-time.Hour)},
		{ID: "r1", Kind: delivery.IssueUnrouted, Key: delivery.IssueKey{Status: lifecycle.Unrouted, Cause: "no team takes campaign 64999"},
			Calls: 7, FirstSeen: testNow.Add(-time.Hour), LastSeen: testNow},
	}}
	site := serve(t, eng, ui.Access{})
	page := site.get(t, "/ui/issues")
	if page.status != http.StatusOK {
		t.Fatalf("status %d", page.status)
	}
	mustContain(t, "issues page", page.body, "repEmail is not a member of team sales", "Redeliver these 38", "Route these 7 again",
		"I checked Kendo: it does not have these 2 call(s)", "2 h ago", "1 min ago")
	mustNotContain(t, "issues page", page.body, personal...)

	flagged := url.Values{"issue": {"u1"}, "outcome-unknown": {"include"}}
	if r := site.post(t, "/ui/issues/redeliver", flagged); r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "error=not-confirmed") {
		t.Errorf("a flagged group without the confirmation: %d %s", r.status, r.header.Get("Location"))
	}
	flagged.Set("confirm", "kendo-checked")
	failed := url.Values{"issue": {"f1"}}
	for _, form := range []url.Values{flagged, failed} {
		if r := site.post(t, "/ui/issues/redeliver", form); r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "done=issue") {
			t.Errorf("action: %d %s", r.status, r.header.Get("Location"))
		}
	}
	if len(eng.asked) != 2 || eng.asked[0] != "u1|unknown" || eng.asked[1] != "f1|known" {
		t.Errorf("the engine was asked %q", eng.asked)
	}
	if r := site.get(t, "/ui/issues?done=issue&n1=38&n2=38"); !strings.Contains(r.body, "Queued 38 of the 38 calls of this issue") {
		t.Error("the notice after the action is missing")
	}

	plain := serve(t, newFakeEngine(func() time.Time { return testNow }), ui.Access{})
	if r := plain.get(t, "/ui/issues"); r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "could not be read") {
		t.Errorf("an engine without issues: %d", r.status)
	}
}
