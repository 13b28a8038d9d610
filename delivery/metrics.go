package delivery

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/store"
)

// metrics are the engine's Prometheus series. Labels carry classifications and outcomes
// only: never a call id, a key, a URL or a phone number.
type metrics struct {
	eventsReceived *prometheus.CounterVec
	deliveries     *prometheus.CounterVec
	kendoLatency   *prometheus.HistogramVec
	pacingWait     prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer, db *store.DB) *metrics {
	m := &metrics{
		eventsReceived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aloware_kendo_events_received_total",
			Help: "Aloware events durably stored, by classification (call, sms, appointment, other, test).",
		}, []string{"kind"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aloware_kendo_deliveries_total",
			Help: "Kendo delivery attempts and final outcomes, by outcome.",
		}, []string{"outcome"}),
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
	}
	queue := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "aloware_kendo_queue_depth",
		Help: "Calls waiting for delivery (scheduled or delivering).",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		counts, err := db.CountByStatus(ctx)
		if err != nil {
			return -1
		}
		return float64(counts[string(StatusScheduled)] + counts[string(StatusDelivering)])
	})
	// Pre-create the outcome series so dashboards see zeros rather than gaps.
	for _, o := range []string{"delivered", "duplicate", "rate_limited", "transient", "bad_request", "unauthorized", "too_large", "rejected", "failed", "skipped"} {
		m.deliveries.WithLabelValues(o)
	}
	reg.MustRegister(m.eventsReceived, m.deliveries, m.kendoLatency, m.pacingWait, queue)
	return m
}
