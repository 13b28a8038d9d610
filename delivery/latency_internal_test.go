package delivery

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// The ops page's p50 and p95 are estimated from the buckets as Prometheus'
// histogram_quantile does: linearly within the bucket the rank falls in, and past the
// last bucket its bound, marked over.
func TestBucketQuantile(t *testing.T) {
	cases := []struct {
		name     string
		observed []float64
		q        float64
		want     time.Duration
		over     bool
	}{
		{"inside the first bucket", []float64{0.5, 0.5}, 0.5, 500 * time.Millisecond, false},
		{"interpolated within a bucket", []float64{1.5, 4.5, 4.5, 4.5}, 0.5, 3 * time.Second, false}, // a third of the way into (2, 5]
		{"p95 of twenty, one slow", append(repeat(5.5, 19), 50), 0.95, 6 * time.Second, false},
		{"past the last bucket", []float64{1, 1000}, 0.95, 10 * time.Second, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "h", Buckets: []float64{1, 2, 5, 6, 10}})
			for _, v := range tc.observed {
				h.Observe(v)
			}
			var m dto.Metric
			if err := h.Write(&m); err != nil {
				t.Fatal(err)
			}
			got, over := bucketQuantile(tc.q, m.GetHistogram())
			if got != tc.want || over != tc.over {
				t.Errorf("q%.2f = %s (over %v), want %s (over %v)", tc.q, got, over, tc.want, tc.over)
			}
		})
	}
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}
