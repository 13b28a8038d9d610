package delivery

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// Call returns the state of one call: its events (names and times), its attempts and
// Kendo's answers, the body its latest request sent (or would send now), and what
// Kendo's analysis said.
func (s *Service) Call(ctx context.Context, alowareCallID string) (CallRecord, error) {
	call, err := s.db.GetCall(ctx, alowareCallID)
	if errors.Is(err, store.ErrNoCall) {
		return CallRecord{}, ErrNotFound
	}
	if err != nil {
		return CallRecord{}, err
	}
	events, err := s.db.Events(ctx, s.db.SQL, alowareCallID, false)
	if err != nil {
		return CallRecord{}, err
	}
	attempts, err := s.db.Attempts(ctx, s.db.SQL, alowareCallID)
	if err != nil {
		return CallRecord{}, err
	}
	rec := CallRecord{
		AlowareCallID:  call.AlowareCallID,
		Status:         call.Status,
		Reason:         call.Reason,
		KendoCallID:    call.KendoCallID,
		Attempts:       call.Attempts,
		LastError:      call.LastError,
		FirstSeenAt:    call.FirstSeen,
		UpdatedAt:      call.Updated,
		DeliveredAt:    call.DeliveredAt,
		Events:         make([]EventSeen, 0, len(events)),
		Team:           call.Team,
		Direction:      call.Direction,
		RepEmail:       call.RepEmail,
		CallDate:       call.CallDate,
		OutcomeUnknown: call.OutcomeUnknown,
		PurgedAt:       call.PurgedAt,
		Warnings:       []string{},
	}
	if call.Status == lifecycle.Scheduled {
		rec.NextAttemptAt = call.DeliverAfter
	}
	if call.AnalyzedAt != nil {
		rec.Analysis = &Analysis{AIScore: call.AIScore, AgentName: call.AgentName, ReceivedAt: *call.AnalyzedAt}
	}
	seen := map[string]bool{}
	for _, e := range events {
		rec.Events = append(rec.Events, EventSeen{Name: e.Name, Kind: e.Kind, ReceivedAt: e.ReceivedAt})
		if len(e.Late.New) > 0 {
			rec.LateArtifacts = append(rec.LateArtifacts, lateArtifact(e, call.DeliveredAt))
		}
		for _, w := range strings.Split(e.Warnings, "\n") {
			if w != "" && !seen[w] {
				seen[w] = true
				rec.Warnings = append(rec.Warnings, w)
			}
		}
	}
	for _, a := range attempts {
		rec.AttemptLog = append(rec.AttemptLog, Attempt{N: a.N, StartedAt: a.Started, FinishedAt: a.Finished, Outcome: a.Outcome,
			HTTPStatus: a.HTTPStatus, Message: a.Message, KendoCallID: a.KendoCallID, BodySHA256: a.BodySHA256, BodyBytes: a.BodySize})
	}
	if rec.Payload, err = s.payloadOf(ctx, s.db.SQL, call); err != nil {
		return CallRecord{}, err
	}
	return rec, nil
}

// RedeliverOptions is what an operator says with a redelivery of one call.
type RedeliverOptions struct {
	// IncludeOutcomeUnknown: the operator checked Kendo and accepts sending a call whose
	// earlier request may have reached it; without it such a call is ErrOutcomeUnknown.
	IncludeOutcomeUnknown bool
}

// Redeliver queues a failed, skipped or unrouted call again (routing it again under the
// current teams file): a new generation, so River accepts a new job for it. by names who
// asked, in the log and in the call's reason.
func (s *Service) Redeliver(ctx context.Context, alowareCallID string, opts RedeliverOptions, by string) (CallRecord, error) {
	if _, err := s.redeliver(ctx, alowareCallID, by, opts.IncludeOutcomeUnknown); err != nil {
		return CallRecord{}, err
	}
	return s.Call(ctx, alowareCallID)
}

// redeliver routes the call again and queues it; queued is false when it stays
// unrouted (no team of the current file takes it).
func (s *Service) redeliver(ctx context.Context, alowareCallID, by string, outcomeUnknownOK bool) (queued bool, err error) {
	now := s.now()
	err = s.inTx(ctx, func(ctx context.Context, t *callTx) error {
		queued, err = s.redeliverIn(ctx, t, alowareCallID, by, now, outcomeUnknownOK)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNoCall):
		return false, ErrNotFound
	case err == nil && queued:
		s.callLog(alowareCallID).Info("redelivery requested", "by", by)
	case err == nil:
		s.callLog(alowareCallID).Warn("redelivery requested, but no team takes the call: it stays unrouted", "by", by)
	}
	return queued, err
}

