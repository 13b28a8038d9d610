package delivery

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// LedgerQuery asks for the completeness ledger of the calls first seen in [Since, Until).
// Zero Until is now, zero Since a day before Until. A Cursor carries its window: with one,
// Since and Until are those of the first page.
type LedgerQuery struct {
	Since, Until time.Time
	Cursor       string
	Limit        int // flagged calls per page; DefaultLedgerLimit when 0
}

// DefaultLedgerLimit is how many flags a page of the ledger lists when not told.
const DefaultLedgerLimit = 500

// Ledger answers "did every call make it into Kendo?" for one window: how many calls were
// first seen in it, each counted in exactly one final state, and the calls a person should
// look at. The counts cover the whole window on every page; Flagged is one page.
type Ledger struct {
	Since, Until time.Time
	Calls        int
	ByState      map[lifecycle.LedgerState]int // every state, zeros included; they add up to Calls
	FlagCounts   map[lifecycle.Flag]int        // every flag, zeros included (a call may carry several)
	Flagged      []FlaggedCall
	Next         string // "" on the last page
}

// FlaggedCall is one flag on one call, and since when it holds.
type FlaggedCall struct {
	AlowareCallID string
	Flag          lifecycle.Flag
	Since         time.Time
	firstSeenMs   int64 // its place in the ledger's order, for the cursor
}

// Ledger counts the window's calls by ledger state and flag, and lists a page of flags.
func (s *Service) Ledger(ctx context.Context, q LedgerQuery) (Ledger, error) {
	var after *ledgerCursor
	if q.Cursor != "" {
		c, err := decodeLedgerCursor(q.Cursor)
		if err != nil {
			return Ledger{}, err
		}
		q.Since, q.Until, after = store.FromMillis(c.Since), store.FromMillis(c.Until), &c
	}
	now := s.now()
	if q.Until.IsZero() {
		q.Until = now
	}
	if q.Since.IsZero() {
		q.Since = q.Until.Add(-24 * time.Hour)
	}
	if q.Limit <= 0 {
		q.Limit = DefaultLedgerLimit
	}
	w := store.LedgerWindow{Since: q.Since, Until: q.Until, Now: now}
	if s.opts.ExpectAnalysis {
		w.AnalysisDue = s.opts.AnalysisExpectedWithin
	}
	l := Ledger{Since: q.Since.UTC(), Until: q.Until.UTC(), ByState: map[lifecycle.LedgerState]int{}, FlagCounts: map[lifecycle.Flag]int{}}
	for _, st := range lifecycle.LedgerStates() {
		l.ByState[st] = 0
	}
	for _, f := range lifecycle.Flags() {
		l.FlagCounts[f] = 0
	}
	counts, err := s.db.LedgerCounts(ctx, w)
	if err != nil {
		return Ledger{}, err
	}
	for _, c := range counts {
		l.ByState[lifecycle.Ledger(c.LedgerFacts)] += c.Calls
		l.Calls += c.Calls
		for _, f := range lifecycle.FlagsOf(c.LedgerFacts) {
			l.FlagCounts[f] += c.Calls
		}
	}
	l.Flagged, l.Next, err = s.ledgerPage(ctx, w, after, q.Limit)
	return l, err
}

// ledgerPage lists up to limit flags after the cursor, and the cursor of the next page
// ("" when this is the last). A call's flags are listed together, in lifecycle.Flags'
// order; a page may end between two flags of one call.
func (s *Service) ledgerPage(ctx context.Context, w store.LedgerWindow, after *ledgerCursor, limit int) ([]FlaggedCall, string, error) {
	var from *store.LedgerPosition
	if after != nil {
		from = &store.LedgerPosition{FirstSeenMs: after.FirstSeen, AlowareCallID: after.ID}
	}
	// A call carries at most three flags: limit+1 calls hold more than a page.
	calls, err := s.db.LedgerCandidates(ctx, w, from, limit+1)
	if err != nil {
		return nil, "", err
	}
	out := []FlaggedCall{}
	for _, c := range calls {
		for _, f := range lifecycle.FlagsOf(c.LedgerFacts) {
			if after != nil && c.AlowareCallID == after.ID && c.FirstSeenMs == after.FirstSeen && f <= lifecycle.Flag(after.Flag) {
				continue // listed on the page before
			}
			if len(out) == limit {
				last := out[limit-1]
				return out, encodeLedgerCursor(ledgerCursor{Since: store.Millis(w.Since), Until: store.Millis(w.Until),
					FirstSeen: last.firstSeenMs, ID: last.AlowareCallID, Flag: string(last.Flag)}), nil
			}
			out = append(out, FlaggedCall{AlowareCallID: c.AlowareCallID, Flag: f, Since: flagSince(c, f, w.AnalysisDue), firstSeenMs: c.FirstSeenMs})
		}
	}
	return out, "", nil
}

// flagSince is when a flag began to hold: the failure or routing verdict (the call's last
// change), the delivery, the analysis, or the moment the analysis became overdue.
func flagSince(c store.LedgerCall, f lifecycle.Flag, due time.Duration) time.Time {
	at := c.Updated
	switch f {
	case lifecycle.FlagSentWithoutRep:
		at = c.Delivered
	case lifecycle.FlagRepMismatch:
		at = c.Analyzed
	case lifecycle.FlagNotAnalyzed:
		if c.Delivered != nil {
			return c.Delivered.Add(due)
		}
	}
	if at == nil {
		at = c.Updated
	}
	return *at
}

// ledgerCursor is the position after the last flag of a page, with the page's window
// (so a later page counts the same window even when Until was "now").
type ledgerCursor struct {
	Since     int64  `json:"s"`
	Until     int64  `json:"u"`
	FirstSeen int64  `json:"f"`
	ID        string `json:"i"`
	Flag      string `json:"g"`
}

func encodeLedgerCursor(c ledgerCursor) string {
	b, _ := json.Marshal(c) // plain fields always marshal
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeLedgerCursor(s string) (ledgerCursor, error) {
	var c ledgerCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.Until <= c.Since || c.ID == "" || c.Flag == "" {
		return ledgerCursor{}, ErrBadCursor
	}
	return c, nil
}
