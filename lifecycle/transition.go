package lifecycle

import (
	"errors"
	"fmt"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/mapping"
)

// Input is something that happened to a call: one of the types below.
type Input interface{ input() }

// Observed: an event of the call was stored and folded; Verdict is what mapping.Map says
// of the merged call now. Team/Routed are the call's route under the teams file.
type Observed struct {
	Verdict             mapping.State
	Reason              string // mapping's reason when not ready
	Complete            bool
	NothingMoreExpected bool // mapping.Result.NothingMoreExpected: no later event can add anything
	Sendable            bool // a filtered call has what Kendo needs: an operator's redelivery can send it
	Team                string
	Routed              bool
	Unrouted            string // why no team matched (when !Routed)
}

// Deferred: the delivery job found it is not time to send yet (pacing, no key, a paused
// key), and the call waits until Until.
type Deferred struct {
	Until     time.Time
	Reason    string
	PausedKey string // set while a paused key holds the call
}

// Resumed: what held a waiting call is over (its key's pause ended, or a key is there
// now): it is due at once.
type Resumed struct{}

// SendStarted: the Kendo request is about to be made.
type SendStarted struct{}

// Answered: Kendo's answer to the request (or the lack of one).
type Answered struct {
	Result      kendo.Result
	RetryIn     time.Duration // for a retryable answer: when to try again (backoff or Retry-After)
	KeyID       string        // the key the request used
	PausedSince time.Time     // for a refused key: when its pause began
	ProbeEvery  time.Duration // for a refused key: how often one request tests it
}

// NotReady: the delivery job found the call no longer ready (the rules changed under a
// stored call, e.g. after an upgrade): it is not sent.
type NotReady struct{ Reason string }

// Rerun: a delivery job found its call delivering: an earlier run was cut off (the
// process stopped or was killed) while Kendo may have had the request.
type Rerun struct{}

// Restored: the database was restored from a backup taken at BackupAt. What happened to
// the call after that moment is lost with the newer database, and Kendo has no
// idempotency key: a call that was still on its way may have been sent since.
type Restored struct{ BackupAt time.Time }

// Redeliver: an operator asked for the call to be sent (again). Team/Routed are its
// route under the current teams file.
type Redeliver struct {
	By       string
	Team     string
	Routed   bool
	Unrouted string
}

// Skip: an operator stopped a call that was not sent yet.
type Skip struct{ By string }

// Erase: the call's content is erased on request of By; a tombstone stays.
type Erase struct{ By string }

// ArtifactTimeout: a finished call waited Policy.ArtifactWait without a recording or
// transcript.
type ArtifactTimeout struct{}

// KendoHasIt: Kendo's call.uploaded names a callId no call of ours has, and its duration
// and agent match this outcome-unknown call and no other: the request whose answer was
// lost did reach Kendo, which knows the call as KendoCallID. How says what matched, for
// the operator reading the call's reason.
type KendoHasIt struct {
	KendoCallID string
	How         string
}

// AnalysisReady: Kendo's webhook said the delivered call's analysis is available.
type AnalysisReady struct{ At time.Time }

// Purged: retention removed the call's raw events and payload.
type Purged struct{}

func (Observed) input()        {}
func (Deferred) input()        {}
func (SendStarted) input()     {}
func (Resumed) input()         {}
func (Answered) input()        {}
func (Rerun) input()           {}
func (NotReady) input()        {}
func (Restored) input()        {}
func (Redeliver) input()       {}
func (Skip) input()            {}
func (Erase) input()           {}
func (ArtifactTimeout) input() {}
func (KendoHasIt) input()      {}
func (AnalysisReady) input()   {}
func (Purged) input()          {}

var (
	// ErrNotRedeliverable: only failed, skipped and unrouted calls can be sent again.
	ErrNotRedeliverable = errors.New("only a failed, skipped or unrouted call can be redelivered")
	// ErrNotSkippable: only a call that waits (received, scheduled, unrouted) can be skipped.
	ErrNotSkippable = errors.New("only a call not sent yet (received, scheduled or unrouted) can be skipped")
	// ErrPurged: the call's content is gone (retention or erasure): nothing left to send.
	ErrPurged = errors.New("the call's content is no longer stored")
	// ErrNotApplicable: the input does not apply to a call in this status (a caller's bug,
	// or a race the caller resolves by doing nothing).
	ErrNotApplicable = errors.New("input does not apply in this status")
)

