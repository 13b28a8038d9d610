package delivery

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/tidwall/gjson"

	"github.com/aloware-kendo/aloware-kendo/aloware"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// Quarantine lists quarantined events, newest first.
func (s *Service) Quarantine(ctx context.Context, limit int, cursor string) (QuarantinePage, error) {
	if limit <= 0 {
		limit = DefaultListLimit
	}
	limit = min(limit, MaxListLimit)
	var before int64
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n <= 0 {
			return QuarantinePage{}, ErrBadCursor
		}
		before = n
	}
	rows, err := s.db.ListQuarantine(ctx, limit+1, before)
	if err != nil {
		return QuarantinePage{}, err
	}
	var page QuarantinePage
	if page.Total, page.Bytes, err = s.db.QuarantineStats(ctx); err != nil {
		return QuarantinePage{}, err
	}
	page.Items = make([]QuarantinedEvent, 0, min(len(rows), limit))
	for i, q := range rows {
		if i == limit {
			page.Next = strconv.FormatInt(rows[limit-1].ID, 10)
			break
		}
		ev := QuarantinedEvent{ID: q.ID, ReceivedAt: q.ReceivedAt, Event: q.Name, Size: q.Size}
		for _, p := range q.Problems {
			ev.Problems = append(ev.Problems, Problem(p))
		}
		page.Items = append(page.Items, ev)
	}
	return page, nil
}

// ReplayQuarantine re-reads every quarantined event with the current code (after an
// upgrade, or a fix to configuration) and feeds the ones that now parse into their calls,
// in arrival order, each with its original arrival time. An event that still cannot be
// used stays where it is. by names who asked, in the log.
func (s *Service) ReplayQuarantine(ctx context.Context, by string) (ReplayResult, error) {
	var res ReplayResult
	var after int64
	for {
		q, ok, err := s.db.QuarantinedAfter(ctx, after)
		if err != nil {
			return res, err
		}
		if !ok {
			break
		}
		after = q.ID
		ev, err := aloware.Parse(q.Raw)
		if err != nil {
			continue
		}
		now := s.now()
		var rc Receipt
		err = s.intake(ctx, func(ctx context.Context, t *callTx) error {
			var err error
			if rc, err = s.storeEvent(ctx, t, ev, q.Raw, q.ReceivedAt, now); err != nil {
				return err
			}
			if err := s.refoldCall(ctx, t, ev.AlowareCallID, now); err != nil {
				return err
			}
			return s.releaseQuarantined(ctx, t.tx, q.ID)
		})
		if err != nil {
			return res, err
		}
		res.Replayed++
		s.callLog(ev.AlowareCallID).Info("quarantined event replayed", "by", by, "quarantineId", q.ID, "event", ev.Name, "status", rc.Status)
	}
	n, _, err := s.db.QuarantineStats(ctx)
	res.Remaining = n
	if err == nil {
		s.log.Info("quarantine replayed", "by", by, "replayed", res.Replayed, "remaining", res.Remaining)
	}
	return res, err
}

// refoldCall folds a call's stored events again in arrival order: a replayed event
// arrived before events that were folded already.
func (s *Service) refoldCall(ctx context.Context, t *callTx, alowareCallID string, now time.Time) error {
	if alowareCallID == "" {
		return nil
	}
	call, err := t.lock(ctx, alowareCallID)
	if err != nil {
		return err
	}
	if call.Status == lifecycle.Erased || call.PurgedAt != nil || call.Status == lifecycle.Delivering || call.Status.Sent() {
		return nil
	}
	merged, err := s.refold(ctx, t.tx, call)
	if err != nil {
		return err
	}
	return s.observe(ctx, t, &call, merged, now)
}

func (s *Service) releaseQuarantined(ctx context.Context, tx *sql.Tx, id int64) error {
	if err := s.db.Release(ctx, tx, id); err != nil {
		return fmt.Errorf("delivery: release from quarantine: %w", err)
	}
	return nil
}

// eventName reads the event name of a body that did not parse, for the quarantine's list.
func eventName(raw []byte) string {
	for _, k := range []string{"event", "Event"} {
		if v := gjson.GetBytes(raw, k); v.Type == gjson.String {
			return v.Str
		}
	}
	return ""
}
