package delivery

import (
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/reps"
)

// RepResolver fills a call's rep from what the event lacks (see package reps).
type RepResolver interface {
	Resolve(userID, name, email string) reps.Rep
}

// Options configure the delivery engine. Zero durations take the defaults below.
type Options struct {
	DB           string        // "sqlite:PATH" or "postgres://…"
	KendoURL     string        // Push API ingest URL
	KendoAPIKey  string        // pk_…; never logged
	Rate         kendo.Rate    // Kendo's limit per key: at most Limit sends in any window of Period
	Settle       time.Duration // how long a ready call waits for more of its events
	ArtifactWait time.Duration // how long a finished call waits for a recording or transcript
	RetryHorizon time.Duration // how long transient Kendo failures are retried before "failed"
	KendoTimeout time.Duration // one Kendo request, kept short: it is the double-send window
	RescueAfter  time.Duration // a job running this long belongs to a dead process and is re-run
	Reps         RepResolver   // optional
	Registerer   prometheus.Registerer
	Logger       *slog.Logger
	Now          func() time.Time // tests only
}

const (
	DefaultSettle       = 60 * time.Second
	DefaultArtifactWait = 10 * time.Minute
	DefaultRetryHorizon = 24 * time.Hour
	DefaultKendoTimeout = 15 * time.Second
	DefaultRescueAfter  = 2 * time.Minute
)

func (o *Options) applyDefaults() {
	if o.Settle < 0 {
		o.Settle = 0
	}
	if o.ArtifactWait <= 0 {
		o.ArtifactWait = DefaultArtifactWait
	}
	if o.RetryHorizon <= 0 {
		o.RetryHorizon = DefaultRetryHorizon
	}
	if o.KendoTimeout <= 0 {
		o.KendoTimeout = DefaultKendoTimeout
	}
	if o.RescueAfter <= 0 {
		o.RescueAfter = DefaultRescueAfter
	}
	// A rescued job must never overlap the attempt it replaces: River cancels a job at its
	// timeout, so rescue only after the timeout plus a margin.
	o.RescueAfter = max(o.RescueAfter, o.minRescueAfter())
	if o.Rate.Limit <= 0 || o.Rate.Period <= 0 {
		o.Rate = kendo.Rate{Limit: 30, Period: time.Minute}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Registerer == nil {
		o.Registerer = prometheus.NewRegistry()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// jobTimeout bounds one run of the delivery job: a few quick transactions and one Kendo
// request, or a short in-process wait for a pacing slot.
func (o *Options) jobTimeout() time.Duration { return o.KendoTimeout + 10*time.Second }

func (o *Options) minRescueAfter() time.Duration { return o.jobTimeout() + 5*time.Second }

// pacingMargin widens Kendo's window a little: Kendo counts arrivals, we count departures.
func (o *Options) pacingMargin() time.Duration {
	m := o.Rate.Period / 50
	if m > time.Second {
		m = time.Second
	}
	return m
}
