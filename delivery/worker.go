package delivery

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/mapping"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// deliverWorker runs a call's delivery job. Every wait (settle, pacing, Retry-After,
// backoff) is a River snooze, so a waiting call holds no worker and survives restarts.
// The call row, not the job, is the source of truth: a job that finds its call already
// delivered (a rescued or stale job) just completes.
type deliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	s *Service
}

// shortWait is the longest pacing wait spent sleeping in the worker instead of snoozing:
// River's scheduler would add more delay than that.
const shortWait = time.Second

// noKeyRecheck is how often a ready call looks again for a Kendo API key.
const noKeyRecheck = time.Minute

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	s := w.s
	log := s.callLog(job.Args.CallID)

	plan, err := s.prepare(ctx, job)
	switch {
	case err != nil:
		return err
	case plan.done:
		return nil
	case plan.wait > 0:
		return river.JobSnooze(plan.wait)
	}
	call := plan.call

	slot, err := s.takeSlot(ctx, job.Args.CallID)
	if err != nil {
		return err
	}
	if slot.wait > 0 {
		return river.JobSnooze(slot.wait)
	}
	if call.Attempts == 0 && call.DeliverAfter != nil {
		// Time past the settle spent waiting for a slot, snoozes included.
		s.metrics.pacingWait.Observe(max(s.now().Sub(*call.DeliverAfter), 0).Seconds())
	}

	if err := s.markDelivering(ctx, call.CallID); err != nil {
		return err
	}
	// Nothing but the Kendo request stands between here and recordOutcome's commit: that
	// is the only window in which a crash can make us send a call twice.
	res := s.kendo.Send(ctx, s.opts.KendoAPIKey, plan.body)
	finished := s.now()
	s.metrics.kendoLatency.WithLabelValues(statusClass(res.Status)).Observe(res.Latency.Seconds())

	// Record the outcome even when the job's context was cancelled (shutdown): it is the
	// commit that keeps a delivered call from being sent again.
	return s.recordOutcome(context.WithoutCancel(ctx), job, slot.id, res, finished, log)
}

// sendPlan is what one run of a delivery job found to do.
type sendPlan struct {
	done bool          // nothing to send: the job was completed in prepare's transaction
	wait time.Duration // not yet (settle, pacing or retry wait): snooze this long
	body []byte        // otherwise: send this
	call store.Call
}

// prepare reads the call, decides whether it is time to send, and builds the body.
func (s *Service) prepare(ctx context.Context, job *river.Job[DeliverArgs]) (sendPlan, error) {
	now := s.now()
	var plan sendPlan
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		call, err := s.db.LockCall(ctx, tx, job.Args.CallID)
		if err != nil {
			return err
		}
		plan.call = call
		if call.Generation != job.Args.Generation || !(call.Status == string(StatusScheduled) || call.Status == string(StatusDelivering)) {
			plan.done = true // stale job: the call was delivered, failed or redelivered since
			return s.completeTx(ctx, tx, job)
		}
		if plan.wait = waitUntil(now, call.DeliverAfter, call.NextAttemptAt); plan.wait > 0 {
			return nil
		}
		if s.opts.KendoAPIKey == "" {
			// Stored and ready, but nowhere to send it: wait for an operator to set the key
			// (and restart) rather than fail the call.
			plan.wait = noKeyRecheck
			next := now.Add(noKeyRecheck)
			call.Reason, call.NextAttemptAt, call.Updated = "waiting for a Kendo API key (--kendo-api-key or KENDO_API_KEY)", &next, now
			return store.SaveCall(ctx, tx, call)
		}
		merged, result, err := s.mapStored(ctx, tx, call.CallID)
		if err != nil {
			return err
		}
		if !result.Ready || result.Payload == nil { // cannot happen: readiness never goes back
			call.Status, call.Reason, call.Updated = string(StatusSkipped), "no longer ready: "+result.Reason, now
			s.metrics.deliveries.WithLabelValues("skipped").Inc()
			if err := store.SaveCall(ctx, tx, call); err != nil {
				return err
			}
			plan.done = true
			return s.completeTx(ctx, tx, job)
		}
		payload := *result.Payload
		s.attributeRep(&payload, merged)
		var how string
		plan.body, how, err = encodePayload(payload, call.Shrunk)
		if how != "" {
			s.callLog(call.CallID).Warn("payload shrunk", "how", how)
		}
		return err
	})
	return plan, err
}

// attributeRep fills the rep from the Users API or the e-mail map when the events lacked it.
func (s *Service) attributeRep(p *kendo.Payload, merged mapping.Call) {
	if s.opts.Reps == nil {
		return
	}
	rep := s.opts.Reps.Resolve(merged.Comm.UserID, p.RepName, p.RepEmail)
	if rep.Name != "" {
		p.RepName = rep.Name
	}
	if rep.Email != "" {
		p.RepEmail = rep.Email
	}
	if rep.Warning != "" {
		s.callLog(merged.ID).Warn("rep attribution incomplete", "warning", rep.Warning)
	}
}