// Apply is the one transition function: the call's next state after in, and what the
// engine must do. It is pure: now and p are all it knows of the world. A returned error
// leaves s unchanged and means "do nothing".
func Apply(s State, in Input, now time.Time, p Policy) (State, Effects, error) {
	next, eff, err := apply(s, in, now, p)
	if err == nil && next.Status != Skipped {
		next.Unanswered = false // only a skipped call can be one nobody answered
	}
	return next, eff, err
}

func apply(s State, in Input, now time.Time, p Policy) (State, Effects, error) {
	switch in := in.(type) {
	case Observed:
		return observed(s, in, now, p)
	case Deferred:
		if s.Status != Scheduled {
			return s, Effects{}, notApplicable(s, in)
		}
		s.DeliverAfter, s.Reason, s.PausedKey = at(in.Until), in.Reason, in.PausedKey
		return s, Effects{Snooze: max(in.Until.Sub(now), 0)}, nil
	case Resumed:
		if s.Status != Scheduled || s.PausedKey == "" {
			return s, Effects{}, notApplicable(s, in)
		}
		s.DeliverAfter, s.Reason, s.PausedKey = at(now), "", ""
		return s, Effects{WakeJob: true}, nil
	case SendStarted:
		if s.Status != Scheduled {
			return s, Effects{}, notApplicable(s, in)
		}
		s.Status, s.Reason, s.DeliverAfter, s.PausedKey = Delivering, "", nil, ""
		s.Attempts++
		if s.FirstAttemptAt == nil {
			s.FirstAttemptAt = at(now)
		}
		return s, Effects{}, nil
	case Answered:
		return answered(s, in, now, p)
	case NotReady:
		if s.Status != Scheduled {
			return s, Effects{}, notApplicable(s, in)
		}
		s.Status, s.Reason, s.DeliverAfter = Skipped, "no longer ready: "+in.Reason, nil
		return s, Effects{CompleteJob: true, Ended: EndedSkipped}, nil
	case Rerun:
		if s.Status != Delivering {
			return s, Effects{}, notApplicable(s, in)
		}
		s.Status, s.OutcomeUnknown = Failed, true
		s.Reason = "outcome unknown: an earlier attempt was cut off (the process stopped) while Kendo may have had the request; " + notSentAgain
		s.LastError = "attempt " + fmt.Sprint(s.Attempts) + " has no recorded answer"
		return s, Effects{CompleteJob: true, Attempt: attemptUnknown, Ended: EndedFailed}, nil
	case Restored:
		return restored(s, in)
	case Redeliver:
		return redeliver(s, in, now)
	case Skip:
		if !s.Status.Skippable() {
			return s, Effects{}, ErrNotSkippable
		}
		s.Status, s.ByOperator, s.DeliverAfter, s.PausedKey = Skipped, true, nil, ""
		s.Reason = "skipped by " + orSomeone(in.By)
		return s, Effects{CancelJob: true, Ended: EndedSkipped}, nil
	case Erase:
		if s.Status == Erased {
			return s, Effects{}, nil
		}
		s.Status, s.DeliverAfter, s.PausedKey = Erased, nil, ""
		s.Reason = "content erased on request of " + orSomeone(in.By) + " at " + now.UTC().Format(time.RFC3339) + "; later events of this call are dropped"
		s.PurgedAt = at(now)
		return s, Effects{CancelJob: true}, nil
	case ArtifactTimeout:
		if s.Status != Received || s.CompleteAt == nil || now.Sub(*s.CompleteAt) < p.ArtifactWait {
			return s, Effects{}, notApplicable(s, in)
		}
		s.Status = Skipped
		s.Reason = fmt.Sprintf("no recording or transcript arrived within %s of the call's end", p.ArtifactWait)
		return s, Effects{Ended: EndedSkipped}, nil
	case KendoHasIt:
		return kendoHasIt(s, in, now)
	case AnalysisReady:
		switch s.Status {
		case Delivered:
			s.Status, s.AnalyzedAt = Analyzed, at(in.At)
			return s, Effects{}, nil
		case Analyzed:
			return s, Effects{}, nil // a repeat: the first analysis time stays
		}
		return s, Effects{}, notApplicable(s, in)
	case Purged:
		if !s.Status.Retained() || s.PurgedAt != nil {
			return s, Effects{}, notApplicable(s, in)
		}
		s.PurgedAt = at(now)
		return s, Effects{}, nil
	}
	return s, Effects{}, fmt.Errorf("lifecycle: unknown input %T", in)
}

