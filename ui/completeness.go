package ui

import (
	"context"
	"net/url"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// LedgerReader is the engine's completeness ledger (*delivery.Service implements it). An
// engine without it (a test's fake) shows no Completeness panel.
type LedgerReader interface {
	Ledger(ctx context.Context, q delivery.LedgerQuery) (delivery.Ledger, error)
}

// completenessDays is how many days, today included, the overview's panel shows.
const completenessDays = 7

// completenessView is the overview's "Completeness" panel: per UTC day, the calls first
// seen that day by final state, and how many flags want a person.
type completenessView struct {
	Days   []completenessDay
	Failed bool // the engine could not answer
}

type completenessDay struct {
	Day                                 string
	Link                                string // the day's calls on this page
	Calls, Analyzed, Delivered, NotSent int    // not sent: skipped, unanswered, ignored
	Failed, Unrouted, Waiting, Flagged  int
	Complete                            bool // every call of the day is in Kendo or has a reason not to be, and nothing is flagged
}

// completeness reads the ledger of the last days; nil when the engine has none.
func (s *server) completeness(ctx context.Context, now time.Time) *completenessView {
	reader, ok := s.engine.(LedgerReader)
	if !ok {
		return nil
	}
	v := &completenessView{}
	today := now.UTC().Truncate(24 * time.Hour)
	for i := range completenessDays {
		since := today.Add(-time.Duration(i) * 24 * time.Hour)
		until := since.Add(24 * time.Hour)
		if until.After(now) {
			until = now
		}
		l, err := reader.Ledger(ctx, delivery.LedgerQuery{Since: since, Until: until, Limit: 1})
		if err != nil {
			s.log.Warn("ops page: the engine failed", "what", "ledger", "error", err)
			return &completenessView{Failed: true}
		}
		d := completenessDay{Day: since.Format("Mon 2 Jan"), Calls: l.Calls,
			Link:     "/ui?" + url.Values{"since": {since.Format(time.RFC3339)}, "until": {until.Format(time.RFC3339)}}.Encode() + "#calls",
			Analyzed: l.ByState[lifecycle.LedgerAnalyzed], Delivered: l.ByState[lifecycle.LedgerDelivered],
			NotSent: l.ByState[lifecycle.LedgerSkipped] + l.ByState[lifecycle.LedgerUnanswered] + l.ByState[lifecycle.LedgerIgnored],
			Failed:  l.ByState[lifecycle.LedgerFailed], Unrouted: l.ByState[lifecycle.LedgerUnrouted], Waiting: l.ByState[lifecycle.LedgerWaiting]}
		for _, n := range l.FlagCounts {
			d.Flagged += n
		}
		d.Complete = d.Failed+d.Unrouted+d.Waiting+d.Flagged == 0
		v.Days = append(v.Days, d)
	}
	return v
}
