package ui

import (
	"fmt"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
)

// latencyView is one latency leg as the overview prints it.
type latencyView struct {
	Leg      string
	Count    uint64
	P50, P95 string // "–" when no call was observed
}

func latencyViews(ls []delivery.Latency) []latencyView {
	out := make([]latencyView, 0, len(ls))
	for _, l := range ls {
		v := latencyView{Leg: l.Leg, Count: l.Count, P50: "–", P95: "–"}
		if l.Count > 0 {
			v.P50, v.P95 = fmtLatency(l.P50), fmtLatency(l.P95)
			if l.Over {
				v.P95 = "over " + v.P95
			}
		}
		out = append(out, v)
	}
	return out
}

// fmtLatency keeps a tenth of a second under a minute: the goal of the first leg is a
// few seconds, where fmtDuration's whole seconds would hide the difference.
func fmtLatency(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmtDuration(d)
}
