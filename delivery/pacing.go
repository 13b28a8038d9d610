package delivery

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// shortWait is the longest pacing wait spent sleeping in the worker instead of snoozing:
// a snooze costs a round trip through River's queue (its fetch poll), a sleep costs only
// the worker. maxSleep bounds the sleeping of one run, so a job losing the race for slots
// again and again snoozes instead of running into its timeout. turnLead is how early a
// snoozed job comes back for its turn: River fetches it up to a poll late, and a turn
// left unused delays every later one. A wait that short is always slept, by any worker.
const (
	shortWait = 2 * time.Second
	maxSleep  = 5 * time.Second
	turnLead  = 300 * time.Millisecond
)

// pacingWait begins the reason of a call deferred until its pacing turn.
const pacingWait = "waiting for a pacing slot"

// waitsForTurn reports whether a call waits for its pacing turn (rather than a settle, a
// retry or a paused key). Such a call comes back turnLead early on purpose (see
// snoozeForTurn) and sleeps the rest of its wait in takeSlot, keeping its place in the
// key's queue; snoozing it again would bring it back a fetch poll after its turn.
func waitsForTurn(s lifecycle.State) bool {
	return s.PausedKey == "" && strings.HasPrefix(s.Reason, pacingWait)
}

// slotGrant is what takeSlot got: a slot and the attempt started on it, or a wait.
type slotGrant struct {
	id       int64
	attempt  attemptRef
	wait     time.Duration
	deferred bool // the wait is recorded on the call already (in the commit that queued it)
}

// inFlight is the date a pacing slot carries while its request is on its way: the send
// time plus the pacing margin, by when the request has reached Kendo. Once Kendo has
// answered, the slot is dated at the answer (the request arrived before it). So a slot's
// date is never earlier than the arrival Kendo counts, and the rolling window is Kendo's
// own period: the margin is paid only for a request still unanswered when a later one's
// turn comes (a slow Kendo), not by every window of a backlog (0.91 of Kendo's pace at
// 20/s, when every window was widened by it).
func inFlight(sent time.Time, r kendo.Rate) time.Time { return sent.Add(pacingMargin(r)) }

// takeSlot claims a pacing slot of the team's key for the job's call and starts the
// send on it (startIn), sleeping through short waits and reporting long ones. Only a
// key's share of the workers sleeps (keySleepers); the others report their wait (and
// snooze, freeing the worker). A granted slot and the attempt's start are one commit,
// and so is a long wait and its record on the call: on SQLite every commit is an fsync
// between a turn and its request, and at a key's turn a whole window's burst queues
// for them (two commits a request drained a backlog at 0.95–0.97 of Kendo's pace). On
// PostgreSQL the key's lock is held while the body is built, a few milliseconds; other
// replicas wait for it as they would for the slot. errNotSent when the call changed
// since prepare (nothing is taken then). A shutdown ends the sleep: the job snoozes and
// is sent after the restart, as nothing has reached Kendo yet.
func (s *Service) takeSlot(ctx context.Context, job *river.Job[DeliverArgs], team teams.Team) (slotGrant, error) {
	start := s.now()
	// A slot's date is never before its request reached Kendo (see inFlight), so the
	// window is Kendo's own period.
	pace := store.Pace{Limit: team.Rate.Limit, Window: team.Rate.Period, Margin: pacingMargin(team.Rate)}
	sleeping := false
	defer func() {
		if sleeping {
			s.sleepers.release(team.KeyID())
		}
	}()
	for {
		var g slotGrant
		err := s.inTx(ctx, func(ctx context.Context, t *callTx) error {
			var err error
			g = slotGrant{}
			if g.id, g.wait, err = s.db.TakeSlot(ctx, t.tx, team.KeyID(), job.Args.AlowareCallID, pace, s.now); err != nil {
				return err
			}
			switch {
			case g.wait == 0:
				g.attempt, err = s.startIn(ctx, t, job, g.id, team)
				return err
			case g.wait > shortWait || s.now().Sub(start)+g.wait > maxSleep:
				g.deferred = true
				return s.deferIn(ctx, t, job, slotDeferral(team, s.now().Add(g.wait)))
			}
			return nil
		})
		switch {
		case err != nil:
			return slotGrant{}, err
		case g.wait == 0 || g.deferred:
			return g, nil
		}
		wait := g.wait
		if !sleeping && wait > turnLead {
			if sleeping = s.sleepers.claim(team.KeyID()); !sleeping {
				return g, nil
			}
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return slotGrant{}, ctx.Err()
		case <-s.stopping:
			timer.Stop()
			return slotGrant{wait: max(wait, time.Second)}, nil
		case <-timer.C:
		}
	}
}

