package delivery

import (
	"cmp"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/mapping"
	"github.com/aloware-kendo/aloware-kendo/mask"
	"github.com/aloware-kendo/aloware-kendo/notify"
	"github.com/aloware-kendo/aloware-kendo/reps"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// RepResolver fills a call's rep from what the events lack (see package reps).
type RepResolver interface {
	Resolve(userID, name, email string) reps.Rep
}

// Options configure the delivery engine. A zero duration or size takes its Default
// below (the one place each default is written).
type Options struct {
	DB       string        // "sqlite:PATH" or "postgres://…"
	KendoURL string        // Push API ingest URL
	Teams    *teams.Router // which Kendo team (key) a ready call goes to

	Settle       time.Duration // how long a ready call waits for more of its events
	Grace        time.Duration // … when nothing more is expected (recording, transcript, summary all in)
	ArtifactWait time.Duration // how long a finished call waits for a recording or transcript
	RetryHorizon time.Duration // how long transient Kendo failures are retried before "failed"
	KendoTimeout time.Duration // one Kendo request
	RescueAfter  time.Duration // a job running this long belongs to a dead process and is run again
	ProbeEvery   time.Duration // while Kendo refuses a key, one request per this tests it
	Retain       time.Duration // content of finished calls is purged this long after they finished

	// AnalysisExpectedWithin: Kendo's call.uploaded is expected this long after a
	// delivery; later, the ledger flags the call not_analyzed (only when ExpectAnalysis).
	// It is also the window in which a call.uploaded no call claims may resolve an
	// outcome-unknown call sent within it.
	AnalysisExpectedWithin time.Duration
	// ExpectAnalysis: a Kendo webhook secret is set, so Kendo can tell us of its analyses.
	ExpectAnalysis bool

	// Send are the send rules of the flags (mapping's S4); a team's own replace them for
	// its calls. The zero value sends every call.
	Send mapping.SendRules

	QuarantineMaxBytes int64 // the quarantine never holds more
	MaxCallRawBytes    int64 // raw event bytes kept per call; past it, events are folded but not kept

	// SkipMigrations: a separate `migrate` step owns the schema. Open then changes
	// nothing and fails on a database that lacks a migration, and readiness reports a
	// lost schema instead of migrating it again.
	SkipMigrations bool

	// Notify are the receivers of notifications (none: nothing is raised); at most one
	// message per type and team per NotifyInterval, linking calls under PublicURL.
	Notify         notify.Targets
	NotifyInterval time.Duration
	PublicURL      string

	Reps       RepResolver // optional
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	Now        func() time.Time // tests only
}

// The engine's defaults, used for an option left zero. The service's flags take these
// as their defaults (package config reads them), so each is written here only.
const (
	// DefaultSettle is how long the service lets a ready call wait for more of its events.
	// In Options a zero Settle is a valid choice (send at once), so it is config's
	// default, not applied here.
	DefaultSettle = 60 * time.Second
	// DefaultGrace is how long a ready call waits once nothing more is expected (it has
	// its recording, transcript and summary): room for a trailing Call-Disposed.
	DefaultGrace        = 5 * time.Second
	DefaultArtifactWait = 10 * time.Minute
	DefaultRetryHorizon = 24 * time.Hour
	DefaultKendoTimeout = 15 * time.Second
	DefaultRescueAfter  = 30 * time.Second
	DefaultProbeEvery   = 5 * time.Minute
	DefaultRetain       = 720 * time.Hour
	// DefaultAnalysisExpectedWithin: Kendo's call.uploaded usually follows a delivery
	// within minutes; two hours without one is worth a person's look.
	DefaultAnalysisExpectedWithin = 2 * time.Hour
	DefaultNotifyInterval         = 5 * time.Minute // at most one notification per type and team per this
	DefaultQuarantineMaxMiB       = 100
	// DefaultMaxCallRawBytes bounds what one call keeps: a real call is a few events of
	// 4–10 KB plus a transcript of ~125 KB an hour.
	DefaultMaxCallRawBytes = 16 << 20
)

// withDefaults fills every option left zero (or negative) with its default, as River's
// Config.WithDefaults does, and then the bounds one option puts on another.
func (o Options) withDefaults() Options {
	o.Settle = max(o.Settle, 0)
	o.Grace = min(cmp.Or(max(o.Grace, 0), DefaultGrace), o.Settle)
	o.ArtifactWait = cmp.Or(max(o.ArtifactWait, 0), DefaultArtifactWait)
	o.RetryHorizon = cmp.Or(max(o.RetryHorizon, 0), DefaultRetryHorizon)
	o.KendoTimeout = cmp.Or(max(o.KendoTimeout, 0), DefaultKendoTimeout)
	o.ProbeEvery = cmp.Or(max(o.ProbeEvery, 0), DefaultProbeEvery)
	o.Retain = cmp.Or(max(o.Retain, 0), DefaultRetain)
	o.AnalysisExpectedWithin = cmp.Or(max(o.AnalysisExpectedWithin, 0), DefaultAnalysisExpectedWithin)
	o.NotifyInterval = cmp.Or(max(o.NotifyInterval, 0), DefaultNotifyInterval)
	// A rescued job must never overlap the run it replaces while that run can still send:
	// rescue only after the job's timeout plus a margin.
	o.RescueAfter = max(cmp.Or(o.RescueAfter, DefaultRescueAfter), o.minRescueAfter())
	o.QuarantineMaxBytes = cmp.Or(max(o.QuarantineMaxBytes, 0), DefaultQuarantineMaxMiB<<20)
	o.MaxCallRawBytes = cmp.Or(max(o.MaxCallRawBytes, 0), DefaultMaxCallRawBytes)
	if o.Teams == nil {
		o.Teams = teams.Single("", kendo.DefaultRate)
	}
	// The engine's lines quote Kendo's error texts, event names and warnings, which may
	// carry a recording URL or a phone number: every line is masked on its way out.
	o.Logger = slog.New(mask.Handler(cmp.Or(o.Logger, slog.Default()).Handler()))
	if o.Registerer == nil {
		o.Registerer = prometheus.NewRegistry()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// applyDefaults is withDefaults in place, for Open.
func (o *Options) applyDefaults() { *o = o.withDefaults() }

func (o *Options) policy() lifecycle.Policy {
	return lifecycle.Policy{Settle: o.Settle, Grace: o.Grace, ArtifactWait: o.ArtifactWait, RetryHorizon: o.RetryHorizon}
}

// jobTimeout bounds one run of the delivery job before its Kendo request: a few quick
// transactions and a short in-process wait for a pacing slot. The request itself and
// the commit of its answer are not cut short by it (docs/invariants.md #8).
func (o *Options) jobTimeout() time.Duration { return o.KendoTimeout + 10*time.Second }

func (o *Options) minRescueAfter() time.Duration { return o.jobTimeout() + 5*time.Second }

// pacingMargin is how long after its send a request is taken to have reached Kendo until
// Kendo answers (see inFlight): Kendo counts arrivals, we count departures, and the time
// from the send to the arrival varies — the commit before the send, the scheduling of a
// busy machine, the network. 2 % of the period, at least minPacingMargin (the whole of it
// at N/s rates) and at most a second.
func pacingMargin(r kendo.Rate) time.Duration {
	return min(max(r.Period/50, minPacingMargin), time.Second)
}

// minPacingMargin is the variation of that path the pacing absorbs. Two replicas on one
// PostgreSQL database at 20/s, with slow answers and a burst of 429s, on a loaded
// machine, made Kendo count 21 arrivals in a second with the 20 ms that 2 % gives.
const minPacingMargin = 100 * time.Millisecond
