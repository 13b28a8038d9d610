package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/notify"
	"github.com/aloware-kendo/aloware-kendo/store"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// recordOutcome commits Kendo's answer. After a 201 the call must never be sent again
// (docs/invariants.md #9), so a failed commit is retried — with backoff, for as long as the
// process lives — rather than left to a rerun. Only when the shutdown's deadline has
// passed does it give up, loudly, naming Kendo's callId so an operator can reconcile.
func (s *Service) recordOutcome(ctx context.Context, job *river.Job[DeliverArgs], team teams.Team, slotID int64, a attemptRef, res kendo.Result, finished time.Time) error {
	log := s.callLog(job.Args.AlowareCallID).With("team", team.Name)
	pause := 250 * time.Millisecond
	for try := 1; ; try++ {
		eff, started, retryIn, err := s.commitOutcome(ctx, job, team, slotID, a, res, finished)
		if err == nil {
			s.logOutcome(log, team, res, a.n, eff, started, retryIn)
			if eff.CompleteJob {
				return nil
			}
			return river.JobSnooze(eff.Snooze)
		}
		if errors.Is(err, lifecycle.ErrNotApplicable) {
			return err // the call is in a state no answer applies to: leave it to River's error handling
		}
		attrs := []any{"outcome", res.Outcome, "status", res.Status, "try", try, "error", err}
		if res.Outcome == kendo.Accepted {
			attrs = append(attrs, "kendoCallId", res.KendoCallID)
		}
		if try >= 3 {
			log.Error("could not record Kendo's answer; retrying (the call is not sent again meanwhile)", attrs...)
		}
		select {
		case <-s.giveUp:
			log.Error("GAVE UP recording Kendo's answer at shutdown: after the restart the call shows 'outcome unknown' and is not sent again", attrs...)
			return err
		case <-time.After(pause):
		}
		pause = min(pause*2, 10*time.Second)
	}
}

// commitOutcome records one answer in one transaction: the slot's re-dating, the call's
// new state, the attempt, a key's pause or resumption, and the job's completion. retryIn
// is the wait before the next attempt, when the answer is retried.
func (s *Service) commitOutcome(ctx context.Context, job *river.Job[DeliverArgs], team teams.Team, slotID int64, a attemptRef,
	res kendo.Result, finished time.Time) (eff lifecycle.Effects, pauseStarted bool, retryIn time.Duration, err error) {
	err = s.inTx(ctx, func(ctx context.Context, t *callTx) error {
		eff, pauseStarted, retryIn = lifecycle.Effects{}, false, 0
		if err := s.recordReach(ctx, t, team, slotID, res, finished); err != nil {
			return err
		}
		call, err := t.lock(ctx, job.Args.AlowareCallID)
		if err != nil {
			return err
		}
		if retryIn, err = s.retryIn(ctx, t.tx, call, res); err != nil {
			return err
		}
		in := lifecycle.Answered{Result: res, RetryIn: retryIn, KeyID: team.KeyID(), PausedSince: finished, ProbeEvery: s.opts.ProbeEvery}
		if res.Outcome == kendo.Unauthorized {
			if p, ok, err := s.db.GetPause(ctx, t.tx, team.KeyID()); err != nil {
				return err
			} else if ok {
				in.PausedSince = p.Since
			}
		}
		firstDelivery := call.DeliveredAt == nil
		if eff, err = t.apply(ctx, &call, in, finished, job); err != nil {
			return err
		}
		if firstDelivery && call.Status == lifecycle.Delivered && a.hangUp != nil {
			t.tally.toAccepted = append(t.tally.toAccepted, sinceOrZero(*a.hangUp, finished))
		}
		if err := s.db.FinishAttempt(ctx, t.tx, store.Attempt{ID: a.id, Finished: &finished, Outcome: string(res.Outcome),
			HTTPStatus: res.Status, Message: res.Message, KendoCallID: res.KendoCallID}); err != nil {
			return err
		}
		if eff.PauseKey {
			pauseStarted, err = s.db.PauseKey(ctx, t.tx, store.Pause{KeyID: team.KeyID(), Team: team.Name, Since: in.PausedSince,
				HTTPStatus: res.Status, Message: res.Message, ProbeAfter: finished.Add(s.opts.ProbeEvery)})
			if err != nil {
				return err
			}
			if pauseStarted {
				if err := t.raise(ctx, notify.Event{Type: notify.KeyPaused, Team: team.Name, At: finished,
					Cause: fmt.Sprintf("Kendo refused the API key (HTTP %d): %s", res.Status, res.Message)}); err != nil {
					return err
				}
			}
		}
		if eff.ResumeKey {
			if err := s.resumeKey(ctx, t, team.KeyID()); err != nil {
				return err
			}
		}
		if res.Outcome == kendo.Accepted && call.Status == lifecycle.Delivered {
			return s.matchEarlyAnalysis(ctx, t, &call, finished)
		}
		return nil
	})
	return eff, pauseStarted, retryIn, err
}

// retryIn is how long a retried answer waits: the backoff counts the earlier answers of
// the same class in the call's current generation, read from its attempts.
func (s *Service) retryIn(ctx context.Context, tx *sql.Tx, call store.Call, res kendo.Result) (time.Duration, error) {
	if res.RetryAfter > 0 || (res.Outcome != kendo.Transient && res.Outcome != kendo.RateLimited && res.Outcome != kendo.Unreachable) {
		return retryDelay(res, nil), nil
	}
	var earlier []string
	if call.FirstAttemptAt != nil {
		var err error
		if earlier, err = s.db.AttemptOutcomes(ctx, tx, call.AlowareCallID, *call.FirstAttemptAt); err != nil {
			return 0, err
		}
	}
	return retryDelay(res, earlier), nil
}

func (s *Service) logOutcome(log *slog.Logger, team teams.Team, res kendo.Result, attempt int, eff lifecycle.Effects, pauseStarted bool, retryIn time.Duration) {
	switch {
	case res.Outcome == kendo.Accepted:
		log.Info("delivered to Kendo", "kendoCallId", res.KendoCallID, "attempt", attempt, "latencyMs", res.Latency.Milliseconds())
	case pauseStarted:
		log.Error("KENDO REJECTED THE API KEY: deliveries with this key are paused (no call fails because of it); one request tests the key every "+
			s.opts.ProbeEvery.String()+"; fix the key and restart to resume at once", "keyId", team.KeyID(), "status", res.Status, "kendoMessage", res.Message)
	case eff.PauseKey:
		log.Warn("Kendo still refuses the API key; the deliveries stay paused", "keyId", team.KeyID(), "status", res.Status)
	case eff.Attempt == "unknown":
		log.Error("DELIVERY OUTCOME UNKNOWN: Kendo did not answer after the request was sent; "+notSentAgainAdvice, "error", res.Message, "attempt", attempt)
	case eff.CompleteJob:
		log.Error("Kendo refused the call", "outcome", res.Outcome, "status", res.Status, "kendoMessage", res.Message)
	case res.Outcome == kendo.TooLarge:
		log.Warn("Kendo answered 413; sending once more, shrunk")
	default:
		log.Warn("Kendo delivery will be retried", "outcome", res.Outcome, "status", res.Status, "retryInMs", retryIn.Milliseconds(), "attempt", attempt)
	}
}

func statusClass(status int) string {
	if status == 0 {
		return "none"
	}
	return fmt.Sprintf("%dxx", status/100)
}

// notSentAgainAdvice ends the ERROR line of a delivery whose outcome is unknown.
const notSentAgainAdvice = "the call is NOT sent again (it would be a duplicate if Kendo has it). Check Kendo, then redeliver if it is missing."