type slotGrant struct {
	id   int64
	wait time.Duration
}

// takeSlot claims a pacing slot, sleeping through short waits and reporting long ones.
// Sleeping is bounded (maxSleep) so that a job losing the race for slots again and again
// snoozes instead of running into its timeout.
func (s *Service) takeSlot(ctx context.Context, callID string) (slotGrant, error) {
	const maxSleep = 5 * time.Second
	start := s.now()
	for {
		now := s.now()
		id, wait, err := s.db.TakeSlot(ctx, s.keyID, s.opts.Rate.Limit, s.opts.Rate.Period+s.opts.pacingMargin(), now)
		if err != nil {
			return slotGrant{}, err
		}
		if wait == 0 {
			return slotGrant{id: id}, nil
		}
		if wait > shortWait || now.Sub(start)+wait > maxSleep {
			next := now.Add(wait)
			if err := s.setNextAttempt(ctx, callID, next); err != nil {
				return slotGrant{}, err
			}
			return slotGrant{wait: wait}, nil
		}
		select {
		case <-ctx.Done():
			return slotGrant{}, ctx.Err()
		case <-time.After(wait):
		}
	}
}

func (s *Service) markDelivering(ctx context.Context, callID string) error {
	now := s.now()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		call, err := s.db.LockCall(ctx, tx, callID)
		if err != nil {
			return err
		}
		call.Status, call.Reason, call.Updated = string(StatusDelivering), "", now
		call.Attempts++
		call.NextAttemptAt = nil
		if call.FirstAttemptAt == nil {
			call.FirstAttemptAt = &now
		}
		return store.SaveCall(ctx, tx, call)
	})
}

// setNextAttempt records when a call waiting for a pacing slot will try again, so
// GET /calls shows it.
func (s *Service) setNextAttempt(ctx context.Context, callID string, next time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		call, err := s.db.LockCall(ctx, tx, callID)
		if err != nil {
			return err
		}
		call.NextAttemptAt, call.Updated = &next, s.now()
		return store.SaveCall(ctx, tx, call)
	})
}

// recordOutcome commits Kendo's answer. Final outcomes complete the job in the same
// transaction; retryable ones put the call back to scheduled and snooze the job. A failed
// commit is tried again a few times: after a 201, losing it would mean sending twice.
func (s *Service) recordOutcome(ctx context.Context, job *river.Job[DeliverArgs], slotID int64, res kendo.Result, finished time.Time, log *slog.Logger) error {
	var err error
	for try, pause := 1, 250*time.Millisecond; ; try, pause = try+1, pause*2 {
		var final bool
		var snooze time.Duration
		final, snooze, err = s.commitOutcome(ctx, job, slotID, res, finished, log)
		switch {
		case err == nil && final:
			return nil
		case err == nil:
			return river.JobSnooze(snooze)
		case try == 5:
			log.Error("could not record Kendo's answer", "outcome", res.Outcome, "error", err)
			return err
		}
		time.Sleep(pause)
	}
}

