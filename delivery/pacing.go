package delivery

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
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
func (s *Service) takeSlot(ctx context.Context, team teams.Team) (slotGrant, error) {
	start := s.now()
	window := team.Rate.Period + pacingMargin(team.Rate)
	for {
		now := s.now()
		id, wait, err := s.db.TakeSlot(ctx, team.KeyID(), team.Rate.Limit, window, now)
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
