package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/aloware-kendo/aloware-kendo/buildinfo"
	"github.com/aloware-kendo/aloware-kendo/config"
	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/handover"
	"github.com/aloware-kendo/aloware-kendo/inbound"
	"github.com/aloware-kendo/aloware-kendo/notify"
	"github.com/aloware-kendo/aloware-kendo/preflight"
	"github.com/aloware-kendo/aloware-kendo/reps"
	"github.com/aloware-kendo/aloware-kendo/store/location"
	"github.com/aloware-kendo/aloware-kendo/tracing"
	"github.com/aloware-kendo/aloware-kendo/ui"
)

// HTTP server timeouts. Writes must outlast the longest /push?wait=; reads allow a
// 5 MiB body over a slow link.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 2 * time.Minute
	writeTimeout      = handlers.MaxWait + 30*time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
)

// serve runs the service until ctx ends (SIGTERM/SIGINT) or a new process has taken
// over its socket (SIGHUP), then shuts down in order: readiness goes false, the listener
// closes and in-flight requests finish, the delivery workers finish or re-queue their
// jobs, the database closes and is released to the next process.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := config.Parse(args, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		config.Usage(stdout)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "aloware-kendo serve: %v\n", err)
		return exitUsage
	}
	log := newLogger(stderr, cfg.LogLevel)
	log.Info("starting aloware-kendo", "config", cfg)
	if err := runService(ctx, cfg, os.Getenv, log); err != nil {
		log.Error("aloware-kendo stopped with an error", "error", err)
		return exitFail
	}
	log.Info("aloware-kendo stopped")
	return exitOK
}

func runService(ctx context.Context, cfg config.Config, getenv func(string) string, log *slog.Logger) error {
	auth, err := inbound.New(inbound.Config{Token: cfg.InboundToken, Basic: cfg.InboundBasic})
	if err != nil {
		return err
	}
	warnExposure(log, cfg, auth.Enabled())
	log.Info("kendo teams", "router", cfg.Router) // names, key ids and rates; never a key

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	buildinfo.Register(reg)
	// Before the engine opens: its Kendo client is wrapped only when traces are on.
	stopTraces, err := tracing.Start(ctx, getenv, buildinfo.Read().Version)
	if err != nil {
		return fmt.Errorf("OpenTelemetry traces (OTEL_* environment): %w", err)
	}
	defer flushTraces(stopTraces, log)
	if tracing.Enabled() {
		log.Info("OpenTelemetry traces on: exported as the OTEL_* environment says")
	}

	opts := delivery.Options{
		DB: cfg.DB, KendoURL: cfg.KendoURL, Teams: cfg.Router,
		Settle: cfg.Settle, ArtifactWait: cfg.ArtifactWait, RetryHorizon: cfg.RetryHorizon,
		KendoTimeout: cfg.KendoTimeout, RescueAfter: cfg.RescueAfter, ProbeEvery: cfg.KeyProbeInterval,
		Retain: cfg.Retain, QuarantineMaxBytes: int64(cfg.QuarantineMaxMB) << 20, Send: cfg.SendRules(),
		AnalysisExpectedWithin: cfg.AnalysisExpectedWithin, ExpectAnalysis: len(cfg.WebhookSecrets()) > 0,
		Notify:         notify.Targets{SlackURL: cfg.NotifySlackURL, WebhookURL: cfg.NotifyURL, Secret: cfg.NotifySecret},
		NotifyInterval: cfg.NotifyInterval, PublicURL: cfg.PublicURL,
		Registerer: reg, Logger: log,
	}
	if dir, err := repDirectory(ctx, cfg, log); err != nil {
		return err
	} else if dir != nil {
		opts.Reps = dir // only when set: a nil *Directory in the interface would not be nil
	}

	// The socket first: connections queue on it while the database is not ours yet.
	proc, err := handover.Start(handover.Options{Listen: cfg.Listen, LockPath: ownerLock(cfg.DB),
		LockWait: cfg.ShutdownTimeout + ownerLockSlack, Logger: log})
	if err != nil {
		return err
	}
	defer proc.Close() // after svc.Close below: the database is released once closed
	if err := proc.Own(ctx); err != nil {
		return fmt.Errorf("opening the database %s: %w", location.Redact(cfg.DB), err)
	}
	opts.SkipMigrations = !cfg.Migrate
	svc, err := delivery.Open(ctx, opts)
	if err != nil {
		return fmt.Errorf("opening the database %s: %w", location.Redact(cfg.DB), err)
	}
	defer svc.Close()
	// Start gets no signal context: delivery stops only through Stop below, softly, so a
	// Kendo request that has started always finishes (docs/invariants.md #8).
	if err := svc.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("starting delivery workers: %w", err)
	}

	opsPage, err := ui.New(ui.Options{Engine: svc, Logger: log,
		ConfigChecks: func(ctx context.Context) []preflight.Check { return configChecks(ctx, cfg, getenv) },
		Access:       ui.Access{UIBasic: cfg.UIBasic, InboundToken: cfg.InboundToken, InboundBasic: cfg.InboundBasic}})
	if err != nil {
		return err
	}

	stopping := make(chan struct{})
	srv := &http.Server{
		Handler: tracing.Handler(handlers.New(handlers.Deps{
			Intake: svc, Mapper: svc, Auth: auth, MetricsAuth: cfg.MetricsAuth, UI: opsPage,
			Gatherer: reg, Registerer: reg, Logger: log, Stopping: stopping,
			KendoWebhook: handlers.KendoWebhook{Recorder: svc, Secrets: cfg.WebhookSecrets()},
			Operator:     svc, Ledger: svc, BodyMemory: cfg.BodyMemoryMB << 20, AllowedHosts: cfg.AllowedHostList(),
		})),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	web := handover.Serve(srv, proc.Listener())
	log.Info("listening", "addr", proc.Listener().Addr().String(), "socket_from", proc.Source(), "docs", "/docs")
	if err := proc.Serving(); err != nil {
		log.Error("the previous process could not be told to drain", "error", err)
	}

	var serveErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
		proc.Stopping()
	case <-proc.Upgraded():
		log.Info("handed over to the new process; draining", "timeout", cfg.ShutdownTimeout)
	case serveErr = <-web.Failed():
		log.Error("HTTP server failed", "error", serveErr)
		proc.Stopping()
	}

	// One deadline for the whole shutdown, as --shutdown-timeout promises.
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	close(stopping) // /readyz answers 503 and ?wait= requests answer now
	if serveErr == nil {
		if err := web.Drain(shutdownCtx); err != nil {
			log.Warn("in-flight requests did not finish in time; closed them", "error", err)
		}
	} else if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
	}
	if err := svc.Stop(shutdownCtx); err != nil {
		log.Warn("delivery workers did not stop within --shutdown-timeout; deliveries still in flight show 'outcome unknown' after the next start", "error", err)
	}
	return serveErr
}

