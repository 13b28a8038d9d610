package delivery

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/notify"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// Notifications leave the engine in three steps, none of which can hold up a delivery:
// a transition raises an event into the outbox inside its own transaction (raise, and
// raiseForTransition from callTx.apply); a loop groups due events into messages (one per
// type and team per --notify-interval) and queues one notify job per message and target
// in that same transaction; the job posts the message, and River retries it while the
// receiver is down. The notify jobs run in a queue of their own, so a slow receiver never
// takes a delivery worker.

// notifyQueue is the River queue of the notify jobs.
const notifyQueue = "notify"

// notifyWorkers is how many messages are being sent at once.
const notifyWorkers = 2

// notifyMaxAttempts: River's backoff (attempt⁴ seconds) makes 12 attempts about a day
// of retrying a receiver that is down before a message is given up.
const notifyMaxAttempts = 12

// NotifyArgs is the job that sends one message to one target.
type NotifyArgs struct {
	MessageID int64         `json:"message_id" river:"unique"`
	Target    notify.Target `json:"target" river:"unique"`
}

// Kind names the job in River's table.
func (NotifyArgs) Kind() string { return "aloware_kendo_notify" }

// InsertOpts puts the job in its own queue, once per message and target.
func (NotifyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: notifyQueue, MaxAttempts: notifyMaxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type notifyWorker struct {
	river.WorkerDefaults[NotifyArgs]
	s *Service
}

func (w *notifyWorker) Work(ctx context.Context, job *river.Job[NotifyArgs]) error {
	m, err := notify.Load(ctx, w.s.db.SQL, job.Args.MessageID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // pruned: too old to be worth telling
	}
	if err != nil {
		return w.s.db.Scrub(err)
	}
	if err := w.s.notifier.Send(ctx, job.Args.Target, m); err != nil {
		w.s.log.Warn("notification not delivered; it is retried", "type", m.Type, "team", m.Team,
			"target", job.Args.Target, "attempt", job.Attempt, "error", err)
		return err
	}
	w.s.log.Info("notification sent", "type", m.Type, "team", m.Team, "target", job.Args.Target, "events", m.Data.Count)
	return nil
}

// Timeout bounds one send (the request has its own, shorter timeout).
func (w *notifyWorker) Timeout(*river.Job[NotifyArgs]) time.Duration { return 30 * time.Second }

// queues are River's: the deliveries, and the notify jobs' own queue when a receiver is
// configured (without one, nothing would poll an empty queue).
func (s *Service) queues() map[string]river.QueueConfig {
	q := map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: s.sleepers.workers}}
	if s.notifying() {
		q[notifyQueue] = river.QueueConfig{MaxWorkers: notifyWorkers}
	}
	return q
}

// notifying: a receiver is configured. Without one nothing is raised at all.
func (s *Service) notifying() bool { return s.opts.Notify.Enabled() }

func newNotifier(opts Options) notify.Sender {
	return notify.Sender{Targets: opts.Notify, Client: &http.Client{}, Now: opts.Now}
}

// raise writes a notification event into the outbox of this transaction: it is told
// only if the transaction commits. A no-op when no receiver is configured.
func (t *callTx) raise(ctx context.Context, e notify.Event) error {
	if !t.s.notifying() {
		return nil
	}
	if e.At.IsZero() {
		e.At = t.s.now()
	}
	return notify.Raise(ctx, t.tx, e)
}

// raiseForTransition raises what a call's transition means for people (transitionEvent).
func (t *callTx) raiseForTransition(ctx context.Context, was, now lifecycle.State, alowareCallID string, at time.Time) error {
	typ, cause, ok := transitionEvent(was, now)
	if !ok {
		return nil
	}
	return t.raise(ctx, notify.Event{Type: typ, Team: now.Team, AlowareCallID: alowareCallID, Cause: cause, At: at})
}

// transitionEvent: a call that just ended failed (outcome unknown told apart: it needs a
// check in Kendo, not a redelivery), or just matched no team, is something to tell.
func transitionEvent(was, now lifecycle.State) (notify.Type, string, bool) {
	if was.Status == now.Status && was.OutcomeUnknown == now.OutcomeUnknown {
		return "", "", false
	}
	switch {
	case now.Status == lifecycle.Failed && now.OutcomeUnknown:
		return notify.CallsOutcomeUnknown, now.Reason, true
	case now.Status == lifecycle.Failed:
		return notify.CallsFailed, cmp.Or(now.LastError, now.Reason), true
	case now.Status == lifecycle.Unrouted:
		return notify.CallsUnrouted, now.Reason, true
	}
	return "", "", false
}

// notifyEvery is how often the outbox is looked at: often enough that a message leaves
// soon after its group is due.
func notifyEvery(o notify.Outbox) time.Duration {
	return min(max(o.Gather()/2, 50*time.Millisecond), 5*time.Second)
}

// collectNotifications groups the due events into messages and queues their jobs, in one
// transaction: a message exists only with its jobs.
func (s *Service) collectNotifications(ctx context.Context) {
	err := s.inTx(ctx, func(ctx context.Context, t *callTx) error {
		msgs, err := s.outbox.Collect(ctx, t.tx, s.now())
		if err != nil || len(msgs) == 0 {
			return err
		}
		var params []river.InsertManyParams
		for _, m := range msgs {
			for _, target := range s.opts.Notify.List() {
				params = append(params, river.InsertManyParams{Args: NotifyArgs{MessageID: m.ID, Target: target}})
			}
		}
		_, err = s.river.InsertManyTx(ctx, t.tx, params)
		return err
	})
	if err != nil && ctx.Err() == nil && !errors.Is(err, store.ErrNoCall) {
		s.log.Warn("grouping notifications failed; tried again shortly", "error", err)
	}
}

// quarantineCause names the first problem of a quarantined event (masked when raised).
func quarantineCause(q store.Quarantined) string {
	if len(q.Problems) == 0 {
		return "the event could not be used"
	}
	p := q.Problems[0]
	if p.Location == "" {
		return p.Message
	}
	return p.Location + ": " + p.Message
}
