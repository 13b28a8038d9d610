package delivery

import (
	"context"
	"sync"
	"time"

	"github.com/aloware-kendo/aloware-kendo/store"
)

// readyFor is how long one write probe's verdict is reused: readiness is asked often (a
// load balancer every few seconds, several of them), a write costs an fsync.
const readyFor = 2 * time.Second

// readiness caches the last write probe.
type readiness struct {
	mu     sync.Mutex
	at     time.Time
	err    error
	remigr sync.Mutex
}

// Ready reports whether a write to the database would succeed now (docs/invariants.md #12): a
// full disk, a file made read-only, a dropped PostgreSQL database all make it fail, and
// it comes back by itself when the fault clears. A database that lost our tables is
// migrated again here rather than left answering 503 forever.
func (s *Service) Ready(ctx context.Context) error {
	s.ready.mu.Lock()
	defer s.ready.mu.Unlock()
	now := time.Now()
	if !s.ready.at.IsZero() && now.Sub(s.ready.at) < readyFor {
		return s.ready.err
	}
	err := s.probe(ctx)
	if store.SchemaLost(err) && s.remigrate(ctx) == nil {
		err = s.probe(ctx)
	}
	s.ready.at, s.ready.err = now, err
	return err
}

func (s *Service) probe(ctx context.Context) error {
	return s.inTx(ctx, func(ctx context.Context, t *callTx) error { return s.db.ProbeWrite(ctx, t.tx, s.now()) })
}

// remigrate applies our migrations and River's again, once at a time.
// With SkipMigrations the schema belongs to the `migrate` step: nothing is migrated and
// readiness stays false until it has run.
func (s *Service) remigrate(ctx context.Context) error {
	if s.opts.SkipMigrations {
		s.log.Error("the database has lost aloware-kendo's tables; run `aloware-kendo migrate` (serve runs with --migrate=false)")
		return store.ErrNotMigrated
	}
	s.ready.remigr.Lock()
	defer s.ready.remigr.Unlock()
	s.log.Warn("the database has lost aloware-kendo's tables (re-created empty?): migrating it again")
	err := s.db.Migrate(ctx, migrateRiver)
	if err != nil {
		s.log.Error("migrating the database again failed", "error", err)
	}
	return err
}
