package delivery

import (
	"context"
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// Issue is one group of calls waiting for a person, by cause: what the ops page lists as
// an open issue, with one action for all of its calls.
type Issue struct {
	Kind      IssueKind
	Key       IssueKey
	Calls     int
	FirstSeen time.Time
	LastSeen  time.Time
}

// IssueKind sorts issues as the operator acts on them.
type IssueKind string

const (
	IssueFailed   IssueKind = "failed"   // redeliver once the cause is fixed
	IssueFlagged  IssueKind = "flagged"  // Kendo may have them (outcome unknown): check Kendo, then redeliver
	IssueUnrouted IssueKind = "unrouted" // fix the teams file, then route again
)

// IssueKey names one group: the calls of a status (outcome unknown apart) with one cause.
type IssueKey struct {
	Status         lifecycle.Status
	OutcomeUnknown bool
	Cause          string
}

// maxIssues bounds the groups listed; the rest are in the call list's filters.
const maxIssues = 50

// Issues lists the open issues (failed, flagged, unrouted calls whose content is kept),
// grouped by cause, largest first.
func (s *Service) Issues(ctx context.Context) ([]Issue, error) {
	groups, err := s.db.IssueGroups(ctx, maxIssues)
	if err != nil {
		return nil, err
	}
	out := make([]Issue, len(groups))
	for i, g := range groups {
		kind := IssueFailed
		switch {
		case g.Status == lifecycle.Unrouted:
			kind = IssueUnrouted
		case g.OutcomeUnknown:
			kind = IssueFlagged
		}
		out[i] = Issue{Kind: kind, Key: IssueKey{Status: g.Status, OutcomeUnknown: g.OutcomeUnknown, Cause: g.Cause},
			Calls: g.Calls, FirstSeen: g.FirstSeen, LastSeen: g.LastSeen}
	}
	return out, nil
}

// RedeliverIssue redelivers the calls of one issue group under the rules of
// RedeliverMany: each queued at most once, outcome-unknown calls only when opts says so,
// unrouted ones routed again (and left unrouted while no team takes them).
func (s *Service) RedeliverIssue(ctx context.Context, key IssueKey, opts BulkOptions, by string) (BulkResult, error) {
	ids, err := s.db.IssueCallIDs(ctx, key.Status, key.OutcomeUnknown, key.Cause)
	if err != nil {
		return BulkResult{}, err
	}
	if len(ids) == 0 {
		return BulkResult{Excluded: map[string]int{}}, nil
	}
	return s.RedeliverMany(ctx, ListFilter{IDs: ids, Statuses: []lifecycle.Status{key.Status}}, opts, by)
}