// notSentAgain ends the reason of every call whose outcome is unknown: what the engine
// did, and what the operator should do.
const notSentAgain = "not sent again, so Kendo cannot get it twice — check Kendo, then redeliver if the call is missing there"

func notApplicable(s State, in Input) error {
	return fmt.Errorf("%w: %T on a %s call", ErrNotApplicable, in, s.Status)
}

func orSomeone(by string) string {
	if by == "" {
		return "an operator"
	}
	return by
}

// observed moves a call along after one more of its events (rules S1, S3 of mapping).
func observed(s State, in Observed, now time.Time, p Policy) (State, Effects, error) {
	if in.Complete && s.CompleteAt == nil {
		s.CompleteAt = at(now)
	}
	switch s.Status {
	case Delivering, Delivered, Analyzed, Erased, Failed:
		// Delivered and analyzed calls are done (a repeat is a duplicate); a request in
		// flight must not be disturbed; a failed call waits for an operator; an erased
		// call drops its events.
		return s, Effects{}, nil
	case Skipped:
		if in.Verdict == mapping.StateFiltered && !s.ByOperator {
			// Skipped as missed, say, and now with a recording a send rule filters: the
			// rule is why it is not sent now, and an operator can have it sent.
			s.Reason = in.Reason
			if in.Sendable && s.ReadyAt == nil {
				s.ReadyAt = at(now)
			}
		}
		if s.ByOperator || in.Verdict != mapping.StateReady {
			return s, Effects{}, nil
		}
		// A recording that turns up after the call was skipped still gets it delivered.
	case Scheduled:
		// Already has its job; deliver earlier once nothing more can come.
		if in.NothingMoreExpected && s.Attempts == 0 && s.ReadyAt != nil && s.PausedKey == "" {
			if early := s.ReadyAt.Add(p.Grace); s.DeliverAfter != nil && early.Before(*s.DeliverAfter) {
				s.DeliverAfter = at(latest(early, now))
				return s, Effects{WakeJob: true}, nil
			}
		}
		return s, Effects{}, nil
	}
	// Received, ignored, unrouted, or skipped without an operator: decide afresh. The call
	// takes its route's team whatever the verdict, so what happens to it (a skip by a send
	// rule, say) is counted and listed under that team.
	if in.Routed {
		s.Team = in.Team
	}
	s.Unanswered = in.Verdict == mapping.StateUnanswered
	switch in.Verdict {
	case mapping.StateIgnored:
		s.Status, s.Reason = Ignored, in.Reason
		return s, Effects{}, nil
	case mapping.StateUnanswered:
		s.Status, s.Reason = Skipped, in.Reason
		return s, Effects{Ended: EndedSkipped}, nil
	case mapping.StateFiltered:
		// A send rule says the call is not worth Kendo's quota (mapping's S4): skipped at
		// once, not after --artifact-wait. With what Kendo needs it is ready all the same,
		// so an operator can have it sent (the rule is not applied to a redelivery).
		if in.Sendable && s.ReadyAt == nil {
			s.ReadyAt = at(now)
		}
		s.Status, s.Reason = Skipped, in.Reason
		return s, Effects{Ended: EndedSkipped}, nil
	case mapping.StateReady:
		if s.ReadyAt == nil {
			s.ReadyAt = at(now)
		}
		if !in.Routed {
			s.Status, s.Reason = Unrouted, in.Unrouted
			return s, Effects{}, nil
		}
		wait := p.Settle
		if in.NothingMoreExpected {
			wait = min(p.Grace, p.Settle)
		}
		s.Status, s.Reason = Scheduled, ""
		s.DeliverAfter = at(latest(s.ReadyAt.Add(wait), now))
		return s, Effects{ScheduleJob: true}, nil
	}
	s.Status, s.Reason = Received, in.Reason
	return s, Effects{}, nil
}

