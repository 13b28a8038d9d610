package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
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
// SQLite) held a backlog's purge to a few hundred calls a second; a batch's calls are
// locked, emptied and saved with one statement per table, and 50 a transaction keep each
// transaction to milliseconds, so an event of another call still waits little for it.
const purgePerTx = 50

// purgeCalls purges the calls, purgePerTx to a transaction, and returns how many it
// purged. A call whose purge does not apply (erased, or purged meanwhile) is passed
// over; a transaction that fails loses only its own calls until the next run.
func (s *Service) purgeCalls(ctx context.Context, ids []string, now time.Time) int {
	purged := 0
	for chunk := range slices.Chunk(ids, purgePerTx) {
		if ctx.Err() != nil {
			break
		}
		n := 0
		err := s.inTx(ctx, func(ctx context.Context, t *callTx) error {
			var err error
			n, err = s.purgeBatch(ctx, t, chunk, now) // a retried transaction counts again
			return err
		})
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("retention: purge failed", "error", err, "calls", len(chunk))
			}
			continue
		}
		purged += n
	}
	return purged
}

// purgeBatch drops the content of the calls it locks whose purge applies (checked first,
// so that nothing is dropped of the others) and records each one's purge through the
// transition; it returns how many it purged. Each table is written once for the batch:
// a statement per call and table was most of a purge's time.
func (s *Service) purgeBatch(ctx context.Context, t *callTx, ids []string, now time.Time) (int, error) {
	calls, err := t.lockAll(ctx, ids)
	if err != nil {
		return 0, err
	}
	calls = slices.DeleteFunc(calls, func(c store.Call) bool {
		_, _, err := lifecycle.Apply(c.State, lifecycle.Purged{}, now, s.policy)
		return errors.Is(err, lifecycle.ErrNotApplicable)
	})
	if len(calls) == 0 {
		return 0, nil
	}
	due := make([]string, len(calls))
	for i, c := range calls {
		due[i] = c.AlowareCallID
	}
	if err := s.dropStored(ctx, t.tx, due...); err != nil {
		return 0, err
	}
	var purgedOnly []string // rows whose purge is their only change: saved in one statement
	for _, call := range calls {
		locked := call
		clearContent(&call)
		_, err := t.applySaving(ctx, &call, lifecycle.Purged{}, now, nil, func(ctx context.Context, c store.Call) error {
			if onlyPurged(locked, c, now) {
				purgedOnly = append(purgedOnly, c.AlowareCallID)
				return nil
			}
			return t.save(ctx, c)
		})
		if err != nil {
			return 0, fmt.Errorf("call %s: %w", call.AlowareCallID, err)
		}
	}
	return len(calls), s.db.SavePurged(ctx, t.tx, purgedOnly, now)
}

// onlyPurged reports whether saved differs from the row as locked by nothing but what
// store.SavePurged writes: the content cleared and the purge time.
func onlyPurged(locked, saved store.Call, now time.Time) bool {
	want := locked
	clearContent(&want)
	want.PurgedAt, want.Updated = &now, now
	return reflect.DeepEqual(want, saved)
}

// dropContent deletes a call's stored content (raw events, Kendo's error texts) and
// clears the merged call, the last error and the rep's name and e-mail on the row,
// which the caller saves; what stays is what identifies the call.
func (s *Service) dropContent(ctx context.Context, tx *sql.Tx, call *store.Call) error {
	if err := s.dropStored(ctx, tx, call.AlowareCallID); err != nil {
		return err
	}
	clearContent(call)
	return nil
}

// dropStored deletes the calls' raw events and Kendo's texts about them.
func (s *Service) dropStored(ctx context.Context, tx *sql.Tx, alowareCallIDs ...string) error {
	if err := s.db.PurgeEvents(ctx, tx, alowareCallIDs...); err != nil {
		return err
	}
	return s.db.PurgeAttempts(ctx, tx, alowareCallIDs...)
}

// clearContent empties the content a call's row holds. The last error goes because it
// ends in Kendo's text, which may quote the payload; the attempt log keeps each answer's
// outcome and HTTP status. The rep's name and e-mail are personal data too; the agent's
// Aloware user id and the rep's state stay, so GET /reps still counts the call.
func clearContent(call *store.Call) {
	call.Merged, call.MergedVersion, call.RawBytes, call.LastError = nil, 0, 0, ""
	call.RepEmail, call.AgentName, call.RepName = "", "", ""
}