// flushTraces sends the spans still buffered, once the engine has stopped making them.
func flushTraces(stop func(context.Context) error, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := stop(ctx); err != nil {
		log.Warn("OpenTelemetry: the last spans were not exported", "error", err)
	}
}

// ownerLockSlack is how much longer than --shutdown-timeout a new process waits for the
// old one to release the database: the old one's hard stop of River takes up to 5 s more.
const ownerLockSlack = 30 * time.Second

// ownerLock is the lock file that says which process owns a SQLite database; PostgreSQL
// takes several owners (replicas), so none.
func ownerLock(db string) string {
	if path, ok := location.SQLitePath(db); ok {
		return path + ".lock"
	}
	return ""
}

// repDirectory builds the rep attribution when there is something to attribute from.
func repDirectory(ctx context.Context, cfg config.Config, log *slog.Logger) (*reps.Directory, error) {
	if cfg.AlowareAPIToken == "" && cfg.RepEmailMap == "" {
		return nil, nil
	}
	var emails map[string]string
	if cfg.RepEmailMap != "" {
		m, err := reps.LoadEmailMap(cfg.RepEmailMap)
		if err != nil {
			return nil, fmt.Errorf("--rep-email-map: %w", err)
		}
		emails = m
	}
	dir := reps.NewDirectory(reps.Options{
		BaseURL: cfg.AlowareAPIURL, Token: cfg.AlowareAPIToken, EmailMap: emails, Logger: log,
	})
	dir.Start(ctx)
	return dir, nil
}

// warnExposure makes the risky defaults loud: an open endpoint reachable from other
// machines, no Kendo key (every delivery would fail with 401), and what the teams file
// allows but probably does not mean.
func warnExposure(log *slog.Logger, cfg config.Config, authEnabled bool) {
	if !authEnabled && !preflight.LoopbackOnly(cfg.Listen) {
		log.Warn("SECURITY: listening beyond loopback WITHOUT inbound authentication; anyone who can reach "+
			cfg.Listen+" can push events. Set --inbound-token or --inbound-basic (Aloware's webhook form supports both).",
			"listen", cfg.Listen)
	}
	for _, w := range cfg.Router.Warnings() {
		log.Warn("teams file: "+w, "teams", cfg.Teams)
	}
	if cfg.Teams == "" && cfg.KendoAPIKey == "" {
		log.Warn("NO KENDO API KEY: set --kendo-api-key or KENDO_API_KEY; events are stored, but every delivery will be refused (401) until a key is set")
	}
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level)) // validated by config
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
