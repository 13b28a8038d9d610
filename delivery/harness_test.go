package delivery_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/mapping"
	"github.com/aloware-kendo/aloware-kendo/notify"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

const testKey = "pk_test_delivery_key"

// databases lists the engines every engine test runs on: SQLite always, PostgreSQL when
// .ci/run (or a developer) provides one.
var databases = testenv.Databases

func newKendo(t testing.TB, rate kendo.Rate) *kendotest.Server { return kendotest.New(t, rate) }

type engineOpts struct {
	settle, artifactWait, kendoTimeout, probeEvery, retain time.Duration
	retryHorizon                                           time.Duration
	rate                                                   kendo.Rate
	key                                                    string
	teams                                                  *teams.Router // instead of key and rate: a teams file's router
	logs                                                   io.Writer
	reg                                                    *prometheus.Registry
	quarantineMax, maxCallRaw                              int64
	send                                                   mapping.SendRules
	skipMigrations                                         bool
	reps                                                   delivery.RepResolver
	now                                                    func() time.Time // the engine's clock (a fixed one pins dates)
	notify                                                 notify.Targets
	notifyInterval                                         time.Duration
	publicURL                                              string
	analysisWithin                                         time.Duration // > 0: a webhook secret is set, Kendo's analysis is expected within it
}

func startEngine(t testing.TB, db, kendoURL string, o engineOpts) *delivery.Service {
	t.Helper()
	svc := openEngine(t, db, kendoURL, o)
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return svc
}

// openEngine opens the engine without starting its workers: events pushed before Start
// make a backlog that is all ready when the workers begin, as after an outage, however
// long the pushing took.
func openEngine(t testing.TB, db, kendoURL string, o engineOpts) *delivery.Service {
	t.Helper()
	if o.rate.Limit == 0 {
		o.rate = kendo.Rate{Limit: 1000, Period: time.Second}
	}
	if o.key == "" {
		o.key = testKey
	}
	if o.teams == nil {
		o.teams = teams.Single(o.key, o.rate)
	}
	if o.logs == nil {
		o.logs = io.Discard
	}
	if o.reg == nil {
		o.reg = prometheus.NewRegistry()
	}
	svc, err := delivery.Open(context.Background(), delivery.Options{
		DB: db, KendoURL: kendoURL, Teams: o.teams,
		Settle: o.settle, ArtifactWait: o.artifactWait, KendoTimeout: o.kendoTimeout, ProbeEvery: o.probeEvery,
		Retain: o.retain, RetryHorizon: o.retryHorizon, QuarantineMaxBytes: o.quarantineMax, MaxCallRawBytes: o.maxCallRaw,
		Send: o.send, Reps: o.reps,
		Notify: o.notify, NotifyInterval: o.notifyInterval, PublicURL: o.publicURL,
		ExpectAnalysis: o.analysisWithin > 0, AnalysisExpectedWithin: o.analysisWithin,
		Registerer: o.reg, SkipMigrations: o.skipMigrations, Now: o.now,
		Logger: slog.New(slog.NewJSONHandler(o.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatalf("open engine: %v", err)
	}
	t.Cleanup(func() {
		stop, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = svc.Stop(stop)
		svc.Close()
	})
	return svc
}

func recorded(t testing.TB, name string) [][]byte { return testenv.Lifecycle(t, name) }

func accept(t *testing.T, svc *delivery.Service, raw []byte) delivery.Receipt {
	t.Helper()
	rc, err := svc.Accept(context.Background(), raw)
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	return rc
}

// waitStatus polls the call until it reaches want (or fails the test after timeout).
func waitStatus(t testing.TB, svc *delivery.Service, callID string, want lifecycle.Status, timeout time.Duration) delivery.CallRecord {
	t.Helper()
	return waitCall(t, svc, callID, "status "+string(want), timeout, func(rec delivery.CallRecord) bool { return rec.Status == want })
}

// waitCall polls the call's record until ok holds for it (or fails the test, saying what
// it waited for, after timeout).
func waitCall(t testing.TB, svc *delivery.Service, callID, what string, timeout time.Duration, ok func(delivery.CallRecord) bool) delivery.CallRecord {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		rec, err := svc.Call(context.Background(), callID)
		if err == nil && ok(rec) {
			return rec
		}
		if time.Now().After(deadline) {
			t.Fatalf("call %s: no %s after %s: status %q (err %v, last error %q)", callID, what, timeout, rec.Status, err, rec.LastError)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var (
	withID  = testenv.WithID
	waitFor = testenv.WaitFor
)

// sample reads the series of a counter or gauge in reg that has every one of labels
// (-1 when there is none).
func sample(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			matched := 0
			for _, l := range m.GetLabel() {
				if want, ok := labels[l.GetName()]; ok && want == l.GetValue() {
					matched++
				}
			}
			if matched != len(labels) {
				continue
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return -1
}

// histogramCount is the number of samples of the histogram name in reg (0 when absent).
func histogramCount(t *testing.T, reg *prometheus.Registry, name string) uint64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetHistogram().GetSampleCount()
		}
	}
	return 0
}
