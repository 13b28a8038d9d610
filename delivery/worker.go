package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// deliverWorker runs a call's delivery job. Every long wait (settle, pacing, Retry-After,
// backoff, a paused key) is a River snooze, so a waiting call holds no worker and
// survives restarts. The call row, not the job, is the source of truth: a job that finds
// its call already delivered (a rescued or stale job) just completes, and one that finds
// it delivering — an earlier run was cut off mid-request — never sends it again.
type deliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	s *Service
}

// noKeyRecheck is how often a ready call without a usable key looks again.
const noKeyRecheck = time.Minute

// noKey marks calls waiting for a key: a restart (with a key now) wakes them at once.
const noKey = "none"

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	s := w.s
	if s.isStopping() {
		return river.JobSnooze(time.Second) // fetched as the shutdown began: leave it for the next start
	}
	plan, err := s.prepare(ctx, job)
	switch {
	case err != nil:
		return err
	case plan.done:
		return nil
	case plan.wait > 0:
		return river.JobSnooze(plan.wait)
	}
	slot, err := s.takeSlot(ctx, job, plan.team)
	switch {
	case errors.Is(err, errNotSent):
		return nil
	case err != nil:
		return err
	case slot.wait > 0:
		if !slot.deferred {
			if err := s.deferCall(ctx, job, slotDeferral(plan.team, s.now().Add(slot.wait))); err != nil {
				return err
			}
		}
		return snoozeForTurn(slot.wait)
	case slot.attempt.id == 0:
		return nil // no longer ready
	}
	attempt := slot.attempt
	if attempt.shrunk != "" {
		s.callLog(job.Args.AlowareCallID).Warn("payload shrunk", "how", attempt.shrunk)
	}
	ctx, span := startDeliverySpan(ctx, job)
	defer span.End()
	if attempt.n == 1 && plan.call.DeliverAfter != nil {
		// Time past the settle spent waiting for a slot, snoozes included.
		s.metrics.pacingWait.Observe(max(s.now().Sub(*plan.call.DeliverAfter), 0).Seconds())
	}
	// From here on Kendo may get the call. The request always finishes, shutdown or not
	// (docs/invariants.md #8): a request cut short is a second POST after the restart.
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.KendoTimeout)
	res := s.kendo.Send(sendCtx, plan.team.APIKey, attempt.body)
	cancel()
	finished := s.now()
	s.metrics.kendoLatency.WithLabelValues(statusClass(res.Status)).Observe(res.Latency.Seconds())
	traceSend(span, plan.team, attempt, res)
	return s.recordOutcome(context.WithoutCancel(ctx), job, plan.team, slot.id, attempt, res, finished)
}

// sendPlan is what one run of a delivery job found to do.
type sendPlan struct {
	done bool          // nothing to send: the job was completed in prepare's transaction
	wait time.Duration // not yet (settle, no key, a paused key): snooze this long
	team teams.Team    // otherwise: send with its key
	call store.Call
}

// prepare reads the call and decides whether it is time to send. The body is built
// once a pacing slot is granted (startIn): a call of a backlog is due long before its
// turn, and building its body at every run before that was most of the run's work.
func (s *Service) prepare(ctx context.Context, job *river.Job[DeliverArgs]) (sendPlan, error) {
	now := s.now()
	var plan sendPlan
	var rerun bool
	err := s.inTx(ctx, func(ctx context.Context, t *callTx) error {
		plan, rerun = sendPlan{}, false
		call, err := t.lock(ctx, job.Args.AlowareCallID)
		if errors.Is(err, store.ErrNoCall) {
			plan.done = true
			return t.complete(ctx, job)
		}
		if err != nil {
			return err
		}
		plan.call = call
		stale := call.Generation != job.Args.Generation || !(call.Status == lifecycle.Scheduled || call.Status == lifecycle.Delivering)
		switch {
		case stale: // delivered, failed, skipped, erased or redelivered since
			plan.done = true
			return t.complete(ctx, job)
		case call.Status == lifecycle.Delivering:
			// An earlier run made its request and its answer was never recorded.
			rerun, plan.done = true, true
			_, err := t.apply(ctx, &call, lifecycle.Rerun{}, now, job)
			return err
		}
		if wait := untilTime(now, call.DeliverAfter); wait > 0 && !(wait <= turnLead && waitsForTurn(call.State)) {
			plan.wait = wait
			return nil
		}
		team, ok := s.opts.Teams.Lookup(call.Team)
		if !ok || team.APIKey == "" {
			reason := "waiting for a Kendo API key (--kendo-api-key or KENDO_API_KEY)"
			if !ok {
				reason = fmt.Sprintf("waiting: team %q is not in the teams file; fix it and restart, or redeliver to route the call again", call.Team)
			}
			plan.wait = noKeyRecheck
			_, err := t.apply(ctx, &call, lifecycle.Deferred{Until: now.Add(noKeyRecheck), Reason: reason, PausedKey: noKey}, now, nil)
			return err
		}
		plan.team = team
		if wait, reason, err := s.pausedWait(ctx, t.tx, team, now); err != nil || wait > 0 {
			plan.wait = wait
			if err != nil {
				return err
			}
			_, err := t.apply(ctx, &call, lifecycle.Deferred{Until: now.Add(wait), Reason: reason, PausedKey: team.KeyID()}, now, nil)
			return err
		}
		return nil
	})
	if err != nil {
		return plan, err
	}
	if rerun {
		s.callLog(job.Args.AlowareCallID).Error("DELIVERY OUTCOME UNKNOWN: an earlier attempt was cut off while Kendo may have had the request; "+notSentAgainAdvice,
			"attempt", plan.call.Attempts)
	}
	return plan, nil
}

