package delivery

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// Issue is one group of calls waiting for a person, by cause: what the ops page lists as
// an open issue, with one action for all of its calls.
type Issue struct {
	ID        string // names the group in an action without carrying its cause (which may quote a call's content)
	Kind      IssueKind
	Key       IssueKey
	Calls     int
	FirstSeen time.Time
	LastSeen  time.Time
	Before    time.Time // not_analyzed: the calls delivered up to it are overdue
}

// IssueKind sorts issues as the operator acts on them.
type IssueKind string

const (
	IssueFailed   IssueKind = "failed"   // redeliver once the cause is fixed
	IssueFlagged  IssueKind = "flagged"  // Kendo may have them (outcome unknown): check Kendo, then redeliver; or delivered with a flag of the ledger
	IssueUnrouted IssueKind = "unrouted" // fix the teams file, then route again
)

// IssueKey names one group: the calls of a status (outcome unknown apart) with one cause,
// or the delivered calls carrying one flag of the ledger.
type IssueKey struct {
	Status         lifecycle.Status
	OutcomeUnknown bool
	Cause          string
	// Flag: the ledger's flag of a group of delivered calls (not_analyzed, rep_mismatch,
	// sent_without_rep), fixed outside this service and never by sending again; "" for
	// failed and unrouted calls.
	Flag lifecycle.Flag
}

// maxIssues bounds the groups listed; the rest are in the call list's filters.
const maxIssues = 50

// Issues lists the open issues (failed, flagged, unrouted calls whose content is kept),
// grouped by cause, largest first; then the delivered calls the ledger flags, one group
// per flag (not_analyzed only when Kendo's analysis is expected).
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
		key := IssueKey{Status: g.Status, OutcomeUnknown: g.OutcomeUnknown, Cause: g.Cause}
		out[i] = Issue{ID: key.id(), Kind: kind, Key: key, Calls: g.Calls, FirstSeen: g.FirstSeen, LastSeen: g.LastSeen}
	}
	var due time.Time
	if s.opts.ExpectAnalysis {
		due = s.now().Add(-s.opts.AnalysisExpectedWithin)
	}
	flags, err := s.db.FlagGroups(ctx, due)
	if err != nil {
		return nil, err
	}
	for _, g := range flags {
		key := IssueKey{Cause: flagCause(g.Flag, s.opts.AnalysisExpectedWithin), Flag: g.Flag}
		is := Issue{ID: key.id(), Kind: IssueFlagged, Key: key, Calls: g.Calls, FirstSeen: g.FirstSeen, LastSeen: g.LastSeen}
		if g.Flag == lifecycle.FlagNotAnalyzed {
			is.FirstSeen, is.LastSeen, is.Before = g.FirstSeen.Add(s.opts.AnalysisExpectedWithin), g.LastSeen.Add(s.opts.AnalysisExpectedWithin), due
		}
		out = append(out, is)
	}
	return out, nil
}

// flagCause says what a flag of delivered calls means, as an issue's cause.
func flagCause(f lifecycle.Flag, analysisWithin time.Duration) string {
	switch f {
	case lifecycle.FlagNotAnalyzed:
		return "delivered, but not analysed: no call.uploaded from Kendo within " + analysisWithin.String()
	case lifecycle.FlagRepMismatch:
		return "Kendo credited another agent than the rep sent, or none: the rep's e-mail in --rep-email-map may be wrong"
	case lifecycle.FlagSentWithoutRep:
		return "sent without a rep: no usable e-mail for the agent, so Kendo credits the call to nobody"
	}
	return string(f)
}

// id is a digest of the key: stable while the group exists, and free of its cause.
func (k IssueKey) id() string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%t\x00%s\x00%s", k.Status, k.OutcomeUnknown, k.Cause, k.Flag)))
	return hex.EncodeToString(sum[:12])
}

// RedeliverIssue redelivers the calls of the open issue with this id (Issue.ID) under the
// rules of RedeliverMany: each queued at most once, outcome-unknown calls only when opts
// says so, unrouted ones routed again (and left unrouted while no team takes them). An
// issue that is gone (its calls were redelivered meanwhile) matches nothing.
func (s *Service) RedeliverIssue(ctx context.Context, id string, opts BulkOptions, by string) (BulkResult, error) {
	issues, err := s.Issues(ctx)
	if err != nil {
		return BulkResult{}, err
	}
	for _, is := range issues {
		if is.ID == id {
			return s.redeliverGroup(ctx, is.Key, opts, by)
		}
	}
	return BulkResult{Excluded: map[string]int{}}, nil
}

func (s *Service) redeliverGroup(ctx context.Context, key IssueKey, opts BulkOptions, by string) (BulkResult, error) {
	if key.Flag != "" { // delivered calls: Kendo has them, they are never sent again
		return BulkResult{Excluded: map[string]int{}}, nil
	}
	ids, err := s.db.IssueCallIDs(ctx, key.Status, key.OutcomeUnknown, key.Cause)
	if err != nil {
		return BulkResult{}, err
	}
	if len(ids) == 0 {
		return BulkResult{Excluded: map[string]int{}}, nil
	}
	return s.RedeliverMany(ctx, ListFilter{IDs: ids, Statuses: []lifecycle.Status{key.Status}}, opts, by)
}
