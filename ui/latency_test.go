package ui_test

import (
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
)

// The overview shows each latency leg's p50 and p95 with how many calls it counts; a leg
// past its last bucket says "over", and a leg nothing was observed for says so instead
// of showing a zero.
func TestOverviewShowsLatencies(t *testing.T) {
	f, s := seeded(t, 1)
	f.mu.Lock()
	f.overview.Latency = []delivery.Latency{
		{Leg: "last event → Kendo request", Count: 120, P50: 5200 * time.Millisecond, P95: 5900 * time.Millisecond},
		{Leg: "hang-up → Kendo's 201", Count: 118, P50: 95 * time.Second, P95: 3600 * time.Second, Over: true},
		{Leg: "Kendo's 201 → call.uploaded", Count: 0},
	}
	f.mu.Unlock()
	a := s.get(t, "/ui")
	mustContain(t, "/ui", a.body,
		`<h2 id="latency-h">Latency</h2>`,
		`<th scope="row">last event → Kendo request</th><td data-label="Calls">120</td><td data-label="p50">5.2 s</td><td data-label="p95">5.9 s</td>`,
		`<td data-label="p95">over 1 h</td>`,
		`<th scope="row">Kendo&#39;s 201 → call.uploaded</th><td data-label="Calls">0</td><td data-label="p50">–</td><td data-label="p95">–</td>`,
	)
}
