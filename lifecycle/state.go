package lifecycle

import "time"

// State is what the engine knows about a call's way to Kendo, apart from its content.
// Apply is the only function that produces a changed State.
type State struct {
	Status Status
	Reason string // why the call waits, was not sent, or failed; "" when nothing needs saying
	Team   string // the Kendo team (key) the call is routed to; set when it becomes ready

	KendoCallID    string
	Attempts       int   // Kendo requests made for this call, across redeliveries
	Generation     int64 // bumped by every redelivery: each generation has its own delivery job
	Shrunk         bool  // Kendo answered 413 once; the next request is shrunk
	OutcomeUnknown bool  // a request may have reached Kendo without its answer being recorded
	ByOperator     bool  // an operator skipped it: a later event does not bring it back
	Unanswered     bool  // skipped because nobody talked (missed, abandoned, talk time 0): nothing to analyse
	LastError      string
	PausedKey      string // the key id whose pause (Kendo refused the key) holds the call

	CompleteAt     *time.Time // first time the call was seen finished
	ReadyAt        *time.Time // first time it had what Kendo needs
	DeliverAfter   *time.Time // the next send time: not before this (settle, pacing, retry, pause)
	FirstAttemptAt *time.Time // start of the retry horizon of the current generation
	DeliveredAt    *time.Time
	AnalyzedAt     *time.Time
	PurgedAt       *time.Time // its raw events and payload were purged (retention) or erased
}

// Policy holds the engine settings that transitions depend on.
type Policy struct {
	Settle       time.Duration // a ready call waits this long for more of its events
	Grace        time.Duration // … or only this long when nothing more is expected
	ArtifactWait time.Duration // a finished call waits this long for a recording or transcript
	RetryHorizon time.Duration // transient failures are retried this long, then the call fails
}

// Effects is what the engine must do besides storing the new State.
type Effects struct {
	ScheduleJob bool          // insert the delivery job of State.Generation
	WakeJob     bool          // the job sleeps past the new DeliverAfter: let it run now
	CancelJob   bool          // no delivery is wanted any more
	CompleteJob bool          // the running job is done
	Snooze      time.Duration // the running job runs again after this
	PauseKey    bool          // Kendo refused the key: pause its deliveries
	ResumeKey   bool          // Kendo accepted the key again: resume its deliveries
	// Attempt is the class of Kendo's answer to one request (delivered, rate_limited,
	// transient, unreachable, unknown, …), "" when the transition answered no request.
	// Ended is the call's final result when the transition ends its delivery (delivered,
	// failed, skipped), "" when it does not: a retry or a shrink-and-retry is an attempt,
	// not an end. The metrics keep the two apart so that an alert on calls that failed
	// counts calls, not requests.
	Attempt string
	Ended   string
}

// Final results of a call, the values of Effects.Ended.
const (
	EndedDelivered = "delivered"
	EndedFailed    = "failed"
	EndedSkipped   = "skipped"
)

func at(t time.Time) *time.Time { return &t }

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
