package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/notify"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// pausedWait says how long a due call of a paused key waits (a refused key pauses its
// deliveries instead of failing them: a key fixed later sends them all). One request
// per probe interval tests the key: the first due call after the interval takes the
// probe and is sent; the rest wait for the next probe time. 0 means "send".
func (s *Service) pausedWait(ctx context.Context, tx *sql.Tx, team teams.Team, now time.Time) (time.Duration, string, error) {
	p, paused, err := s.db.GetPause(ctx, tx, team.KeyID())
	if err != nil || !paused {
		return 0, "", err
	}
	took, err := s.db.TakeProbe(ctx, tx, team.KeyID(), now, s.opts.ProbeEvery)
	if err != nil || took {
		return 0, "", err
	}
	next := p.ProbeAfter
	if !next.After(now) { // another run took the probe just now
		next = now.Add(s.opts.ProbeEvery)
	}
	// A little jitter keeps the waiting calls from all waking in the same instant.
	wait := next.Sub(now) + time.Duration(rand.Int64N(int64(time.Second)))
	reason := fmt.Sprintf("Kendo refused the API key (HTTP %d) since %s: deliveries with this key are paused; one request tests it every %s",
		p.HTTPStatus, p.Since.UTC().Format(time.RFC3339), s.opts.ProbeEvery)
	return wait, reason, nil
}

// resumeKey ends a key's pause and wakes the calls it held, so they go out at the
// normal pace now instead of at their next probe time.
func (s *Service) resumeKey(ctx context.Context, t *callTx, keyID string) error {
	resumed, err := s.db.ResumeKey(ctx, t.tx, keyID)
	if err != nil || !resumed {
		return err
	}
	s.log.Info("Kendo accepts the API key again: deliveries resume", "keyId", keyID)
	if err := t.raise(ctx, notify.Event{Type: notify.KeyResumed, Team: s.teamOfKey(keyID),
		Cause: "Kendo accepted a request with the key again"}); err != nil {
		return err
	}
	ids, err := s.db.HeldCalls(ctx, t.tx, keyID)
	if err != nil {
		return err
	}
	return s.resume(ctx, t, ids)
}

// teamOfKey names the team a key belongs to ("" for a key no team has any more).
func (s *Service) teamOfKey(keyID string) string {
	for _, t := range s.opts.Teams.Teams() {
		if t.KeyID() == keyID {
			return t.Name
		}
	}
	return ""
}

// resume makes held calls due now and wakes their jobs.
func (s *Service) resume(ctx context.Context, t *callTx, alowareCallIDs []string) error {
	now := s.now()
	for _, id := range alowareCallIDs {
		call, err := t.lock(ctx, id)
		if err != nil {
			return err
		}
		if _, err := t.apply(ctx, &call, lifecycle.Resumed{}, now, nil); err != nil && !errors.Is(err, lifecycle.ErrNotApplicable) {
			return err
		}
	}
	return nil
}

// resumeUnpausedKeys runs at start: a pause of a key no team has any more is over (a
// restart with another key resumes at once), and calls that waited for a key, or for a
// pause that is over, are woken now.
func (s *Service) resumeUnpausedKeys(ctx context.Context) error {
	configured := map[string]bool{}
	for _, t := range s.opts.Teams.Teams() {
		if t.APIKey != "" {
			configured[t.KeyID()] = true
		}
	}
	pauses, err := s.db.Pauses(ctx)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(ctx context.Context, t *callTx) error {
		for _, p := range pauses {
			if !configured[p.KeyID] {
				if _, err := s.db.ResumeKey(ctx, t.tx, p.KeyID); err != nil {
					return err
				}
			}
		}
		ids, err := s.db.OrphanedWaits(ctx, t.tx)
		if err != nil {
			return err
		}
		return s.resume(ctx, t, ids)
	})
}