// ErrOutcomeUnknown: the call may already be at Kendo (a request reached it and no answer
// was recorded), and the redelivery did not say that this risk is accepted.
var ErrOutcomeUnknown = errors.New("delivery: Kendo may already have this call: an earlier request reached it and no answer was recorded")

// redeliverIn queues one call again inside tx: its row is locked, so however many ask at
// once, one of them queues it and the others find it no longer redeliverable. queued is
// false when the call stays unrouted. A call Kendo may already have is queued only with
// outcomeUnknownOK (ErrOutcomeUnknown otherwise), decided under the same lock; a purged
// call cannot be sent at all, and says so first (ErrPurged).
func (s *Service) redeliverIn(ctx context.Context, t *callTx, alowareCallID, by string, now time.Time, outcomeUnknownOK bool) (queued bool, err error) {
	call, err := t.lock(ctx, alowareCallID)
	if err != nil {
		return false, err
	}
	if call.OutcomeUnknown && call.Status.Redeliverable() && call.PurgedAt == nil && !outcomeUnknownOK {
		return false, ErrOutcomeUnknown
	}
	in := lifecycle.Redeliver{By: by}
	if call.PurgedAt == nil {
		merged, err := s.mergedCall(ctx, t.tx, call)
		if err != nil {
			return false, err
		}
		in.Team, in.Routed, in.Unrouted = s.route(merged)
	}
	_, err = t.apply(ctx, &call, in, now, nil)
	return in.Routed, err
}

// waitPoll is how often a waiting caller re-reads its call. Polling the row (rather than
// an in-process signal) sees deliveries made by any replica.
const waitPoll = 100 * time.Millisecond

// Wait holds until the call reaches a final status or max has passed, and returns the
// receipt as it then stands. It never holds longer than max.
func (s *Service) Wait(ctx context.Context, alowareCallID string, max time.Duration) (Receipt, error) {
	ctx, cancel := context.WithTimeout(ctx, max)
	defer cancel()
	tick := time.NewTicker(waitPoll)
	defer tick.Stop()
	for {
		call, err := s.db.GetCall(ctx, alowareCallID)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return Receipt{}, err
		}
		if call.Status.Final() {
			return receiptOf(call), nil
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
			continue
		}
		break
	}
	// The wait is over: answer with the state as it is now, on a fresh context.
	call, err := s.db.GetCall(context.WithoutCancel(ctx), alowareCallID)
	if err != nil {
		return Receipt{}, err
	}
	return receiptOf(call), nil
}

func receiptOf(c store.Call) Receipt {
	rc := Receipt{AlowareCallID: c.AlowareCallID, Status: c.Status, Reason: c.Reason, KendoCallID: c.KendoCallID, team: c.Team}
	if c.Status == lifecycle.Scheduled {
		rc.DeliverAfter = c.DeliverAfter
	}
	return rc
}

// lateArtifact describes an event that brought an artifact after its call was sent.
func lateArtifact(e store.Event, deliveredAt *time.Time) LateArtifact {
	l := LateArtifact{Event: e.Name, ReceivedAt: e.ReceivedAt, Artifacts: e.Late.New, KendoHas: e.Late.Sent}
	if l.KendoHas == nil {
		l.KendoHas = []string{}
	}
	when := "while the call was being sent"
	if deliveredAt != nil && !e.ReceivedAt.Before(*deliveredAt) {
		l.AfterDelivery = int64(e.ReceivedAt.Sub(*deliveredAt).Round(time.Second) / time.Second)
		when = fmt.Sprintf("%d s after delivery", l.AfterDelivery)
	}
	has := "nothing of it"
	switch len(l.KendoHas) {
	case 0:
	case 1:
		has = "the " + l.KendoHas[0] + " only"
	default:
		has = "the " + strings.Join(l.KendoHas[:len(l.KendoHas)-1], ", the ") + " and the " + l.KendoHas[len(l.KendoHas)-1]
	}
	l.Note = fmt.Sprintf("%s arrived %s; Kendo has %s", strings.Join(l.Artifacts, " and "), when, has)
	return l
}
