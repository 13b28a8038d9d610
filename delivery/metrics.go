package delivery

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/mapping"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// metrics are the engine's Prometheus series. Labels carry classifications, outcomes and
// team names only: never a call id, a key (a key is named by its hash id), a URL or a
// phone number.
type metrics struct {
	eventsReceived *prometheus.CounterVec
	deliveries     *prometheus.CounterVec // one per Kendo request, by the class of its answer
	callsFinished  *prometheus.CounterVec // one per call when its delivery ends, by result
	duplicates     *prometheus.CounterVec
	kendoLatency   *prometheus.HistogramVec
	pacingWait     prometheus.Histogram
	quarantined    prometheus.Counter
	lastEvent      prometheus.Gauge
	webhooks       *prometheus.CounterVec
	analysisDelay  prometheus.Histogram
	lateArtifacts  *prometheus.CounterVec
	filtered       *prometheus.CounterVec
	latency        latencyHistograms
}

// attemptClasses and callResults are pre-created so dashboards see zeros rather than
// gaps. An attempt's class is Kendo's answer to one request (lifecycle.Effects.Attempt);
// a call's result is how its delivery ended (lifecycle.Effects.Ended).
var (
	attemptClasses = []string{"delivered", "rate_limited", "transient", "unreachable", "bad_request", "unauthorized",
		"too_large", "rejected", "unknown"}
	callResults = []string{lifecycle.EndedDelivered, lifecycle.EndedFailed, lifecycle.EndedSkipped}
)

func newMetrics(reg prometheus.Registerer, s *Service) *metrics {
	m := &metrics{
		eventsReceived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aloware_kendo_events_received_total",
			Help: "Aloware events durably stored, by classification (call, sms, appointment, other, test).",
		}, []string{"kind"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aloware_kendo_deliveries_total",
			Help: "Kendo requests (delivery attempts) by the class of Kendo's answer (outcome: delivered, rate_limited, transient, unreachable, too_large, …) and team. A call's final result is aloware_kendo_calls_finished_total.",
		}, []string{"outcome", "team"}),
		callsFinished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aloware_kendo_calls_finished_total",
			Help: "Calls whose delivery ended, once per call (and per redelivery), by result (delivered, failed, skipped) and team.",
		}, []string{"result", "team"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aloware_kendo_duplicate_events_total",
			Help: "Aloware events of a call already sent to Kendo (answered as duplicates, never sent again), by team.",
		}, []string{"team"}),
		kendoLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "aloware_kendo_kendo_request_duration_seconds",
			Help:    "Latency of Kendo Push API requests, by HTTP status class.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30},
		}, []string{"code"}),
		pacingWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "aloware_kendo_rate_limiter_wait_seconds",
			Help:    "How long a ready call waited past its settle time for a pacing slot (first attempts; 0 when one was free).",
			Buckets: []float64{0, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300},
		}),
		quarantined: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aloware_kendo_quarantined_total",
			Help: "JSON objects stored in the quarantine because they could not be used.",
		}),
		lastEvent: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "aloware_kendo_last_event_received_timestamp_seconds",
			Help: "Unix time of the last Aloware event stored (0 until the first).",
		}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aloware_kendo_kendo_webhooks_total",
			Help: "Kendo webhook deliveries received, by what they did (matched, resolved, unmatched, duplicate, test, ignored).",
		}, []string{"result"}),
		analysisDelay: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "aloware_kendo_analysis_delay_seconds",
			Help:    "Time from a call's delivery to Kendo's call.uploaded webhook for it.",
			Buckets: prometheus.ExponentialBuckets(5, 2, 12), // 5 s … ~3 h
		}),
		lateArtifacts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aloware_kendo_late_artifacts_total",
			Help: "Artifacts (recording, transcript, summary) that arrived after their call was sent: stored, never sent (Kendo has no update API). Many mean --settle is too short.",
		}, []string{"artifact"}),
		filtered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aloware_kendo_calls_filtered_total",
			Help: "Calls skipped by a send rule, by rule (min-talk-time, send-directions, skip-dispositions).",
		}, []string{"rule"}),
	}
	for _, a := range []string{mapping.ArtifactRecording, mapping.ArtifactTranscript, mapping.ArtifactSummary} {
		m.lateArtifacts.WithLabelValues(a)
	}
	for _, r := range []string{mapping.RuleMinTalkTime, mapping.RuleSendDirections, mapping.RuleSkipDispositions} {
		m.filtered.WithLabelValues(r)
	}
	for _, t := range s.opts.Teams.Teams() {
		for _, c := range attemptClasses {
			m.deliveries.WithLabelValues(c, t.Name)
		}
		for _, r := range callResults {
			m.callsFinished.WithLabelValues(r, t.Name)
		}
	}
	for _, r := range []WebhookResult{WebhookMatched, WebhookResolved, WebhookUnmatched, WebhookDuplicate, WebhookTest, WebhookIgnored} {
		m.webhooks.WithLabelValues(string(r))
	}
	m.latency = newLatencyHistograms(m.analysisDelay)
	reg.MustRegister(m.eventsReceived, m.deliveries, m.callsFinished, m.duplicates, m.kendoLatency, m.pacingWait, m.quarantined, m.lastEvent,
		m.webhooks, m.analysisDelay, m.lateArtifacts, m.filtered, m.latency.toRequest, m.latency.toAccepted, &stateCollector{s: s})
	return m
}