// commitOutcome records one answer; final reports that the job was completed with it.
func (s *Service) commitOutcome(ctx context.Context, job *river.Job[DeliverArgs], slotID int64, res kendo.Result, finished time.Time, log *slog.Logger) (final bool, snooze time.Duration, err error) {
	// Not final: the job is snoozed for snooze (0 after a 413: resend at once, shrunk).
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := store.MoveSlot(ctx, tx, slotID, finished); err != nil {
			return err
		}
		call, err := s.db.LockCall(ctx, tx, job.Args.CallID)
		if err != nil {
			return err
		}
		call.Updated = finished
		final = true
		switch res.Outcome {
		case kendo.Accepted:
			call.Status, call.KendoCallID, call.DeliveredAt, call.LastError = string(StatusDelivered), res.KendoCallID, &finished, ""
			if res.Message != "" {
				call.Reason = res.Message
			}
			s.metrics.deliveries.WithLabelValues("delivered").Inc()
			log.Info("delivered to Kendo", "kendoCallId", res.KendoCallID, "attempt", call.Attempts, "latencyMs", res.Latency.Milliseconds())
		case kendo.Unauthorized:
			// Loud: every call will fail the same way until an operator fixes the key.
			call.Status, call.LastError = string(StatusFailed), describe(res)
			call.Reason = "Kendo refused the API key: check --kendo-api-key"
			if res.Status == 0 { // refused before sending: no key, or one that cannot be sent
				call.Reason = "no usable Kendo API key: set --kendo-api-key or KENDO_API_KEY"
			}
			s.metrics.deliveries.WithLabelValues("unauthorized").Inc()
			log.Error("KENDO REJECTED THE API KEY: no call can be delivered until it is fixed", "status", res.Status, "kendoMessage", res.Message)
		case kendo.BadRequest, kendo.Rejected:
			call.Status, call.LastError, call.Reason = string(StatusFailed), describe(res), "Kendo refused the payload"
			s.metrics.deliveries.WithLabelValues(string(res.Outcome)).Inc()
			log.Error("Kendo refused the call", "status", res.Status, "kendoMessage", res.Message)
		case kendo.TooLarge:
			s.metrics.deliveries.WithLabelValues("too_large").Inc()
			if call.Shrunk {
				call.Status, call.LastError, call.Reason = string(StatusFailed), describe(res), "too large for Kendo even after shrinking"
				log.Error("Kendo refused the call as too large, even shrunk", "status", res.Status)
				break
			}
			call.Shrunk, final = true, false
			call.Status, call.LastError = string(StatusScheduled), describe(res)
			log.Warn("Kendo answered 413; retrying once without the transcript (or with it cut)")
		default: // RateLimited, Transient
			s.metrics.deliveries.WithLabelValues(string(res.Outcome)).Inc()
			call.LastError = describe(res)
			if call.FirstAttemptAt != nil && finished.Sub(*call.FirstAttemptAt) > s.opts.RetryHorizon {
				call.Status, call.Reason = string(StatusFailed), fmt.Sprintf("Kendo kept failing for %s", s.opts.RetryHorizon)
				log.Error("giving up on the call after the retry horizon", "attempts", call.Attempts, "lastError", call.LastError)
				break
			}
			final = false
			snooze = retryDelay(res, call.Attempts)
			next := finished.Add(snooze)
			call.Status, call.NextAttemptAt = string(StatusScheduled), &next
			log.Warn("Kendo delivery will be retried", "outcome", res.Outcome, "status", res.Status, "retryInMs", snooze.Milliseconds(), "attempt", call.Attempts)
		}
		if final && call.Status == string(StatusFailed) {
			s.metrics.deliveries.WithLabelValues("failed").Inc()
		}
		if err := store.SaveCall(ctx, tx, call); err != nil {
			return err
		}
		if final {
			return s.completeTx(ctx, tx, job)
		}
		return nil
	})
	return final, snooze, err
}

// retryDelay honours Kendo's Retry-After (capped; on a 429 or a 503), and otherwise backs
// off exponentially from 2 s to 10 min with ±20 % jitter so replicas don't retry in step.
func retryDelay(res kendo.Result, attempts int) time.Duration {
	const maxRetryAfter = 5 * time.Minute
	if res.RetryAfter > 0 {
		return min(res.RetryAfter, maxRetryAfter)
	}
	d := 2 * time.Second << min(max(attempts-1, 0), 9)
	d = min(d, 10*time.Minute)
	jitter := time.Duration((rand.Float64()*0.4 - 0.2) * float64(d))
	return d + jitter
}

func waitUntil(now time.Time, times ...*time.Time) time.Duration {
	var wait time.Duration
	for _, t := range times {
		if t != nil && t.Sub(now) > wait {
			wait = t.Sub(now)
		}
	}
	return wait
}

func describe(res kendo.Result) string {
	if res.Status == 0 {
		return fmt.Sprintf("%s: %s", res.Outcome, res.Message)
	}
	return fmt.Sprintf("%s (HTTP %d): %s", res.Outcome, res.Status, res.Message)
}

func statusClass(status int) string {
	if status == 0 {
		return "none"
	}
	return fmt.Sprintf("%dxx", status/100)
}

// encodePayload marshals the payload. mapping already keeps it within Kendo's 5 MB; when
// Kendo answered 413 all the same (it counts differently), shrink it once more: Kendo
// prefers audio, so the transcript goes when there is an audioUrl, else it loses a tenth.
func encodePayload(p kendo.Payload, shrink bool) (body []byte, how string, err error) {
	if shrink && p.AudioURL != "" && p.Transcript != "" {
		p.Transcript, how = "", "transcript dropped after Kendo's 413 (audioUrl kept)"
	} else if shrink && p.Transcript != "" {
		p.Transcript = cutTranscript(p.Transcript, len(p.Transcript)*9/10) + transcriptCutMarker
		how = "transcript cut by a tenth after Kendo's 413"
	}
	body, err = json.Marshal(p)
	return body, how, err
}

const transcriptCutMarker = "\n[transcript cut by aloware-kendo to fit Kendo's size limit]"

// cutTranscript keeps at most n bytes of t, ending at a line break when one is near, and
// never splits a UTF-8 sequence.
func cutTranscript(t string, n int) string {
	if len(t) <= n {
		return t
	}
	t = strings.ToValidUTF8(t[:max(n, 0)], "")
	if i := strings.LastIndexByte(t, '\n'); i > len(t)*9/10 {
		t = t[:i]
	}
	return t
}
