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
