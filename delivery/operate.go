package delivery

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// ErrBadCursor: a cursor this service did not hand out.
var ErrBadCursor = errors.New("invalid cursor")

// ListCalls lists calls newest first (by first-seen time), filtered.
func (s *Service) ListCalls(ctx context.Context, f ListFilter) (CallPage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultListLimit
	}
	limit = min(limit, MaxListLimit)
	sf := storeFilter(f)
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor)
		if err != nil {
			return CallPage{}, err
		}
		sf.Before = &c
	}
	sf.Limit = limit + 1
	rows, err := s.db.ListCalls(ctx, sf)
	if err != nil {
		return CallPage{}, err
	}
	page := CallPage{Items: make([]CallSummary, 0, min(len(rows), limit))}
	for i, r := range rows {
		if i == limit {
			last := rows[limit-1]
			page.Next = encodeCursor(store.Cursor{FirstSeenMs: store.Millis(last.FirstSeen), AlowareCallID: last.AlowareCallID})
			break
		}
		page.Items = append(page.Items, CallSummary{AlowareCallID: r.AlowareCallID, Status: r.Status, Reason: r.Reason, Team: r.Team,
			Direction: r.Direction, RepEmail: r.RepEmail, CallDate: r.CallDate, Attempts: r.Attempts, LastError: r.LastError,
			KendoCallID: r.KendoCallID, OutcomeUnknown: r.OutcomeUnknown, FirstSeenAt: r.FirstSeen, UpdatedAt: r.Updated, PurgedAt: r.PurgedAt})
	}
	return page, nil
}

func storeFilter(f ListFilter) store.CallFilter {
	return store.CallFilter{Statuses: f.Statuses, Since: f.Since, Until: f.Until, Query: strings.TrimSpace(f.Query), IDs: f.IDs,
		UpdatedSince: f.UpdatedSince}
}

func encodeCursor(c store.Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.FirstSeenMs, 10) + ":" + c.AlowareCallID))
}

func decodeCursor(s string) (store.Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return store.Cursor{}, ErrBadCursor
	}
	ms, id, ok := strings.Cut(string(b), ":")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || id == "" {
		return store.Cursor{}, ErrBadCursor
	}
	return store.Cursor{FirstSeenMs: n, AlowareCallID: id}, nil
}

// RedeliverMany queues every redeliverable call the filter matches (failed, skipped
// with something to send, unrouted), each at most once however often it is asked: a
// call already queued is no longer redeliverable. A call Kendo may already have
// (outcome unknown) is queued only when opts asks for it; a dry run answers the same
// counts and queues nothing. by names who asked (for the reason shown on each call).
// They go out at the normal pace.
func (s *Service) RedeliverMany(ctx context.Context, f ListFilter, opts BulkOptions, by string) (BulkResult, error) {
	res := BulkResult{Excluded: map[string]int{}}
	sf := storeFilter(f)
	if len(sf.Statuses) == 0 {
		sf.Statuses = lifecycle.RedeliverableStatuses()
	} else {
		sf.Statuses = slices.DeleteFunc(slices.Clone(sf.Statuses), func(st lifecycle.Status) bool { return !st.Redeliverable() })
		if len(sf.Statuses) == 0 {
			return res, nil
		}
	}
	ids, err := s.db.CallIDs(ctx, sf)
	if err != nil {
		return res, err
	}
	// One order for every bulk redelivery, so two at once lock their calls in the same
	// order (PostgreSQL) instead of deadlocking.
	slices.Sort(ids)
	res.Matched = len(ids)
	for batch := range slices.Chunk(ids, bulkBatchSize) {
		out, err := s.redeliverBatch(ctx, batch, opts, by)
		res.Queued += len(out.queued)
		for reason, n := range out.excluded {
			res.Excluded[reason] += n
		}
		if err != nil {
			return res, err
		}
		if opts.DryRun {
			continue
		}
		for _, id := range out.queued {
			s.callLog(id).Info("redelivery requested", "by", by)
		}
		for _, id := range out.unrouted {
			s.callLog(id).Warn("redelivery requested, but no team takes the call: it stays unrouted", "by", by)
		}
	}
	s.log.Info("bulk redelivery", "by", by, "dryRun", opts.DryRun, "includeOutcomeUnknown", opts.IncludeOutcomeUnknown,
		"matched", res.Matched, "queued", res.Queued, "excluded", res.Excluded)
	return res, nil
}

// bulkBatchSize is how many calls one transaction of a bulk redelivery queues. A commit
// is most of a call's cost (SQLite's fsync, PostgreSQL's WAL flush): 1,000 failed calls
// took 5–12 s to queue one transaction each, 1–3 s in batches of 100. A batch holds its
// calls (and, on SQLite, the database) for about 100 ms: an event or a delivery that
// needs one of them meanwhile waits that long.
const bulkBatchSize = 100

type batchOutcome struct {
	queued, unrouted []string
	excluded         map[string]int
}

// errDryRun rolls a dry run's transaction back once it has counted.
var errDryRun = errors.New("delivery: dry run")

