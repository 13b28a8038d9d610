// Package delivery is the engine behind /push: it stores every Aloware event durably,
// folds it into its call, schedules one delivery job per ready call (River), paces the
// sends per API key across all replicas, and records Kendo's answer together with the
// job's completion. Every change of a call's status goes through lifecycle.Apply.
package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/notify"
	"github.com/aloware-kendo/aloware-kendo/store"
	"github.com/aloware-kendo/aloware-kendo/tracing"
)

// Service is the delivery engine. Open it, Start its workers, Stop them on shutdown.
type Service struct {
	opts    Options
	policy  lifecycle.Policy
	db      *store.DB
	driver  riverdriver.Driver[*sql.Tx]
	river   *river.Client[*sql.Tx]
	kendo   *kendo.Client
	log     *slog.Logger
	metrics *metrics
	commit  committer
	ready   readiness

	notifier notify.Sender // posts grouped notifications (notify.go)
	outbox   notify.Outbox // groups the raised events into messages

	sleepers  *keySleepers // which workers may wait in-process for a key's next pacing slot
	keyChecks keyCheckCache

	// completeTx marks a job completed inside our own transaction; River needs the
	// driver's concrete type for it, which differs between SQLite and PostgreSQL.
	completeTx func(ctx context.Context, tx *sql.Tx, job *river.Job[DeliverArgs]) error

	// stopping closes when Stop begins: waits that have not reached Kendo end early and
	// their jobs go back to the queue. giveUp closes when Stop's deadline has passed:
	// the last commits being retried stop trying.
	stopping chan struct{}
	giveUp   chan struct{}
	// forgetPending: the last erasure or purge could not clear the database files.
	forgetPending atomic.Bool
	stopOnce      sync.Once

	stopLoops context.CancelFunc
	loops     sync.WaitGroup
}

// Open connects to the database, applies our schema and River's under one lock, and
// builds the engine.
func Open(ctx context.Context, opts Options) (*Service, error) {
	opts.applyDefaults()
	s := &Service{
		opts:     opts,
		policy:   opts.policy(),
		kendo:    kendo.NewClient(opts.KendoURL, &http.Client{Transport: tracing.KendoTransport(http.DefaultTransport)}),
		log:      opts.Logger,
		stopping: make(chan struct{}),
		giveUp:   make(chan struct{}),
		sleepers: newKeySleepers(opts.Teams.Teams()),
		notifier: newNotifier(opts),
		outbox:   notify.Outbox{Interval: opts.NotifyInterval, PublicURL: opts.PublicURL},
	}
	open := OpenStore
	if opts.SkipMigrations {
		open = OpenMigrated
	}
	db, err := open(ctx, opts.DB)
	if err != nil {
		return nil, err
	}
	s.db = db
	switch db.Dialect {
	case store.SQLite:
		s.driver = riversqlite.New(db.SQL)
		s.completeTx = func(ctx context.Context, tx *sql.Tx, job *river.Job[DeliverArgs]) error {
			_, err := river.JobCompleteTx[*riversqlite.Driver](ctx, tx, job)
			return err
		}
		s.commit = newGroupCommitter(s)
	default:
		s.driver = riverdatabasesql.New(db.SQL)
		s.completeTx = func(ctx context.Context, tx *sql.Tx, job *river.Job[DeliverArgs]) error {
			_, err := river.JobCompleteTx[*riverdatabasesql.Driver](ctx, tx, job)
			return err
		}
		s.commit = retryingTx{s: s}
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &deliverWorker{s: s})
	river.AddWorker(workers, &notifyWorker{s: s})
	s.river, err = river.NewClient(s.driver, &river.Config{
		Queues:               s.queues(),
		Workers:              workers,
		JobTimeout:           opts.jobTimeout(),
		RescueStuckJobsAfter: opts.RescueAfter,
		MaxAttempts:          100, // retries are ours (snoozes); attempts here are crashes and DB errors
		FetchCooldown:        20 * time.Millisecond,
		FetchPollInterval:    100 * time.Millisecond,
		Logger:               opts.Logger.With("component", "river"),
		// Completed jobs are not what makes delivery idempotent (the call row is), so
		// River's default retention of them is fine.
	})
	if err != nil {
		s.closeDB()
		return nil, fmt.Errorf("delivery: river client: %w", err)
	}
	s.metrics = newMetrics(opts.Registerer, s)
	return s, nil
}

// OpenStore opens the database and applies every migration the engine needs, ours and
// River's (as `aloware-kendo check` does too).
func OpenStore(ctx context.Context, location string) (*store.DB, error) {
	return store.Open(ctx, location, migrateRiver)
}

// Migrate applies every migration the engine needs, ours and River's, and closes the
// database: the one-shot step that lets replicas start with SkipMigrations.
func Migrate(ctx context.Context, location string) error {
	db, err := OpenStore(ctx, location)
	if err != nil {
		return err
	}
	return db.Close()
}

