package lifecycle

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/mapping"
)

var (
	t0     = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	policy = Policy{Settle: time.Minute, Grace: 5 * time.Second, ArtifactWait: 10 * time.Minute, RetryHorizon: 24 * time.Hour}
)

func ptr(t time.Time) *time.Time { return &t }

func ready(team string) Observed {
	return Observed{Verdict: mapping.StateReady, Complete: true, Team: team, Routed: true}
}

func answer(o kendo.Outcome, status int, sent bool) Answered {
	return Answered{Result: kendo.Result{Outcome: o, Status: status, Sent: sent, KendoCallID: map[bool]string{true: "k-1"}[o == kendo.Accepted], Message: "m"},
		RetryIn: 2 * time.Second, KeyID: "key_1", PausedSince: t0, ProbeEvery: 5 * time.Minute}
}

// Every transition of the table: from a state, an input, to a state (checked by check)
// with the effects the engine must carry out.
func TestApply(t *testing.T) {
	delivering := State{Status: Delivering, Attempts: 1, Team: "sales", FirstAttemptAt: ptr(t0), ReadyAt: ptr(t0)}
	tests := []struct {
		name    string
		from    State
		in      Input
		now     time.Time
		want    Status
		effects Effects
		err     error
		check   func(t *testing.T, s State)
	}{
		// Observed: a new event folded into the call.
		{name: "in progress stays received", from: State{}, in: Observed{Verdict: mapping.StateInProgress, Reason: "still ringing"},
			want: Received, check: func(t *testing.T, s State) { is(t, s.Reason, "still ringing") }},
		{name: "finished without artifacts waits", from: State{Status: Received}, in: Observed{Verdict: mapping.StateAwaitingArtifacts, Complete: true, Reason: "waiting"},
			want: Received, check: func(t *testing.T, s State) { notNil(t, s.CompleteAt) }},
		{name: "sms is ignored", in: Observed{Verdict: mapping.StateIgnored, Reason: "SMS"}, want: Ignored},
		{name: "missed call is skipped", in: Observed{Verdict: mapping.StateUnanswered, Complete: true, Reason: "missed"},
			want: Skipped, effects: Effects{Ended: EndedSkipped}, check: func(t *testing.T, s State) { truth(t, s.Unanswered) }},
		{name: "a missed call whose recording turns up is answered after all", from: State{Status: Skipped, Unanswered: true},
			in: ready("s"), want: Scheduled, effects: Effects{ScheduleJob: true}, check: func(t *testing.T, s State) { truth(t, !s.Unanswered) }},
		{name: "a call skipped by a rule was not unanswered", from: State{Status: Received},
			in:   Observed{Verdict: mapping.StateFiltered, Complete: true, Reason: "inbound calls are not sent"},
			want: Skipped, effects: Effects{Ended: EndedSkipped}, check: func(t *testing.T, s State) { truth(t, !s.Unanswered) }},
		{name: "a call that is not ready takes its route's team", in: Observed{Verdict: mapping.StateUnanswered, Complete: true, Team: "sales", Routed: true},
			want: Skipped, effects: Effects{Ended: "skipped"}, check: func(t *testing.T, s State) { is(t, s.Team, "sales") }},
		{name: "ready is scheduled after the settle", in: ready("sales"), want: Scheduled, effects: Effects{ScheduleJob: true},
			check: func(t *testing.T, s State) {
				is(t, s.Team, "sales")
				isTime(t, s.DeliverAfter, t0.Add(time.Minute))
			}},
		{name: "ready with nothing more expected goes after the grace", in: Observed{Verdict: mapping.StateReady, Complete: true, NothingMoreExpected: true, Team: "s", Routed: true},
			want: Scheduled, effects: Effects{ScheduleJob: true}, check: func(t *testing.T, s State) { isTime(t, s.DeliverAfter, t0.Add(5*time.Second)) }},
		{name: "a scheduled call is sent early once nothing more is expected",
			from: State{Status: Scheduled, ReadyAt: ptr(t0), DeliverAfter: ptr(t0.Add(time.Minute))},
			in:   Observed{Verdict: mapping.StateReady, NothingMoreExpected: true, Routed: true}, now: t0.Add(20 * time.Second),
			want: Scheduled, effects: Effects{WakeJob: true}, check: func(t *testing.T, s State) { isTime(t, s.DeliverAfter, t0.Add(20*time.Second)) }},
		{name: "a scheduled call keeps its job", from: State{Status: Scheduled, ReadyAt: ptr(t0), DeliverAfter: ptr(t0.Add(time.Minute))},
			in: ready("s"), want: Scheduled},
		{name: "ready without a route is unrouted", in: Observed{Verdict: mapping.StateReady, Complete: true, Unrouted: "no team matches"},
			want: Unrouted, check: func(t *testing.T, s State) { is(t, s.Reason, "no team matches") }},
		{name: "an unrouted call is routed by a later event", from: State{Status: Unrouted, ReadyAt: ptr(t0)}, in: ready("support"),
			want: Scheduled, effects: Effects{ScheduleJob: true}},
		{name: "a late recording revives a skipped call", from: State{Status: Skipped, Reason: "missed"}, in: ready("s"),
			want: Scheduled, effects: Effects{ScheduleJob: true}},
		{name: "a filtered call is skipped with the rule's reason", from: State{Status: Received},
			in:   Observed{Verdict: mapping.StateFiltered, Complete: true, Sendable: true, Reason: "talk time 4 s is under --min-talk-time 10s"},
			want: Skipped, effects: Effects{Ended: "skipped"}, check: func(t *testing.T, s State) {
				is(t, s.Reason, "talk time 4 s is under --min-talk-time 10s")
				notNil(t, s.ReadyAt) // an operator can still send it
			}},
		{name: "a filtered call waiting for its recording is skipped at once", from: State{Status: Received},
			in:   Observed{Verdict: mapping.StateFiltered, Complete: true, Reason: "talk time 4 s is under --min-talk-time 10s"},
			want: Skipped, effects: Effects{Ended: "skipped"}, check: func(t *testing.T, s State) {
				if s.ReadyAt != nil {
					t.Errorf("ReadyAt %v for a call with nothing to send", s.ReadyAt)
				}
			}},
		{name: "a filtered call's recording makes it redeliverable, still skipped", from: State{Status: Skipped, Reason: "talk time 4 s is under --min-talk-time 10s"},
			in:   Observed{Verdict: mapping.StateFiltered, Complete: true, Sendable: true, Reason: "talk time 4 s is under --min-talk-time 10s"},
			want: Skipped, check: func(t *testing.T, s State) { notNil(t, s.ReadyAt) }},
		{name: "a missed call whose voicemail a rule filters says so", from: State{Status: Skipped, Reason: "missed call: nothing to analyse"},
			in:   Observed{Verdict: mapping.StateFiltered, Complete: true, Sendable: true, Reason: "talk time 0 s is under --min-talk-time 10s"},
			want: Skipped, check: func(t *testing.T, s State) {
				is(t, s.Reason, "talk time 0 s is under --min-talk-time 10s")
				notNil(t, s.ReadyAt)
			}},
		{name: "an operator's skip keeps its reason", from: State{Status: Skipped, ByOperator: true, Reason: "skipped by ops"},
			in:   Observed{Verdict: mapping.StateFiltered, Complete: true, Sendable: true, Reason: "talk time 0 s is under --min-talk-time 10s"},
			want: Skipped, check: func(t *testing.T, s State) { is(t, s.Reason, "skipped by ops") }},
		{name: "an operator redelivers a filtered call", from: State{Status: Skipped, ReadyAt: ptr(t0), Reason: "talk time 4 s is under --min-talk-time 10s"},
			in: Redeliver{By: "ops", Team: "s", Routed: true}, want: Scheduled, effects: Effects{ScheduleJob: true}},
		{name: "an operator's skip stays", from: State{Status: Skipped, ByOperator: true}, in: ready("s"), want: Skipped},
		{name: "a delivered call ignores its events", from: State{Status: Delivered, KendoCallID: "k"}, in: ready("s"), want: Delivered},
		{name: "a delivering call is not disturbed", from: delivering, in: ready("s"), want: Delivering},
		{name: "a failed call waits for an operator", from: State{Status: Failed}, in: ready("s"), want: Failed},
		{name: "an erased call drops its events", from: State{Status: Erased}, in: ready("s"), want: Erased},

		// The delivery job.
		{name: "deferred for pacing", from: State{Status: Scheduled}, in: Deferred{Until: t0.Add(3 * time.Second), Reason: "pacing"},
			want: Scheduled, effects: Effects{Snooze: 3 * time.Second}},
		{name: "a paused call resumes at once", from: State{Status: Scheduled, PausedKey: "key_1", DeliverAfter: ptr(t0.Add(time.Hour)), Reason: "paused"},
			in: Resumed{}, want: Scheduled, effects: Effects{WakeJob: true},
			check: func(t *testing.T, s State) { isTime(t, s.DeliverAfter, t0); is(t, s.PausedKey, "") }},
		{name: "only a held call resumes", from: State{Status: Scheduled}, in: Resumed{}, want: Scheduled, err: ErrNotApplicable},
		{name: "send starts", from: State{Status: Scheduled, DeliverAfter: ptr(t0)}, in: SendStarted{}, want: Delivering,
			check: func(t *testing.T, s State) {
				if s.Attempts != 1 || s.FirstAttemptAt == nil || s.DeliverAfter != nil {
					t.Fatalf("%+v", s)
				}
			}},
		{name: "send cannot start twice", from: delivering, in: SendStarted{}, want: Delivering, err: ErrNotApplicable},
		{name: "201 delivers", from: delivering, in: answer(kendo.Accepted, 201, true), want: Delivered,
			effects: Effects{CompleteJob: true, ResumeKey: true, Attempt: "delivered", Ended: "delivered"},
			check:   func(t *testing.T, s State) { is(t, s.KendoCallID, "k-1") }},
		{name: "400 fails", from: delivering, in: answer(kendo.BadRequest, 400, true), want: Failed,
			effects: Effects{CompleteJob: true, Attempt: "bad_request", Ended: "failed"}},
		{name: "401 pauses instead of failing", from: delivering, in: answer(kendo.Unauthorized, 401, true), want: Scheduled,
			effects: Effects{Snooze: 5 * time.Minute, PauseKey: true, Attempt: "unauthorized"},
			check: func(t *testing.T, s State) {
				is(t, s.PausedKey, "key_1")
				contains(t, s.Reason, "HTTP 401", "2026-12-01T10:00:00Z")
			}},
		{name: "413 once more shrunk", from: delivering, in: answer(kendo.TooLarge, 413, true), want: Scheduled,
			effects: Effects{Attempt: "too_large"}, check: func(t *testing.T, s State) { truth(t, s.Shrunk) }},
		{name: "413 after shrinking fails", from: func() State { s := delivering; s.Shrunk = true; return s }(), in: answer(kendo.TooLarge, 413, true),
			want: Failed, effects: Effects{CompleteJob: true, Attempt: "too_large", Ended: "failed"}},
		{name: "429 retries", from: delivering, in: answer(kendo.RateLimited, 429, true), want: Scheduled,
			effects: Effects{Snooze: 2 * time.Second, Attempt: "rate_limited"}},
		{name: "500 retries", from: delivering, in: answer(kendo.Transient, 500, true), want: Scheduled,
			effects: Effects{Snooze: 2 * time.Second, Attempt: "transient"}},
		{name: "refused connection retries", from: delivering, in: answer(kendo.Unreachable, 0, false), want: Scheduled,
			effects: Effects{Snooze: 2 * time.Second, Attempt: "unreachable"},
			check:   func(t *testing.T, s State) { contains(t, s.Reason, "could not reach Kendo") }},
		{name: "unreachable past the horizon fails", from: delivering, in: answer(kendo.Unreachable, 0, false), now: t0.Add(25 * time.Hour),
			want: Failed, effects: Effects{CompleteJob: true, Attempt: "unreachable", Ended: "failed"}},
		{name: "no answer after sending: unknown, never resent", from: delivering, in: answer(kendo.Transient, 0, true), want: Failed,
			effects: Effects{CompleteJob: true, Attempt: "unknown", Ended: "failed"}, check: func(t *testing.T, s State) { truth(t, s.OutcomeUnknown) }},
		{name: "retries end at the horizon", from: delivering, in: answer(kendo.Transient, 503, true), now: t0.Add(25 * time.Hour),
			want: Failed, effects: Effects{CompleteJob: true, Attempt: "transient", Ended: "failed"}},
		{name: "a late 201 clears an unknown outcome", from: State{Status: Failed, OutcomeUnknown: true}, in: answer(kendo.Accepted, 201, true),
			want: Delivered, effects: Effects{CompleteJob: true, Attempt: "delivered", Ended: "delivered"}},
		{name: "a 201 for an erased call is recorded, the call stays erased", from: State{Status: Erased}, in: answer(kendo.Accepted, 201, true),
			want: Erased, effects: Effects{CompleteJob: true, Attempt: "delivered"}, check: func(t *testing.T, s State) { is(t, s.KendoCallID, "k-1") }},
		{name: "a rerun of a cut-off attempt never sends again", from: delivering, in: Rerun{}, want: Failed,
			effects: Effects{CompleteJob: true, Attempt: "unknown", Ended: "failed"}, check: func(t *testing.T, s State) { truth(t, s.OutcomeUnknown) }},

		{name: "a call no longer ready is not sent", from: State{Status: Scheduled}, in: NotReady{Reason: "no recording"}, want: Skipped,
			effects: Effects{CompleteJob: true, Ended: "skipped"}},

		// Operators.
		{name: "redeliver a failed call", from: State{Status: Failed, ReadyAt: ptr(t0), Generation: 2, OutcomeUnknown: true, Shrunk: true},
			in: Redeliver{By: "ops", Team: "sales", Routed: true}, want: Scheduled, effects: Effects{ScheduleJob: true},
			check: func(t *testing.T, s State) {
				if s.Generation != 3 || s.OutcomeUnknown || s.Shrunk || !strings.Contains(s.Reason, "ops") {
					t.Fatalf("%+v", s)
				}
			}},
		{name: "redeliver re-routes an unrouted call", from: State{Status: Unrouted, ReadyAt: ptr(t0)}, in: Redeliver{Team: "support", Routed: true},
			want: Scheduled, effects: Effects{ScheduleJob: true}, check: func(t *testing.T, s State) { is(t, s.Team, "support") }},
		{name: "redeliver with still no route", from: State{Status: Unrouted, ReadyAt: ptr(t0)}, in: Redeliver{Unrouted: "still none"}, want: Unrouted},
		{name: "a scheduled call is not queued twice", from: State{Status: Scheduled, ReadyAt: ptr(t0)}, in: Redeliver{Routed: true}, want: Scheduled, err: ErrNotRedeliverable},
		{name: "a delivered call is never sent twice", from: State{Status: Delivered, ReadyAt: ptr(t0)}, in: Redeliver{Routed: true}, want: Delivered, err: ErrNotRedeliverable},
		{name: "a purged call has nothing to send", from: State{Status: Failed, ReadyAt: ptr(t0), PurgedAt: ptr(t0)}, in: Redeliver{Routed: true}, want: Failed, err: ErrPurged},
		{name: "an erased call has nothing to send", from: State{Status: Erased, ReadyAt: ptr(t0), PurgedAt: ptr(t0)}, in: Redeliver{Routed: true}, want: Erased, err: ErrPurged},
		{name: "a missed call has nothing to send", from: State{Status: Skipped}, in: Redeliver{Routed: true}, want: Skipped, err: ErrNotRedeliverable},
		{name: "skip a waiting call", from: State{Status: Scheduled}, in: Skip{By: "ops page"}, want: Skipped,
			effects: Effects{CancelJob: true, Ended: "skipped"}, check: func(t *testing.T, s State) { truth(t, s.ByOperator) }},
		{name: "a delivering call cannot be skipped", from: delivering, in: Skip{}, want: Delivering, err: ErrNotSkippable},
		{name: "erase", from: State{Status: Scheduled}, in: Erase{By: "ops page (alice)"}, want: Erased, effects: Effects{CancelJob: true},
			check: func(t *testing.T, s State) {
				notNil(t, s.PurgedAt)
				contains(t, s.Reason, "erased on request of ops page (alice) at 2026-")
			}},

		// A database restored from a backup cannot know what happened after the backup.
		{name: "restored scheduled call is not sent again", from: State{Status: Scheduled, ReadyAt: ptr(t0), DeliverAfter: ptr(t0), PausedKey: "k"},
			in: Restored{BackupAt: t0.Add(-time.Hour)}, want: Failed, effects: Effects{CancelJob: true},
			check: func(t *testing.T, s State) {
				truth(t, s.OutcomeUnknown)
				contains(t, s.Reason, "outcome unknown", "backup taken at 2026-12-01T09:00:00Z", "was scheduled", "not sent again")
				if s.DeliverAfter != nil || s.PausedKey != "" {
					t.Fatalf("a failed call holds no send time or pause: %+v", s)
				}
			}},
		{name: "restored delivering call is not sent again", from: delivering, in: Restored{BackupAt: t0}, want: Failed, effects: Effects{CancelJob: true},
			check: func(t *testing.T, s State) { truth(t, s.OutcomeUnknown); contains(t, s.Reason, "was delivering") }},
		{name: "restored received call may have been completed and sent after the backup", from: State{Status: Received},
			in: Restored{BackupAt: t0}, want: Failed, effects: Effects{CancelJob: true},
			check: func(t *testing.T, s State) { truth(t, s.OutcomeUnknown); contains(t, s.Reason, "was received") }},
		{name: "restored unrouted call may have been redelivered after the backup", from: State{Status: Unrouted, ReadyAt: ptr(t0)},
			in: Restored{BackupAt: t0}, want: Failed, effects: Effects{CancelJob: true},
			check: func(t *testing.T, s State) { truth(t, s.OutcomeUnknown) }},
		{name: "restored delivered call stays delivered", from: State{Status: Delivered, KendoCallID: "k"}, in: Restored{BackupAt: t0}, want: Delivered, err: ErrNotApplicable},
		{name: "restored failed call stays as it was", from: State{Status: Failed}, in: Restored{BackupAt: t0}, want: Failed, err: ErrNotApplicable},
		{name: "restored skipped call stays skipped", from: State{Status: Skipped}, in: Restored{BackupAt: t0}, want: Skipped, err: ErrNotApplicable},

		// Sweeps and Kendo's webhook.
		{name: "no artifacts in time", from: State{Status: Received, CompleteAt: ptr(t0)}, in: ArtifactTimeout{}, now: t0.Add(11 * time.Minute),
			want: Skipped, effects: Effects{Ended: "skipped"}},
		{name: "not yet timed out", from: State{Status: Received, CompleteAt: ptr(t0)}, in: ArtifactTimeout{}, now: t0.Add(time.Minute),
			want: Received, err: ErrNotApplicable},
		{name: "analysis of a delivered call", from: State{Status: Delivered}, in: AnalysisReady{At: t0}, want: Analyzed},
		{name: "analysis of an unknown call does nothing", from: State{Status: Failed}, in: AnalysisReady{At: t0}, want: Failed, err: ErrNotApplicable},
		// Kendo resolves an unknown outcome (its call.uploaded matched this call alone).
		{name: "Kendo's word resolves an unknown outcome", from: State{Status: Failed, OutcomeUnknown: true, LastError: "no answer"},
			in: KendoHasIt{KendoCallID: "k-9", How: "duration 63 s and agent Ann"}, want: Delivered,
			check: func(t *testing.T, s State) {
				is(t, s.KendoCallID, "k-9")
				is(t, s.LastError, "")
				contains(t, s.Reason, "outcome resolved by Kendo", "duration 63 s and agent Ann")
				notNil(t, s.DeliveredAt)
				truth(t, !s.OutcomeUnknown)
			}},
		{name: "Kendo's word leaves a call that failed for a known reason alone", from: State{Status: Failed},
			in: KendoHasIt{KendoCallID: "k-9"}, want: Failed, err: ErrNotApplicable},
		{name: "Kendo's word leaves a delivered call alone", from: State{Status: Delivered, KendoCallID: "k-1"},
			in: KendoHasIt{KendoCallID: "k-9"}, want: Delivered, err: ErrNotApplicable},
		{name: "a resolution needs a callId", from: State{Status: Failed, OutcomeUnknown: true},
			in: KendoHasIt{}, want: Failed, err: ErrNotApplicable},
		{name: "purge a finished call", from: State{Status: Delivered}, in: Purged{}, want: Delivered, check: func(t *testing.T, s State) { notNil(t, s.PurgedAt) }},
		{name: "a waiting call is never purged", from: State{Status: Scheduled}, in: Purged{}, want: Scheduled, err: ErrNotApplicable},
		{name: "an unrouted call waits for its team: never purged", from: State{Status: Unrouted}, in: Purged{}, want: Unrouted, err: ErrNotApplicable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := tt.now
			if now.IsZero() {
				now = t0
			}
			got, eff, err := Apply(tt.from, tt.in, now, policy)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if got.Status != tt.want {
				t.Fatalf("status %q, want %q (reason %q)", got.Status, tt.want, got.Reason)
			}
			if eff != tt.effects {
				t.Fatalf("effects %+v, want %+v", eff, tt.effects)
			}
			if err != nil && got != tt.from {
				t.Fatalf("an error must leave the state unchanged: %+v", got)
			}
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

// A call that Kendo may have received is never handed back to a sending state except by
// an operator's redelivery: walk every input from every such state.
func TestNothingResendsAfterKendoMayHaveIt(t *testing.T) {
	inputs := []Input{ready("s"), Deferred{Until: t0}, SendStarted{}, Rerun{}, Restored{BackupAt: t0}, Skip{}, ArtifactTimeout{}, AnalysisReady{At: t0}, Purged{},
		KendoHasIt{KendoCallID: "k-2", How: "duration and agent"},
		answer(kendo.Accepted, 201, true), answer(kendo.Transient, 0, true)}
	for _, from := range []State{
		{Status: Delivered, KendoCallID: "k"}, {Status: Analyzed, KendoCallID: "k"},
		{Status: Failed, OutcomeUnknown: true}, {Status: Delivering, Attempts: 1},
	} {
		for _, in := range inputs {
			got, _, err := Apply(from, in, t0, policy)
			if err == nil && (got.Status == Scheduled || got.Status == Received) {
				t.Errorf("%s --%T--> %s: a call Kendo may have must not wait to be sent again", from.Status, in, got.Status)
			}
		}
	}
}

func is(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func contains(t *testing.T, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Fatalf("%q lacks %q", s, p)
		}
	}
}

func isTime(t *testing.T, got *time.Time, want time.Time) {
	t.Helper()
	if got == nil || !got.Equal(want) {
		t.Fatalf("time %v, want %v", got, want)
	}
}

func notNil(t *testing.T, p *time.Time) {
	t.Helper()
	if p == nil {
		t.Fatal("time not set")
	}
}

func truth(t *testing.T, b bool) {
	t.Helper()
	if !b {
		t.Fatal("want true")
	}
}