// redeliverBatch queues the redeliverable calls of ids in one transaction and says which
// it queued and why it left the others as they are (outcome unknown, no longer
// redeliverable, purged, gone, or still unrouted). A dry run does exactly the same in a
// transaction it rolls back, so its answer is what a real run would have done then.
func (s *Service) redeliverBatch(ctx context.Context, ids []string, opts BulkOptions, by string) (batchOutcome, error) {
	now := s.now()
	var out batchOutcome
	err := s.inTx(ctx, func(ctx context.Context, t *callTx) error {
		out = batchOutcome{excluded: map[string]int{}} // the transaction may run again
		for _, id := range ids {
			routed, err := s.redeliverIn(ctx, t, id, by, now, opts.IncludeOutcomeUnknown)
			switch {
			case err == nil && routed:
				out.queued = append(out.queued, id)
			case err == nil:
				out.unrouted = append(out.unrouted, id)
				out.excluded[ExcludedUnrouted]++
			case errors.Is(err, ErrOutcomeUnknown):
				out.excluded[ExcludedOutcomeUnknown]++
			case errors.Is(err, ErrPurged):
				out.excluded[ExcludedPurged]++
			case errors.Is(err, ErrNotRedeliverable), errors.Is(err, store.ErrNoCall):
				out.excluded[ExcludedNotRedeliverable]++
			default:
				return err
			}
		}
		if opts.DryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	if err != nil {
		return batchOutcome{}, err
	}
	return out, nil
}

// Skip stops a call that is not sent yet (received, scheduled or unrouted): the call becomes
// skipped and by is named in its reason. ErrNotFound, or ErrNotSkippable.
func (s *Service) Skip(ctx context.Context, alowareCallID, by string) (CallRecord, error) {
	err := s.transition(ctx, alowareCallID, lifecycle.Skip{By: by})
	if errors.Is(err, store.ErrNoCall) {
		return CallRecord{}, ErrNotFound
	}
	if err != nil {
		return CallRecord{}, err
	}
	s.callLog(alowareCallID).Info("call skipped by an operator", "by", by)
	return s.Call(ctx, alowareCallID)
}

// Erase deletes a call's stored content now (the right to erasure), cancels a pending
// delivery and leaves the tombstone status erased, its reason naming by: later events of
// the call are acknowledged and dropped, never sent. ErrNotFound for an id never seen.
func (s *Service) Erase(ctx context.Context, alowareCallID, by string) (CallRecord, error) {
	now := s.now()
	err := s.inTx(ctx, func(ctx context.Context, t *callTx) error {
		call, err := t.lock(ctx, alowareCallID)
		if err != nil {
			return err
		}
		if err := s.dropContent(ctx, t.tx, &call); err != nil {
			return err
		}
		if call.KendoCallID != "" { // Kendo's analysis webhooks carry the agent's name
			if err := s.db.EraseWebhooks(ctx, t.tx, call.KendoCallID); err != nil {
				return err
			}
		}
		_, err = t.apply(ctx, &call, lifecycle.Erase{By: by}, now, nil)
		return err
	})
	if errors.Is(err, store.ErrNoCall) {
		return CallRecord{}, ErrNotFound
	}
	if err != nil {
		return CallRecord{}, err
	}
	s.forget(context.WithoutCancel(ctx), "erasure") // before answering: erased means gone from the files too
	s.callLog(alowareCallID).Info("call content erased on request", "by", by)
	return s.Call(ctx, alowareCallID)
}

// chartHours is how far back the ops page's deliveries chart reaches.
const chartHours = 6

// Overview is the ops page's tiles, key windows and deliveries chart.
func (s *Service) Overview(ctx context.Context) (Overview, error) {
	now := s.now()
	o := Overview{Now: now, Since: now.Add(-24 * time.Hour)}
	act, err := s.db.ActivitySince(ctx, o.Since)
	if err != nil {
		return o, err
	}
	o.Received, o.Delivered, o.Analyzed = act.Received, act.Delivered, act.Analyzed
	counts, err := s.db.CountByStatus(ctx)
	if err != nil {
		return o, err
	}
	o.Queued, o.Failed = queued(counts), counts[lifecycle.Failed]
	if o.Quarantined, _, err = s.db.QuarantineStats(ctx); err != nil {
		return o, err
	}
	if o.OldestQueued, err = s.db.OldestQueued(ctx); err != nil {
		return o, err
	}
	backlog, err := s.db.Backlog(ctx)
	if err != nil {
		return o, err
	}
	pauses, err := s.db.Pauses(ctx)
	if err != nil {
		return o, err
	}
	for _, t := range s.opts.Teams.Teams() {
		k := KeyUse{Team: t.Name, KeyID: t.KeyID(), Limit: t.Rate.Limit, Period: t.Rate.Period, Backlog: backlog[t.Name]}
		if k.InWindow, err = s.db.SlotsInWindow(ctx, t.KeyID(), t.Rate.Period, now); err != nil {
			return o, err
		}
		if t.Rate.Limit > 0 {
			k.DrainTime = time.Duration(k.Backlog) * t.Rate.Period / time.Duration(t.Rate.Limit)
		}
		for _, p := range pauses {
			if p.KeyID == t.KeyID() {
				since := p.Since
				k.Paused, k.PausedSince = true, &since
				k.PauseReason = fmt.Sprintf("Kendo refused the key (HTTP %d) since %s", p.HTTPStatus, p.Since.Format(time.RFC3339))
			}
		}
		o.Keys = append(o.Keys, k)
	}
	perMinute, err := s.db.AttemptsPerMinute(ctx, now.Add(-chartHours*time.Hour))
	if err != nil {
		return o, err
	}
	for _, m := range perMinute {
		o.PerMinute = append(o.PerMinute, MinuteCount(m))
	}
	return o, nil
}