// slotDeferral is what a call waiting for a pacing slot until until shows.
func slotDeferral(team teams.Team, until time.Time) lifecycle.Deferred {
	return lifecycle.Deferred{Until: until, Reason: fmt.Sprintf("%s: at most %s per key", pacingWait, team.Rate)}
}

// keySleepers bounds the workers asleep waiting for a pacing slot. The workers are
// shared by every team: were they all asleep for one key's slots, a backlog of one team
// would hold back the calls of every other (one team's backlog must never slow
// another's). So a key gets at most its share of the workers for sleeping, and with
// several keys one worker never sleeps; past that a job snoozes, which frees its worker.
type keySleepers struct {
	workers int            // River's delivery workers
	total   int            // of them, how many may sleep at once
	perKey  map[string]int // how many one key may keep asleep

	mu    sync.Mutex
	byKey map[string]int
	n     int
}

// A worker asleep for a turn sends on it; a job that snoozes instead comes back through
// River's queue, a fetch poll late or later still behind the jobs queued before it, and
// the slot it was due to reuse stays empty meanwhile. So each key gets room to sleep
// through one window's turns — its rate's limit, a burst of sends that come due at once
// — on top of baseWorkers for the calls sent at once. maxKeySleepers and
// maxDeliveryWorkers bound the workers (each holds its call's row while it sleeps):
// past them, the keys share the room equally and the rest of a burst snoozes. With 8
// workers shared by two keys at 20/s, three sleepers a key, a drain ran at 0.62 of
// Kendo's window per key.
const (
	baseWorkers        = 8
	maxKeySleepers     = 32
	maxDeliveryWorkers = 64
)

// newKeySleepers sizes the delivery workers for the teams' keys and shares them out. A
// single key may have every worker asleep: there is no other key to serve, and a snooze
// costs a trip through River's queue that comes back late. Several keys share all but
// one worker.
func newKeySleepers(ts []teams.Team) *keySleepers {
	want := map[string]int{}
	for _, t := range ts {
		want[t.KeyID()] = max(want[t.KeyID()], min(max(t.Rate.Limit, 1), maxKeySleepers))
	}
	room := 0
	for _, n := range want {
		room += n
	}
	k := &keySleepers{workers: min(baseWorkers+room, maxDeliveryWorkers), perKey: want, byKey: map[string]int{}}
	k.total = k.workers
	if len(want) > 1 {
		k.total = k.workers - 1
	}
	if len(want) == 1 {
		for key := range want {
			k.perKey[key] = k.workers
		}
	}
	if room > k.total { // capped: an equal share each
		share := max(k.total/len(want), 1)
		for key, n := range want {
			k.perKey[key] = min(n, share)
		}
	}
	return k
}

// claim reports whether the caller may sleep for keyID's slot; release ends it.
func (k *keySleepers) claim(keyID string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.n >= k.total || k.byKey[keyID] >= k.perKey[keyID] {
		return false
	}
	k.n++
	k.byKey[keyID]++
	return true
}

func (k *keySleepers) release(keyID string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.n--
	if k.byKey[keyID]--; k.byKey[keyID] <= 0 {
		delete(k.byKey, keyID)
	}
}

// retryDelay honours Kendo's Retry-After (capped; on a 429 or a 503), and otherwise backs
// off exponentially from 2 s to 10 min with ±20 % jitter so replicas don't retry in step.
// The backoff counts only the answers of res's own class in this generation (earlier
// holds the outcomes of its earlier attempts): a 500 after seven 429s is the first
// server error and waits 2 s, not 2 s × 2⁷ — a run of 429s says Kendo is busy, not
// that it is broken.
func retryDelay(res kendo.Result, earlier []string) time.Duration {
	const maxRetryAfter = 5 * time.Minute
	if res.RetryAfter > 0 {
		return min(res.RetryAfter, maxRetryAfter)
	}
	same := 0
	for _, o := range earlier {
		if o == string(res.Outcome) {
			same++
		}
	}
	d := 2 * time.Second << min(same, 9)
	d = min(d, 10*time.Minute)
	jitter := time.Duration((rand.Float64()*0.4 - 0.2) * float64(d))
	return d + jitter
}