// answered records Kendo's answer: retry by class; after a 201, or once Kendo may have
// the call, never send it again (docs/invariants.md #6 and #9).
func answered(s State, in Answered, now time.Time, p Policy) (State, Effects, error) {
	res := in.Result
	switch s.Status {
	case Delivering:
	case Erased, Failed:
		// Erased while the request was in flight, or flagged unknown by a job that ran
		// beside this one: Kendo's answer still tells what Kendo has.
		if res.Outcome == kendo.Accepted {
			s.KendoCallID, s.DeliveredAt = res.KendoCallID, at(now)
			if s.Status == Failed {
				s.Status, s.Reason, s.OutcomeUnknown, s.LastError = Delivered, res.Message, false, ""
				return s, Effects{CompleteJob: true, Attempt: attemptClass(res), Ended: EndedDelivered}, nil
			}
			return s, Effects{CompleteJob: true, Attempt: attemptClass(res)}, nil
		}
		return s, Effects{CompleteJob: true, Attempt: attemptClass(res)}, nil
	default:
		return s, Effects{}, notApplicable(s, in)
	}
	fail := func(reason string, outcome kendo.Outcome) (State, Effects, error) {
		s.Status, s.Reason, s.LastError = Failed, reason, describe(res)
		return s, Effects{CompleteJob: true, Attempt: attemptClass(res), Ended: EndedFailed}, nil
	}
	retry := func(wait time.Duration, why string) (State, Effects, error) {
		if s.FirstAttemptAt != nil && now.Sub(*s.FirstAttemptAt) > p.RetryHorizon {
			s.Status, s.LastError = Failed, describe(res)
			s.Reason = fmt.Sprintf("Kendo kept failing for %s", p.RetryHorizon)
			return s, Effects{CompleteJob: true, Attempt: attemptClass(res), Ended: EndedFailed}, nil
		}
		s.Status, s.LastError, s.DeliverAfter = Scheduled, describe(res), at(now.Add(wait))
		s.Reason = why + "; retrying"
		return s, Effects{Snooze: wait, Attempt: attemptClass(res)}, nil
	}
	switch res.Outcome {
	case kendo.Accepted:
		s.Status, s.KendoCallID, s.DeliveredAt, s.LastError, s.OutcomeUnknown = Delivered, res.KendoCallID, at(now), "", false
		s.Reason = res.Message // e.g. "Kendo answered 201 without a callId"
		return s, Effects{CompleteJob: true, ResumeKey: true, Attempt: attemptClass(res), Ended: EndedDelivered}, nil
	case kendo.Unauthorized:
		// A refused key pauses its deliveries; no call fails because of it.
		s.Status, s.LastError, s.PausedKey = Scheduled, describe(res), in.KeyID
		s.Reason = fmt.Sprintf("Kendo refused the API key (HTTP %d) since %s: deliveries with this key are paused; one request tests it every %s",
			res.Status, in.PausedSince.UTC().Format(time.RFC3339), in.ProbeEvery)
		s.DeliverAfter = at(now.Add(in.ProbeEvery))
		return s, Effects{Snooze: in.ProbeEvery, PauseKey: true, Attempt: attemptClass(res)}, nil
	case kendo.BadRequest, kendo.Rejected:
		return fail("Kendo refused the payload", res.Outcome)
	case kendo.TooLarge:
		if s.Shrunk {
			return fail("too large for Kendo even after shrinking", res.Outcome)
		}
		s.Status, s.Shrunk, s.LastError, s.DeliverAfter = Scheduled, true, describe(res), at(now)
		s.Reason = "Kendo answered 413; sending once more, shrunk"
		return s, Effects{Attempt: attemptClass(res)}, nil
	case kendo.RateLimited:
		return retry(in.RetryIn, "Kendo did not take it (rate_limited)")
	case kendo.Unreachable:
		return retry(in.RetryIn, "could not reach Kendo (the request never arrived: "+res.Message+")")
	case kendo.Transient:
		if res.Sent && res.Status == 0 {
			// The request was sent and no answer came: Kendo may have the call.
			s.Status, s.OutcomeUnknown, s.LastError = Failed, true, describe(res)
			s.Reason = "outcome unknown: Kendo did not answer after the request was sent; " + notSentAgain
			return s, Effects{CompleteJob: true, Attempt: attemptUnknown, Ended: EndedFailed}, nil
		}
		return retry(in.RetryIn, "Kendo did not take it (transient)")
	}
	return fail("Kendo answered something unexpected", res.Outcome)
}

