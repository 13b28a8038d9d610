// Package delivery is the engine behind /push: it stores every Aloware event durably,
// merges it into its call, schedules one delivery job per ready call (River), paces the
// sends per API key across all replicas, and records Kendo's answer together with the
// job's completion.
package delivery

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// Service is the delivery engine. Open it, Start its workers, Stop them on shutdown.
type Service struct {
	opts    Options
	db      *store.DB
	river   *river.Client[*sql.Tx]
	kendo   *kendo.Client
	keyID   string
	log     *slog.Logger
	metrics *metrics

	// completeTx marks a job completed inside our own transaction; River needs the
	// driver's concrete type for it, which differs between SQLite and PostgreSQL.
	completeTx func(ctx context.Context, tx *sql.Tx, job *river.Job[DeliverArgs]) error

	stopSweep context.CancelFunc
	sweepDone sync.WaitGroup
}

// Open connects to the database, applies our schema and River's, and builds the engine.
func Open(ctx context.Context, opts Options) (*Service, error) {
	opts.applyDefaults()
	db, err := store.Open(ctx, opts.DB)
	if err != nil {
		return nil, err
	}
	s := &Service{
		opts:  opts,
		db:    db,
		kendo: kendo.NewClient(opts.KendoURL, &http.Client{Timeout: opts.KendoTimeout}),
		keyID: kendo.KeyID(opts.KendoAPIKey),
		log:   opts.Logger,
	}
	var driver riverdriver.Driver[*sql.Tx]
	switch db.Dialect {
	case store.SQLite:
		driver = riversqlite.New(db.SQL)
		s.completeTx = func(ctx context.Context, tx *sql.Tx, job *river.Job[DeliverArgs]) error {
			_, err := river.JobCompleteTx[*riversqlite.Driver](ctx, tx, job)
			return err
		}
	default:
		driver = riverdatabasesql.New(db.SQL)
		s.completeTx = func(ctx context.Context, tx *sql.Tx, job *river.Job[DeliverArgs]) error {
			_, err := river.JobCompleteTx[*riverdatabasesql.Driver](ctx, tx, job)
			return err
		}
	}
	if err := migrateRiver(ctx, driver); err != nil {
		db.Close()
		return nil, err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &deliverWorker{s: s})
	s.river, err = river.NewClient(driver, &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 8}},
		Workers:              workers,
		JobTimeout:           opts.jobTimeout(),
		RescueStuckJobsAfter: opts.RescueAfter,
		MaxAttempts:          100, // retries are ours (snoozes); attempts here are crashes and DB errors
		FetchPollInterval:    250 * time.Millisecond,
		Logger:               opts.Logger.With("component", "river"),
		// Completed jobs are not what makes delivery idempotent (the call row is), so the
		// default retention is fine.
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("delivery: river client: %w", err)
	}
	s.metrics = newMetrics(opts.Registerer, db)
	return s, nil
}

func migrateRiver(ctx context.Context, driver riverdriver.Driver[*sql.Tx]) error {
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return fmt.Errorf("delivery: river migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("delivery: river migrations: %w", err)
	}
	return nil
}

// Start runs the delivery workers and the sweeper that skips calls whose artifacts never came.
func (s *Service) Start(ctx context.Context) error {
	if err := s.river.Start(ctx); err != nil {
		return fmt.Errorf("delivery: start workers: %w", err)
	}
	sweepCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stopSweep = cancel
	s.sweepDone.Add(1)
	go func() {
		defer s.sweepDone.Done()
		s.sweepLoop(sweepCtx)
	}()
	return nil
}

// Stop stops fetching jobs and waits for running deliveries until ctx ends; then it
// cancels them, and a cancelled delivery is re-queued (see deliverWorker), never lost.
func (s *Service) Stop(ctx context.Context) error {
	if s.stopSweep != nil {
		s.stopSweep()
		s.sweepDone.Wait()
	}
	err := s.river.Stop(ctx)
	if err != nil {
		hard, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if herr := s.river.StopAndCancel(hard); herr != nil {
			return fmt.Errorf("delivery: stop: %w", herr)
		}
	}
	return nil
}

// Close releases the database.
func (s *Service) Close() error { return s.db.Close() }

// Ready reports whether the database answers.
func (s *Service) Ready(ctx context.Context) error { return s.db.Ping(ctx) }

// DB exposes the store (tests and the status routes read it).
func (s *Service) DB() *store.DB { return s.db }

// now is the engine's clock, at the millisecond precision the database stores, so a time
// answered before it was stored reads the same as after.
func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Millisecond) }

// callLog is the logger for one call: every line names the call, never its content.
func (s *Service) callLog(callID string) *slog.Logger { return s.log.With("alowareCallId", callID) }
