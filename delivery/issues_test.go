package delivery_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// Open issues are grouped by cause, with counts and first/last seen, and one action
// redelivers a whole group under the bulk rules (each call once; an unrouted group is
// routed again and stays unrouted while no team takes it).
func TestIssuesGroupByCauseAndRedeliverTheGroup(t *testing.T) {
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			k := newKendo(t, kendo.Rate{Limit: 1000, Period: time.Second})
			var refuse atomic.Bool
			refuse.Store(true)
			k.SetFault(func(_ int64, w http.ResponseWriter, _ *http.Request) bool {
				if !refuse.Load() {
					return false
				}
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"message":"repEmail is not a member of team support"}`)
				return true
			})
			svc := startEngine(t, db(t), k.URL(), engineOpts{teams: loadTeams(t, "two-teams.yaml")})
			calls := pushBacklog(t, svc, "inbound-940870001", "940870001", 7000, 3, "support")
			for _, raw := range recorded(t, "inbound-940870001") {
				accept(t, svc, withID(withID(withID(raw, "940870001", "7999"), "64010", "64999"), "29109", "29999"))
			}
			for _, c := range calls {
				waitStatus(t, svc, c.id, lifecycle.Failed, 30*time.Second)
			}
			ctx := context.Background()
			issues, err := svc.Issues(ctx)
			if err != nil {
				t.Fatal(err)
			}
			byKind := map[delivery.IssueKind]delivery.Issue{}
			for _, is := range issues {
				byKind[is.Kind] = is
			}
			failed, unrouted := byKind[delivery.IssueFailed], byKind[delivery.IssueUnrouted]
			if len(issues) != 2 || failed.Calls != 3 || !strings.Contains(failed.Key.Cause, "repEmail is not a member of team support") ||
				unrouted.Calls != 1 || !strings.Contains(unrouted.Key.Cause, "campaign 64999") {
				t.Fatalf("issues %+v", issues)
			}
			if failed.FirstSeen.IsZero() || failed.LastSeen.Before(failed.FirstSeen) {
				t.Errorf("first %s last %s", failed.FirstSeen, failed.LastSeen)
			}

			refuse.Store(false) // the operator fixed the rep map
			res, err := svc.RedeliverIssue(ctx, failed.ID, delivery.BulkOptions{}, "a test")
			if err != nil || res.Matched != 3 || res.Queued != 3 {
				t.Fatalf("redeliver the group: %+v, %v", res, err)
			}
			for _, c := range calls {
				waitStatus(t, svc, c.id, lifecycle.Delivered, 30*time.Second)
			}
			if again, err := svc.RedeliverIssue(ctx, failed.ID, delivery.BulkOptions{}, "a test"); err != nil || again.Queued != 0 {
				t.Fatalf("a second click queued %+v (%v)", again, err)
			}
			res, err = svc.RedeliverIssue(ctx, unrouted.ID, delivery.BulkOptions{}, "a test")
			if err != nil || res.Matched != 1 || res.Queued != 0 || res.Excluded[delivery.ExcludedUnrouted] != 1 {
				t.Fatalf("route the unrouted group again: %+v, %v", res, err)
			}
			if issues, _ := svc.Issues(ctx); len(issues) != 1 || issues[0].Kind != delivery.IssueUnrouted {
				t.Fatalf("after the redelivery: %+v", issues)
			}
		})
	}
}

// The delivered calls the ledger flags are open issues too, one group per flag with its
// count and first/last seen; their group has no redelivery: Kendo has the calls.
func TestIssuesListTheLedgersFlagsOfDeliveredCalls(t *testing.T) {
	const mismatched, withoutRep, overdue = "940868901", "940868902", "940868903"
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			k := newKendo(t, kendo.Rate{Limit: 1000, Period: time.Second})
			svc := startEngine(t, db(t), k.URL(), engineOpts{settle: 10 * time.Millisecond, analysisWithin: time.Millisecond})
			for _, id := range []string{mismatched, withoutRep, overdue} {
				for _, raw := range recorded(t, "outbound-940868616") {
					raw = withID(raw, "940868616", id)
					if id == withoutRep {
						raw = replace("sam.carter@example.com", "")(raw)
					}
					accept(t, svc, raw)
				}
			}
			ctx := context.Background()
			for _, id := range []string{mismatched, withoutRep, overdue} {
				rec := waitStatus(t, svc, id, lifecycle.Delivered, 30*time.Second)
				if id == overdue {
					continue
				}
				if _, err := svc.RecordAnalysis(ctx, kendo.WebhookEvent{Event: "call.uploaded", ID: "evt_" + id,
					Data: kendo.WebhookCall{KendoCallID: rec.KendoCallID, AgentName: "Alex Kim"}}, []byte(`{}`)); err != nil {
					t.Fatal(err)
				}
			}
			issues, err := svc.Issues(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got := map[lifecycle.Flag]delivery.Issue{}
			for _, is := range issues {
				if is.Kind != delivery.IssueFlagged || is.Key.Flag == "" {
					t.Errorf("issue %+v: want only the ledger's flags of delivered calls", is)
				}
				got[is.Key.Flag] = is
			}
			for _, f := range []lifecycle.Flag{lifecycle.FlagNotAnalyzed, lifecycle.FlagRepMismatch, lifecycle.FlagSentWithoutRep} {
				if is := got[f]; is.Calls != 1 || is.FirstSeen.IsZero() || is.LastSeen.Before(is.FirstSeen) || is.Key.Cause == "" {
					t.Errorf("%s: %+v", f, is)
				}
			}
			if len(got) != 3 {
				t.Errorf("issues %+v", issues)
			}
			res, err := svc.RedeliverIssue(ctx, got[lifecycle.FlagNotAnalyzed].ID, delivery.BulkOptions{IncludeOutcomeUnknown: true}, "a test")
			if err != nil || res.Matched != 0 || res.Queued != 0 {
				t.Fatalf("a flag of delivered calls redelivered: %+v, %v", res, err)
			}
			if rec, _ := svc.Call(ctx, overdue); rec.Status != lifecycle.Delivered || len(k.Payloads(t)) != 3 {
				t.Fatalf("the overdue call after the action: %s, Kendo has %d", rec.Status, len(k.Payloads(t)))
			}
		})
	}
}