// deferCall records that the call waits (for a pacing slot) until in.Until.
func (s *Service) deferCall(ctx context.Context, job *river.Job[DeliverArgs], in lifecycle.Deferred) error {
	return s.inTx(ctx, func(ctx context.Context, t *callTx) error { return s.deferIn(ctx, t, job, in) })
}

// deferIn is deferCall inside a transaction.
func (s *Service) deferIn(ctx context.Context, t *callTx, job *river.Job[DeliverArgs], in lifecycle.Deferred) error {
	call, err := t.lock(ctx, job.Args.AlowareCallID)
	if err != nil {
		return err
	}
	if call.Generation != job.Args.Generation || call.Status != lifecycle.Scheduled {
		return nil // skipped or erased meanwhile; the next run completes the job
	}
	_, err = t.apply(ctx, &call, in, s.now(), nil)
	return err
}

// errNotSent: the call changed (skipped, erased) between prepare and its turn.
var errNotSent = errors.New("delivery: not sent")

type attemptRef struct {
	id     int64      // 0: no request; the call was no longer ready (recorded on it)
	n      int        // the call's attempt number
	body   []byte     // what the request sends
	hangUp *time.Time // the call's, for the latency from hang-up to Kendo's 201
	shrunk string     // how the body was shrunk to fit Kendo's limit, if it was
}

// startIn builds the body from the call as it is now, marks the call delivering and
// opens its attempt with that exact body, in the transaction that granted its pacing
// slot: from its commit on, a run that finds the call delivering knows Kendo may have
// the request. Last before the commit, the slot is re-dated to when the request will
// have reached Kendo (see inFlight): the request leaves right after, while the slot's
// first date (when it was granted) is before this body was built — at N/s rates, enough
// for Kendo to count one request too many in a rolling second. A call that is no longer
// ready is recorded so and not sent (its slot stays counted, as for a call skipped
// meanwhile); errNotSent when the call changed since prepare.
func (s *Service) startIn(ctx context.Context, t *callTx, job *river.Job[DeliverArgs], slotID int64, team teams.Team) (attemptRef, error) {
	now := s.now()
	var a attemptRef
	call, err := t.lock(ctx, job.Args.AlowareCallID)
	if err != nil {
		return a, err
	}
	if call.Generation != job.Args.Generation || call.Status != lifecycle.Scheduled {
		return a, errNotSent
	}
	merged, err := s.mergedCall(ctx, t.tx, call)
	if err != nil {
		return a, err
	}
	result, shrunk := s.outgoing(merged, call.Shrunk)
	if !result.Ready || result.Payload == nil {
		_, err := t.apply(ctx, &call, lifecycle.NotReady{Reason: result.Reason}, now, job)
		return a, err
	}
	a.shrunk, a.hangUp = shrunk, hangUp(merged)
	if a.body, err = json.Marshal(result.Payload); err != nil {
		return a, err
	}
	rep, _ := s.attributionOf(merged, result)
	rep.setOn(&call) // saved by apply: the row shows the rep of the body sent
	if _, err := t.apply(ctx, &call, lifecycle.SendStarted{}, now, nil); err != nil {
		return a, err
	}
	a.n = call.Attempts
	if a.id, err = s.db.StartAttempt(ctx, t.tx, call.AlowareCallID, call.Attempts, now, a.body); err != nil {
		return a, err
	}
	sent := s.now()
	if call.Attempts == 1 { // the call's first request ever, redeliveries included
		last, err := s.db.CallLastEventAt(ctx, t.tx, call.AlowareCallID)
		if err != nil {
			return a, err
		}
		if !last.IsZero() {
			t.tally.toRequest = append(t.tally.toRequest, sinceOrZero(last, sent))
		}
	}
	return a, s.db.MoveSlot(ctx, t.tx, slotID, inFlight(sent, team.Rate))
}

// riverLag is how late River may run a job whose wait is long: a snooze or an insertion
// more than this ahead leaves the job "scheduled", and River's scheduler makes scheduled
// jobs available only every 5 s; a shorter wait stays "available" and is fetched on time
// (within the fetch poll). See river's job executor and maintenance.JobSchedulerIntervalDefault.
// A settle or a retry may end that much late; a turn for a pacing slot may not (the slot
// would go unused), see snoozeForTurn.
const riverLag = 5 * time.Second

// snoozeForTurn waits for a pacing turn d away so that the job runs on time: a long wait
// ends up to riverLag early, a short one turnLead early, and the run then finds the rest
// of its wait short (the call keeps its place in the queue, see store.TakeSlot).
func snoozeForTurn(d time.Duration) error {
	switch {
	case d > riverLag:
		d -= riverLag
	case d > 2*turnLead:
		d -= turnLead
	}
	return river.JobSnooze(d)
}

func untilTime(now time.Time, t *time.Time) time.Duration {
	if t == nil || !t.After(now) {
		return 0
	}
	return t.Sub(now)
}