// attemptUnknown is the attempt class of a request sent without an answer recorded.
const attemptUnknown = "unknown"

// attemptClass names the class of Kendo's answer for the attempts metric: the
// kendo.Outcome, but a 2xx reads "delivered" (the label dashboards already use).
func attemptClass(res kendo.Result) string {
	if res.Outcome == kendo.Accepted {
		return EndedDelivered
	}
	return string(res.Outcome)
}

func describe(res kendo.Result) string {
	if res.Status == 0 {
		return fmt.Sprintf("%s: %s", res.Outcome, res.Message)
	}
	return fmt.Sprintf("%s (HTTP %d): %s", res.Outcome, res.Status, res.Message)
}

// restored flags a call a restored database shows on its way to Kendo: waiting for its
// events, its send time or a team, or in flight. After the backup it may have become
// ready and been sent (or been redelivered by an operator), so it is never sent again on
// its own; the operator checks Kendo, as for any outcome-unknown call. Finished calls
// keep their state: a delivered call stays delivered, a failed one waits as it did.
func restored(s State, in Restored) (State, Effects, error) {
	switch s.Status {
	case Received, Scheduled, Delivering, Unrouted:
	default:
		return s, Effects{}, notApplicable(s, in)
	}
	was := s.Status
	s.Status, s.OutcomeUnknown, s.DeliverAfter, s.PausedKey = Failed, true, nil, ""
	s.Reason = fmt.Sprintf("outcome unknown: restored from a backup taken at %s; the call was %s then and may have been sent after the backup; %s",
		in.BackupAt.UTC().Format(time.RFC3339), was, notSentAgain)
	return s, Effects{CancelJob: true}, nil
}

// redeliver sends a failed, skipped or unrouted call again as a new generation.
func redeliver(s State, in Redeliver, now time.Time) (State, Effects, error) {
	switch {
	case s.Status == Erased:
		return s, Effects{}, ErrPurged // its content is gone, whatever it was before
	case !s.Status.Redeliverable():
		return s, Effects{}, ErrNotRedeliverable
	}
	if s.PurgedAt != nil {
		return s, Effects{}, ErrPurged
	}
	if s.ReadyAt == nil {
		// Skipped before it was ever ready (missed, no recording): nothing to send yet.
		return s, Effects{}, ErrNotRedeliverable
	}
	if !in.Routed {
		s.Status, s.Reason = Unrouted, in.Unrouted
		return s, Effects{}, nil
	}
	s.Generation++
	s.Status, s.Team, s.Reason = Scheduled, in.Team, "redelivery requested by "+orSomeone(in.By)
	s.DeliverAfter, s.FirstAttemptAt, s.PausedKey = at(now), nil, ""
	s.Shrunk, s.OutcomeUnknown, s.ByOperator = false, false, false
	return s, Effects{ScheduleJob: true}, nil
}

// kendoHasIt resolves an outcome-unknown call by what Kendo itself reported: the call is
// delivered under the callId Kendo named. Nothing is sent; a call that is not waiting for
// an operator because of an unknown outcome is left alone.
func kendoHasIt(s State, in KendoHasIt, now time.Time) (State, Effects, error) {
	if s.Status != Failed || !s.OutcomeUnknown || in.KendoCallID == "" {
		return s, Effects{}, notApplicable(s, in)
	}
	s.Status, s.KendoCallID, s.OutcomeUnknown, s.LastError = Delivered, in.KendoCallID, false, ""
	if s.DeliveredAt == nil {
		s.DeliveredAt = at(now)
	}
	s.Reason = "outcome resolved by Kendo: " + in.How
	return s, Effects{}, nil
}
