package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// retentionEvery is how often the retention job looks for content to purge.
func retentionEvery(retain time.Duration) time.Duration {
	return min(max(retain/100, time.Second), time.Minute)
}

// purgeBatch is how many calls one listing of the retention job takes; it takes more
// until one comes back short, so a first run over a large backlog (100,000 calls) is
// done in one go rather than 200 a minute.
const purgeBatch = 200

// purgeExpired purges the raw events and payload of calls finished longer than --retain
// ago (data is kept only as long as configured). The call's row stays — ids,
// status, Kendo's callId, event names and times — so a late repeat is still a duplicate.
// Quarantined events and Kendo's webhook bodies older than that go too.
func (s *Service) purgeExpired(ctx context.Context) {
	now := s.now()
	cutoff := now.Add(-s.opts.Retain)
	purged := 0
	for ctx.Err() == nil {
		ids, err := s.db.ExpiredCalls(ctx, cutoff, purgeBatch)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("retention: listing expired calls failed", "error", err)
			}
			break
		}
		n := s.purgeCalls(ctx, ids, now)
		purged += n
		if len(ids) < purgeBatch || n == 0 { // done, or stuck on calls that fail: next run
			break
		}
	}
	quarantined, err := s.db.PurgeQuarantine(ctx, cutoff)
	if err == nil && quarantined > 0 {
		s.log.Info("retention: quarantined events purged", "count", quarantined)
	}
	webhooks, _ := s.db.PurgeWebhooks(ctx, cutoff)
	idless, _ := s.db.PurgeIDlessEvents(ctx, cutoff)
	// The chart's call ends are needed for its hours only.
	_ = s.db.PruneCallEnds(ctx, now.Add(-chartHours*time.Hour))
	if purged+int(quarantined+webhooks+idless) > 0 || s.forgetPending.Load() {
		s.forget(ctx, "retention")
	}
	if purged > 0 { // how long it took tells an operator whether a backlog's purge held the intake up
		s.log.Info("retention: content of finished calls purged", "calls", purged, "olderThan", s.opts.Retain,
			"took", s.now().Sub(now).Round(time.Millisecond))
	}
}

// forget makes what an erasure or a purge removed unrecoverable from the database files
// (store.Forget: the SQLite WAL emptied, PostgreSQL's dead rows vacuumed) once its
// transactions have committed. When it fails (a reader in another process holds the
// SQLite WAL) the next retention run tries again, purge or not.
func (s *Service) forget(ctx context.Context, after string) {
	if err := s.db.Forget(ctx); err != nil {
		s.forgetPending.Store(true)
		if ctx.Err() == nil {
			s.log.Error("removed content may remain in the database files until the next retention run", "after", after, "error", err)
		}
		return
	}
	s.forgetPending.Store(false)
}

// purgePerTx is how many calls one transaction purges. A commit per call (an fsync on
// SQLite) held a backlog's purge to a few hundred calls a second; 20 a commit keep each
// transaction to milliseconds, so an event of another call still waits little for it.
const purgePerTx = 20

// purgeCalls purges the calls, purgePerTx to a transaction, and returns how many it
// purged. A call whose purge does not apply (erased, or purged meanwhile) is passed
// over; a transaction that fails loses only its own calls until the next run.
func (s *Service) purgeCalls(ctx context.Context, ids []string, now time.Time) int {
	purged := 0
	for len(ids) > 0 && ctx.Err() == nil {
		chunk := ids[:min(purgePerTx, len(ids))]
		ids = ids[len(chunk):]
		n := 0
		err := s.inTx(ctx, func(ctx context.Context, t *callTx) error {
			n = 0 // a retried transaction counts again
			for _, id := range chunk {
				done, err := s.purgeCall(ctx, t, id, now)
				if err != nil {
					return fmt.Errorf("call %s: %w", id, err)
				}
				if done {
					n++
				}
			}
			return nil
		})
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("retention: purge failed", "error", err)
			}
			continue
		}
		purged += n
	}
	return purged
}

// purgeCall drops one locked call's content and records the purge; false when the purge
// does not apply to the call (checked first, so that nothing is dropped then).
func (s *Service) purgeCall(ctx context.Context, t *callTx, id string, now time.Time) (bool, error) {
	call, err := t.lock(ctx, id)
	if err != nil {
		return false, err
	}
	if _, _, err := lifecycle.Apply(call.State, lifecycle.Purged{}, now, s.policy); errors.Is(err, lifecycle.ErrNotApplicable) {
		return false, nil
	}
	if err := s.dropContent(ctx, t.tx, &call); err != nil {
		return false, err
	}
	_, err = t.apply(ctx, &call, lifecycle.Purged{}, now, nil) // saves the call
	return err == nil, err
}

// dropContent deletes a call's stored content (raw events, Kendo's error texts) and
// clears the merged call, the last error and the rep's name and e-mail on the row,
// which the caller saves; what
// stays is what identifies the call. The last error goes because it ends in Kendo's
// text, which may quote the payload; the attempt log keeps each answer's outcome and
// HTTP status.
func (s *Service) dropContent(ctx context.Context, tx *sql.Tx, call *store.Call) error {
	if err := s.db.PurgeEvents(ctx, tx, call.AlowareCallID); err != nil {
		return err
	}
	if err := s.db.PurgeAttempts(ctx, tx, call.AlowareCallID); err != nil {
		return err
	}
	call.Merged, call.MergedVersion, call.RawBytes, call.LastError = nil, 0, 0, ""
	// The rep's name and e-mail are personal data too; the agent's Aloware user id and the
	// rep's state stay, so GET /reps still counts the call.
	call.RepEmail, call.AgentName, call.RepName = "", "", ""
	return nil
}
