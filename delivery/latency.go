package delivery

import (
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/aloware-kendo/aloware-kendo/mapping"
)

// latencyHistograms measure how long after the call a user finds it in Kendo, in the
// three legs the service can tell apart. Each observes a call once: its first request,
// its first 201, Kendo's first analysis (a retry or a re-scoring is not a new call).
type latencyHistograms struct {
	toRequest  prometheus.Histogram // last event stored → first Kendo request: settle, pacing, queue
	toAccepted prometheus.Histogram // hang-up by Aloware's clock → Kendo's 201: Aloware's artifacts and all of ours
	toAnalysis prometheus.Histogram // Kendo's 201 → its call.uploaded (the analysis delay)
}

func newLatencyHistograms(analysis prometheus.Histogram) latencyHistograms {
	return latencyHistograms{
		toRequest: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "aloware_kendo_last_event_to_request_seconds",
			Help: "Time from the last Aloware event stored for a call to its first Kendo request (once per call).",
			// Fine around the grace a complete call waits (5 s by default), coarse past the settle.
			Buckets: []float64{0.5, 1, 2, 3, 4, 5, 6, 7, 8, 10, 15, 30, 60, 90, 120, 300, 600},
		}),
		toAccepted: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "aloware_kendo_hangup_to_delivered_seconds",
			Help: "Time from a call's hang-up (created_at + duration, Aloware's clock) to Kendo's first 201 for it (once per call; calls without both fields are not observed).",
			// Aloware sends the recording, transcript and summary up to minutes after the hang-up.
			Buckets: []float64{5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1200, 1800, 3600},
		}),
		toAnalysis: analysis,
	}
}

// hangUp is when Aloware says the call ended: its created_at plus its duration in total
// (ring and talk). Nil when the events gave either not.
func hangUp(c mapping.Call) *time.Time {
	if c.Comm.CreatedAt.IsZero() || c.Comm.Duration == nil {
		return nil
	}
	t := c.Comm.CreatedAt.Add(time.Duration(*c.Comm.Duration) * time.Second)
	return &t
}

// sinceOrZero is the time from start to end, 0 when the clocks disagree (Aloware's
// created_at comes from its clock, not ours).
func sinceOrZero(start, end time.Time) time.Duration { return max(end.Sub(start), 0) }

// Latency is one latency histogram as the ops page shows it: what this process observed
// since it started.
type Latency struct {
	Leg      string // what is measured, from → to
	Count    uint64
	P50, P95 time.Duration // estimated from the buckets, as Prometheus' histogram_quantile does
	Over     bool          // P95 lies past the last bucket: it is at least P95
}

// latencies summarises the three histograms for the ops page.
func (h latencyHistograms) latencies() []Latency {
	legs := []struct {
		name string
		h    prometheus.Histogram
	}{
		{"last event → Kendo request", h.toRequest},
		{"hang-up → Kendo's 201", h.toAccepted},
		{"Kendo's 201 → call.uploaded", h.toAnalysis},
	}
	out := make([]Latency, 0, len(legs))
	for _, l := range legs {
		var m dto.Metric
		if err := l.h.Write(&m); err != nil {
			continue
		}
		hist := m.GetHistogram()
		lat := Latency{Leg: l.name, Count: hist.GetSampleCount()}
		if lat.Count > 0 {
			lat.P50, _ = bucketQuantile(0.50, hist)
			lat.P95, lat.Over = bucketQuantile(0.95, hist)
		}
		out = append(out, lat)
	}
	return out
}

// bucketQuantile estimates the q-quantile by linear interpolation within its bucket.
// Past the last bucket it answers that bucket's bound and over.
func bucketQuantile(q float64, h *dto.Histogram) (time.Duration, bool) {
	rank := q * float64(h.GetSampleCount())
	lower, below := 0.0, 0.0
	for _, b := range h.GetBucket() {
		upper, count := b.GetUpperBound(), float64(b.GetCumulativeCount())
		if count >= rank && !math.IsInf(upper, 1) {
			in := count - below
			frac := 1.0
			if in > 0 {
				frac = (rank - below) / in
			}
			return seconds(lower + (upper-lower)*frac), false
		}
		lower, below = upper, count
	}
	return seconds(lower), true
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
