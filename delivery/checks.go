package delivery

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aloware-kendo/aloware-kendo/preflight"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// keyCheckFresh is how long a probe of a key answers the ops page's checks: reloading
// the page must not spend the key's window (30 requests a minute) on probes.
const keyCheckFresh = time.Minute

// Checks runs the preflight checks that need the running engine: the database and each
// team's Kendo key. The configuration's checks (Aloware token, inbound auth, teams
// file) are the caller's: the engine does not know them.
func (s *Service) Checks(ctx context.Context) []preflight.Check {
	check := preflight.Check{Name: "database writable"}
	if err := s.Ready(ctx); err != nil {
		check.Detail = err.Error()
	} else {
		check.OK, check.Detail = true, string(s.db.Dialect)+": a write succeeded just now"
	}
	out := []preflight.Check{check}
	for _, t := range s.opts.Teams.Teams() {
		out = append(out, s.keyCheck(ctx, t))
	}
	return out
}

// keyCheck is preflight.KendoKey run by the service itself, without delaying a call: a
// paused key fails with what Kendo answered; otherwise the probe (a body Kendo must
// refuse) is sent only when a send of the key's window is free and no call waits for
// one, and counts as a send there. A key busy delivering is reported as such, unprobed.
func (s *Service) keyCheck(ctx context.Context, t teams.Team) preflight.Check {
	name := "kendo key " + t.Name
	if t.APIKey == "" {
		return preflight.KendoKey(ctx, nil, t) // says no key is set, sends nothing
	}
	p, paused, err := s.db.GetPause(ctx, s.db.SQL, t.KeyID())
	if err != nil {
		return preflight.Check{Name: name, Detail: "cannot tell: reading the key's state failed: " + err.Error()}
	}
	if paused {
		return preflight.Check{Name: name, Detail: fmt.Sprintf("Kendo REFUSED %s with %d since %s: its deliveries are paused, one probe every %s; "+
			"create a key for this team in Kendo (Integrations > Push API), set it and restart", t.KeyID(), p.HTTPStatus,
			p.Since.Format(time.RFC3339), s.opts.ProbeEvery)}
	}
	if c, ok := s.keyChecks.fresh(t.KeyID(), s.now()); ok {
		c.Name = name // the key's check may have been run for another team sharing the key
		return c
	}
	slot, free, err := s.db.TrySlot(ctx, t.KeyID(), t.Rate.Limit, t.Rate.Period, s.now)
	switch {
	case err != nil:
		return preflight.Check{Name: name, Detail: "cannot tell: the pacing state could not be read: " + err.Error()}
	case !free:
		return preflight.Check{Name: name, OK: true, Detail: fmt.Sprintf("%s is delivering: its window (%s) is full and Kendo has not "+
			"refused it; not probed now, so no call waits for the check", t.KeyID(), t.Rate)}
	}
	if err := s.db.MoveSlot(ctx, s.db.SQL, slot, inFlight(s.now(), t.Rate)); err != nil { // dated as the probe leaves
		return preflight.Check{Name: name, Detail: "cannot tell: the pacing state could not be written: " + err.Error()}
	}
	c := preflight.KendoKey(ctx, s.kendo, t)
	if err := s.db.MoveSlot(context.WithoutCancel(ctx), s.db.SQL, slot, s.now()); err != nil {
		s.log.Warn("dating the key check's send failed", "error", err)
	}
	s.keyChecks.keep(t.KeyID(), c, s.now())
	return c
}

// keyCheckCache keeps each key's last probe for keyCheckFresh.
type keyCheckCache struct {
	mu   sync.Mutex
	last map[string]keyCheckResult
}

type keyCheckResult struct {
	check preflight.Check
	at    time.Time
}

func (c *keyCheckCache) fresh(keyID string, now time.Time) (preflight.Check, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.last[keyID]
	if !ok || now.Sub(r.at) >= keyCheckFresh {
		return preflight.Check{}, false
	}
	return r.check, true
}

func (c *keyCheckCache) keep(keyID string, check preflight.Check, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		c.last = map[string]keyCheckResult{}
	}
	c.last[keyID] = keyCheckResult{check, now}
}
