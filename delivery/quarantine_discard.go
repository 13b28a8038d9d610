package delivery

import (
	"context"
	"errors"
	"time"

	"github.com/aloware-kendo/aloware-kendo/store"
)

var (
	// ErrNotQuarantined: no quarantined event has this id (discarded or replayed
	// already, or never there).
	ErrNotQuarantined = errors.New("no such event in the quarantine")
	// ErrDiscardWhat: a discard that names no event. Discarding everything takes All,
	// so an empty filter cannot wipe the quarantine by mistake.
	ErrDiscardWhat = errors.New("say which quarantined events to discard: all, ids, an event name or a time")
)

// DiscardFilter selects quarantined events to discard: All, or the events that match
// every criterion given.
type DiscardFilter struct {
	All            bool
	IDs            []int64
	Event          string    // the event name, as GET /quarantine lists it
	ReceivedBefore time.Time // received before it
}

func (f DiscardFilter) empty() bool {
	return len(f.IDs) == 0 && f.Event == "" && f.ReceivedBefore.IsZero()
}

// DiscardResult answers a discard: how many events went, and how many are left.
type DiscardResult struct {
	Discarded int
	Remaining int
}

// DiscardQuarantined deletes one quarantined event for good (it will never be replayed);
// ErrNotQuarantined when there is none with that id. by names who asked, in the log.
func (s *Service) DiscardQuarantined(ctx context.Context, id int64, by string) (DiscardResult, error) {
	res, err := s.discard(ctx, DiscardFilter{IDs: []int64{id}}, by)
	if err == nil && res.Discarded == 0 {
		return res, ErrNotQuarantined
	}
	return res, err
}

// DiscardQuarantine deletes the quarantined events f selects for good (ErrDiscardWhat
// for a filter that names none and is not All). by names who asked, in the log.
func (s *Service) DiscardQuarantine(ctx context.Context, f DiscardFilter, by string) (DiscardResult, error) {
	if !f.All && f.empty() {
		return DiscardResult{}, ErrDiscardWhat
	}
	if f.All {
		f = DiscardFilter{}
	}
	return s.discard(ctx, f, by)
}

func (s *Service) discard(ctx context.Context, f DiscardFilter, by string) (DiscardResult, error) {
	var gone []store.Quarantined
	err := s.inTx(ctx, func(ctx context.Context, t *callTx) error {
		var err error
		gone, err = s.db.DiscardQuarantined(ctx, t.tx, store.QuarantineFilter{IDs: f.IDs, Event: f.Event, ReceivedBefore: f.ReceivedBefore})
		return err
	})
	if err != nil {
		return DiscardResult{}, err
	}
	for _, q := range gone {
		s.log.Info("quarantined event discarded", "by", by, "quarantineId", q.ID, "event", store.Text(q.Name, 200))
	}
	res := DiscardResult{Discarded: len(gone)}
	if res.Remaining, _, err = s.db.QuarantineStats(ctx); err != nil {
		return res, err
	}
	s.log.Info("quarantine discarded", "by", by, "discarded", res.Discarded, "remaining", res.Remaining)
	return res, nil
}
