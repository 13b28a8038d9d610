package handlers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// LedgerReader answers GET /ledger; *delivery.Service implements it.
type LedgerReader interface {
	// Ledger counts the calls first seen in a window by final state and lists a page of
	// the flagged ones (delivery.ErrBadCursor for a cursor it did not hand out).
	Ledger(ctx context.Context, q delivery.LedgerQuery) (delivery.Ledger, error)
}

type ledgerInput struct {
	Since  time.Time `query:"since" doc:"calls first seen at or after this time (RFC 3339); default: a day before until" example:"2026-08-05T00:00:00Z"`
	Until  time.Time `query:"until" doc:"calls first seen before this time (RFC 3339); default: now"`
	Cursor string    `query:"cursor" maxLength:"512" doc:"the next value of the previous page: the same window, the flags after that page"`
	Limit  int       `query:"limit" minimum:"1" maximum:"1000" default:"500" doc:"flagged entries per page"`
}

// Ledger is the answer of GET /ledger.
type Ledger struct {
	Since   time.Time      `json:"since" doc:"the window's start (first seen at or after)"`
	Until   time.Time      `json:"until" doc:"the window's end (first seen before)"`
	Calls   int            `json:"calls" doc:"calls first seen in the window; byState adds up to it"`
	ByState map[string]int `json:"byState" doc:"every call of the window in exactly one final state, every state present: analyzed (Kendo has it and analysed it), delivered (Kendo has it, no analysis reported yet), skipped (not sent: a send rule or an operator; or erased before it was sent), unanswered (not sent: nobody talked), ignored (not a phone call), failed (not in Kendo as far as we know, outcome unknown included), unrouted (no team takes it), waiting (still on its way)"`
	// FlagCounts counts the whole window, where flagged is one page.
	FlagCounts map[string]int `json:"flagCounts" doc:"flags in the whole window, by flag, every flag present (a call may carry several)"`
	Flagged    []FlaggedCall  `json:"flagged" doc:"calls a person should look at, oldest first; one entry per flag"`
	Next       string         `json:"next,omitempty" doc:"pass as cursor for the next page of flagged; absent on the last page"`
}

// FlaggedCall is one flag on one call.
type FlaggedCall struct {
	AlowareCallID string    `json:"alowareCallId" example:"940870001"`
	Flag          string    `json:"flag" enum:"failed,not_analyzed,outcome_unknown,rep_mismatch,sent_without_rep,unrouted" doc:"failed: failed for a known reason; not_analyzed: delivered and no call.uploaded within --analysis-expected-within (only with a Kendo webhook secret); outcome_unknown: Kendo may have it, nobody knows; rep_mismatch: Kendo's analysis names no agent or another than the rep sent; sent_without_rep: in Kendo without a rep e-mail; unrouted: no team takes it"`
	Since         time.Time `json:"since" doc:"since when the flag holds"`
}

type ledgerOutput struct {
	Body Ledger
}

func registerLedger(api huma.API, s *server) {
	huma.Register(api, huma.Operation{
		OperationID: "get-ledger",
		Method:      http.MethodGet,
		Path:        "/ledger",
		Summary:     "Did every call make it into Kendo?",
		Description: "The completeness ledger of a window: every call first seen in it counted in exactly one final " +
			"state (the counts add up to `calls`), and the calls flagged for a person (`outcome_unknown`, `not_analyzed`, " +
			"`rep_mismatch`, `sent_without_rep`, `unrouted`, `failed`) with since when, a page at a time: pass `next` " +
			"as `cursor` for the following page (it keeps the window).",
		Tags:     []string{"calls"},
		Errors:   []int{http.StatusUnauthorized, http.StatusUnprocessableEntity, http.StatusServiceUnavailable},
		Security: protected,
	}, s.ledger)
}

func (s *server) ledger(ctx context.Context, in *ledgerInput) (*ledgerOutput, error) {
	if err := timeOrder(in.Since, in.Until, "query."); err != nil {
		return nil, err
	}
	if s.deps.Ledger == nil {
		return nil, unavailable("delivery is not configured in this process")
	}
	l, err := s.deps.Ledger.Ledger(ctx, delivery.LedgerQuery{Since: in.Since, Until: in.Until, Cursor: in.Cursor, Limit: in.Limit})
	if errors.Is(err, delivery.ErrBadCursor) {
		return nil, badCursor(in.Cursor)
	}
	if err != nil {
		s.log.Error("get-ledger: database error", "error", err)
		return nil, unavailable("the ledger could not be read; try again")
	}
	return &ledgerOutput{Body: ledgerOf(l)}, nil
}

func ledgerOf(l delivery.Ledger) Ledger {
	out := Ledger{Since: l.Since, Until: l.Until, Calls: l.Calls, ByState: map[string]int{}, FlagCounts: map[string]int{},
		Flagged: make([]FlaggedCall, len(l.Flagged)), Next: l.Next}
	for _, st := range lifecycle.LedgerStates() {
		out.ByState[string(st)] = l.ByState[st]
	}
	for _, f := range lifecycle.Flags() {
		out.FlagCounts[string(f)] = l.FlagCounts[f]
	}
	for i, f := range l.Flagged {
		out.Flagged[i] = FlaggedCall{AlowareCallID: f.AlowareCallID, Flag: string(f.Flag), Since: f.Since}
	}
	return out
}
