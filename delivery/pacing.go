package delivery

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// shortWait is the longest pacing wait spent sleeping in the worker instead of snoozing:
// a snooze costs a round trip through River's queue (its fetch poll), a sleep costs only
// the worker. maxSleep bounds the sleeping of one run, so a job losing the race for slots
// again and again snoozes instead of running into its timeout.
const (
	shortWait = 2 * time.Second
	maxSleep  = 5 * time.Second
)

type slotGrant struct {
	id   int64
	wait time.Duration
}

// takeSlot claims a pacing slot of the team's key, sleeping through short waits and
// reporting long ones. A shutdown ends the sleep: the job snoozes and is sent after the
// restart, as nothing has reached Kendo yet.
func (s *Service) takeSlot(ctx context.Context, team teams.Team, alowareCallID string) (slotGrant, error) {
	start := s.now()
	window := team.Rate.Period + pacingMargin(team.Rate)
	for {
		now := s.now()
		id, wait, err := s.db.TakeSlot(ctx, team.KeyID(), alowareCallID, team.Rate.Limit, window, now)
		if err != nil {
			return slotGrant{}, err
		}
		if wait == 0 {
			return slotGrant{id: id}, nil
		}
		if wait > shortWait || now.Sub(start)+wait > maxSleep {
			return slotGrant{wait: wait}, nil
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