// OpenMigrated opens a database migrated beforehand, changing nothing: it fails with
// store.ErrNotMigrated when one of ours or River's migrations is missing.
func OpenMigrated(ctx context.Context, location string) (*store.DB, error) {
	return store.OpenMigrated(ctx, location, func(ctx context.Context, db *store.DB) error {
		m, err := riverMigrator(db)
		if err == nil {
			var res *rivermigrate.ValidateResult
			if res, err = m.Validate(ctx, nil); err == nil && !res.OK {
				return fmt.Errorf("%w: River's %s", store.ErrNotMigrated, strings.Join(res.Messages, "; "))
			}
		}
		if err != nil {
			return fmt.Errorf("delivery: river migrations: %w", db.Scrub(err))
		}
		return nil
	})
}

func riverMigrator(db *store.DB) (*rivermigrate.Migrator[*sql.Tx], error) {
	var driver riverdriver.Driver[*sql.Tx]
	if db.Dialect == store.SQLite {
		driver = riversqlite.New(db.SQL)
	} else {
		driver = riverdatabasesql.New(db.SQL)
	}
	return rivermigrate.New(driver, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
}

// migrateRiver runs River's migrations; store.Open runs it under the same lock as ours,
// so replicas that start together on a fresh database do not race (unlocked, two of three
// failed on a duplicate key in River's migration table).
func migrateRiver(ctx context.Context, db *store.DB) error {
	m, err := riverMigrator(db)
	if err != nil {
		return fmt.Errorf("delivery: river migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("delivery: river migrations: %w", db.Scrub(err))
	}
	return nil
}

// Start resumes what a dead process left behind, then runs the delivery workers and the
// background loops (artifact-wait sweeper, retention, rescue). River runs on a context
// of its own: the signal that stops the service must not stop River hard, or a Kendo
// request is cut short (docs/invariants.md #8); Stop stops it softly first.
func (s *Service) Start(ctx context.Context) error {
	if err := s.resumeAfterCrash(ctx); err != nil {
		return err
	}
	if err := s.resumeUnpausedKeys(ctx); err != nil {
		return err
	}
	s.metrics.seedLastEvent(ctx, s.db)
	if err := s.river.Start(context.Background()); err != nil {
		return fmt.Errorf("delivery: start workers: %w", err)
	}
	loopCtx, cancel := context.WithCancel(context.Background())
	s.stopLoops = cancel
	s.every(loopCtx, min(max(s.opts.ArtifactWait/4, 200*time.Millisecond), 30*time.Second), s.skipStale)
	s.every(loopCtx, retentionEvery(s.opts.Retain), s.purgeExpired)
	s.every(loopCtx, resolveEvery, s.resolveEarlyAnalyses)
	if s.db.Dialect == store.Postgres {
		s.every(loopCtx, rescueEvery, s.rescueStuck)
	}
	if s.notifying() {
		s.every(loopCtx, notifyEvery(s.outbox), s.collectNotifications)
		if s.opts.ExpectAnalysis {
			s.every(loopCtx, notAnalyzedEvery(s.opts.AnalysisExpectedWithin), s.tellNotAnalyzed)
		}
	}
	return nil
}

// every runs fn every d until ctx ends.
func (s *Service) every(ctx context.Context, d time.Duration, fn func(context.Context)) {
	s.loops.Add(1)
	go func() {
		defer s.loops.Done()
		tick := time.NewTicker(d)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				fn(ctx)
			}
		}
	}()
}

// Stop shuts the engine down until ctx ends: no new deliveries start, waits that have
// not reached Kendo are cut short and re-queued, and every Kendo request already made
// finishes and has its answer recorded. Only when ctx ends first are the remaining jobs
// cancelled (each then stays "delivering" and is flagged after the next start).
func (s *Service) Stop(ctx context.Context) error {
	err := errors.New("delivery: already stopped")
	s.stopOnce.Do(func() { err = s.stop(ctx) })
	return err
}

func (s *Service) stop(ctx context.Context) error {
	close(s.stopping)
	if s.stopLoops != nil {
		s.stopLoops()
		s.loops.Wait()
	}
	err := s.river.Stop(ctx)
	if err == nil {
		return nil
	}
	close(s.giveUp)
	hard, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if herr := s.river.StopAndCancel(hard); herr != nil && !errors.Is(herr, context.DeadlineExceeded) {
		return fmt.Errorf("delivery: stop: %w", herr)
	}
	return fmt.Errorf("delivery: stop: %w", err)
}

// Close releases the database.
func (s *Service) Close() error { return s.closeDB() }

func (s *Service) closeDB() error {
	if c, ok := s.commit.(interface{ close() }); ok {
		c.close()
	}
	return s.db.Close()
}

func (s *Service) isStopping() bool {
	select {
	case <-s.stopping:
		return true
	default:
		return false
	}
}

// now is the engine's clock, at the millisecond precision the database stores, so a time
// answered before it was stored reads the same as after.
func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Millisecond) }

// callLog is the logger for one call: every line names the call, never its content.
func (s *Service) callLog(alowareCallID string) *slog.Logger {
	return s.log.With("alowareCallId", alowareCallID)
}
