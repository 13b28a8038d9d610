package ui

import (
	"context"
	"net/url"
	"sync"
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

// pastDaysFresh is how long the days before today are shown from the last reading. Each
// day is a pass over its calls in the ledger (36 ms for a day of 16,700 calls on SQLite),
// and a week of them on every view of the overview made it slow with a year of calls;
// those days change only when an old call is redelivered or analysed, so a reading a
// few seconds old says the same. Today is read on every view.
const pastDaysFresh = 30 * time.Second

// pastDays is the last reading of the days before today.
type pastDays struct {
	mu    sync.Mutex
	today time.Time // the day the reading was taken on
	at    time.Time
	days  []completenessDay
}

// completeness reads the ledger of the last days; nil when the engine has none.
func (s *server) completeness(ctx context.Context, now time.Time) *completenessView {
	reader, ok := s.engine.(LedgerReader)
	if !ok {
		return nil
	}
	today := now.UTC().Truncate(24 * time.Hour)
	d, err := s.completenessDay(ctx, reader, today, now)
	if err != nil {
		return &completenessView{Failed: true}
	}
	past, err := s.pastDays(ctx, reader, today, now)
	if err != nil {
		return &completenessView{Failed: true}
	}
	return &completenessView{Days: append([]completenessDay{d}, past...)}
}

// pastDays is the panel's days before today, from the last reading while it is fresh.
func (s *server) pastDays(ctx context.Context, reader LedgerReader, today, now time.Time) ([]completenessDay, error) {
	s.past.mu.Lock()
	defer s.past.mu.Unlock()
	if fresh := !s.past.at.IsZero() && s.past.today.Equal(today) && !now.Before(s.past.at) && now.Sub(s.past.at) < pastDaysFresh; fresh {
		return s.past.days, nil
	}
	var days []completenessDay
	for i := 1; i < completenessDays; i++ {
		d, err := s.completenessDay(ctx, reader, today.Add(-time.Duration(i)*24*time.Hour), now)
		if err != nil {
			return nil, err
		}
		days = append(days, d)
	}
	s.past.today, s.past.at, s.past.days = today, now, days
	return days, nil
}

// completenessDay reads one UTC day (from since; today up to now) of the ledger.
func (s *server) completenessDay(ctx context.Context, reader LedgerReader, since, now time.Time) (completenessDay, error) {
	until := since.Add(24 * time.Hour)
	if until.After(now) {
		until = now
	}
	l, err := reader.Ledger(ctx, delivery.LedgerQuery{Since: since, Until: until, Limit: 1})
	if err != nil {
		s.log.Warn("ops page: the engine failed", "what", "ledger", "error", err)
		return completenessDay{}, err
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
	return d, nil
}