// tally is what one call transaction counts in the metrics once it has committed.
type tally struct {
	attempts   []teamLabel // one per Kendo answer recorded (lifecycle.Effects.Attempt)
	ends       []teamLabel // one per call whose delivery ended (lifecycle.Effects.Ended)
	duplicates []string    // teams of calls a repeated event found already sent
	events     []string    // kinds of the events stored
	eventAt    time.Time   // when the last of them was stored (zero when none was)
	quarantine int         // JSON objects stored in the quarantine
	late       []string    // artifacts that came after their call was sent
	filtered   []string    // send rules that just skipped a call
	webhooks   []WebhookResult
	analysis   []time.Duration // from a call's delivery to Kendo's first analysis of it
	toRequest  []time.Duration // from a call's last event to its first Kendo request
	toAccepted []time.Duration // from a call's hang-up to Kendo's first 201 for it
}

type teamLabel struct{ label, team string }

func (t *tally) attempt(class, team string) { t.attempts = append(t.attempts, teamLabel{class, team}) }

func (t *tally) ended(result, team string) { t.ends = append(t.ends, teamLabel{result, team}) }

// count adds what one committed transaction tallied: the one place the engine's
// counters move.
func (m *metrics) count(t tally) {
	for _, a := range t.attempts {
		m.deliveries.WithLabelValues(a.label, a.team).Inc()
	}
	for _, e := range t.ends {
		m.callsFinished.WithLabelValues(e.label, e.team).Inc()
	}
	for _, team := range t.duplicates {
		m.duplicates.WithLabelValues(team).Inc()
	}
	for _, k := range t.events {
		m.eventsReceived.WithLabelValues(k).Inc()
	}
	if !t.eventAt.IsZero() {
		m.lastEvent.Set(float64(t.eventAt.Unix()))
	}
	m.quarantined.Add(float64(t.quarantine))
	for _, a := range t.late {
		m.lateArtifacts.WithLabelValues(a).Inc()
	}
	for _, r := range t.filtered {
		m.filtered.WithLabelValues(r).Inc()
	}
	for _, r := range t.webhooks {
		m.webhooks.WithLabelValues(string(r)).Inc()
	}
	for _, d := range t.analysis {
		m.analysisDelay.Observe(d.Seconds())
	}
	for _, d := range t.toRequest {
		m.latency.toRequest.Observe(d.Seconds())
	}
	for _, d := range t.toAccepted {
		m.latency.toAccepted.Observe(d.Seconds())
	}
}

// seedLastEvent starts the last-event gauge from the database, so a restart does not
// look like silence to the "no events" alert.
func (m *metrics) seedLastEvent(ctx context.Context, db *store.DB) {
	if t, err := db.LastEventAt(ctx); err == nil && !t.IsZero() {
		m.lastEvent.Set(float64(t.Unix()))
	}
}

// stateCollector reads the state the alerts need from the database at scrape time, so
// every replica reports the same, shared truth.
type stateCollector struct{ s *Service }

var (
	callsDesc = prometheus.NewDesc("aloware_kendo_calls",
		"Calls by status now.", []string{"status"}, nil)
	queueDesc = prometheus.NewDesc("aloware_kendo_queue_depth",
		"Calls in the delivery queue (scheduled or delivering).", nil, nil)
	oldestDesc = prometheus.NewDesc("aloware_kendo_oldest_waiting_call_age_seconds",
		"Age of the oldest call in the delivery queue (scheduled or delivering), since it became ready (0 when the queue is empty).", nil, nil)
	pausedDesc = prometheus.NewDesc("aloware_kendo_key_paused",
		"1 while Kendo refuses a team's key (its deliveries wait), else 0; key is the key's hash id.", []string{"key", "team"}, nil)
	unreachableDesc = prometheus.NewDesc("aloware_kendo_kendo_unreachable",
		"1 while a team's requests do not reach Kendo (connection refused, DNS, TLS), else 0; key is the key's hash id.", []string{"key", "team"}, nil)
	quarantineDesc = prometheus.NewDesc("aloware_kendo_quarantine_events",
		"Events in the quarantine now.", nil, nil)
)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{callsDesc, queueDesc, oldestDesc, pausedDesc, unreachableDesc, quarantineDesc} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	db := c.s.db
	if counts, err := db.CountByStatus(ctx); err == nil {
		for _, st := range lifecycle.CallStatuses() {
			ch <- prometheus.MustNewConstMetric(callsDesc, prometheus.GaugeValue, float64(counts[st]), string(st))
		}
		ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(queued(counts)))
	}
	if oldest, err := db.OldestQueued(ctx); err == nil {
		age := 0.0
		if oldest != nil {
			age = max(time.Since(*oldest).Seconds(), 0)
		}
		ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, age)
	}
	if pauses, err := db.Pauses(ctx); err == nil {
		paused := map[string]bool{}
		for _, p := range pauses {
			paused[p.KeyID] = true
		}
		for _, t := range c.s.opts.Teams.Teams() {
			v := 0.0
			if paused[t.KeyID()] {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(pausedDesc, prometheus.GaugeValue, v, t.KeyID(), t.Name)
		}
	}
	if outages, err := db.UnreachableKeys(ctx); err == nil {
		down := map[string]bool{}
		for _, u := range outages {
			down[u.KeyID] = true
		}
		for _, t := range c.s.opts.Teams.Teams() {
			v := 0.0
			if down[t.KeyID()] {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(unreachableDesc, prometheus.GaugeValue, v, t.KeyID(), t.Name)
		}
	}
	if n, _, err := db.QuarantineStats(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(quarantineDesc, prometheus.GaugeValue, float64(n))
	}
}

// queued sums the calls in the delivery queue (the backlog).
func queued(counts map[lifecycle.Status]int) int {
	n := 0
	for _, st := range lifecycle.QueuedStatuses() {
		n += counts[st]
	}
	return n
}
