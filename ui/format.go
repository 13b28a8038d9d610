package ui

import (
	"fmt"
	"math"
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// Times are shown in UTC, to the second, with the zone named: operators in several zones
// read the same page, and the API speaks UTC too.
const timeLayout = "2006-01-02 15:04:05 UTC"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return fmtTime(*t)
}

// isoTime is the machine-readable form for <time datetime>.
func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// fmtDuration is a duration the way a person says it: "45 s", "12 min", "3 h 5 min", "2 d 4 h".
func fmtDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(math.Round(d.Seconds())))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 48*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	}
	days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	if h == 0 {
		return fmt.Sprintf("%d d", days)
	}
	return fmt.Sprintf("%d d %d h", days, h)
}

func ago(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	if t.After(now) {
		return "in " + fmtDuration(t.Sub(now))
	}
	return fmtDuration(now.Sub(t)) + " ago"
}

// fmtRate is a pace: "30/min", "2/s", "100 per 2 h".
func fmtRate(limit int, period time.Duration) string {
	switch period {
	case time.Second:
		return fmt.Sprintf("%d/s", limit)
	case time.Minute:
		return fmt.Sprintf("%d/min", limit)
	case time.Hour:
		return fmt.Sprintf("%d/h", limit)
	}
	return fmt.Sprintf("%d per %s", limit, fmtDuration(period))
}

// statusClass colours a status badge: sent, waiting, needs an operator, or at rest.
func statusClass(s lifecycle.Status) string {
	switch {
	case s.Sent():
		return "ok"
	case s == lifecycle.Received || s.Queued():
		return "wait"
	case s == lifecycle.Failed || s == lifecycle.Unrouted:
		return "bad"
	}
	return "rest"
}

// What an operator may do with a call in each status (the engine has the last word).
// Redeliver is offered on the calls the engine calls redeliverable (CallSummary.Redeliverable:
// failed, skipped or unrouted, with content still stored): a skipped call too, since one
// a send rule filtered is sent by it (one with nothing to send is refused with a notice
// saying so).
func canSkip(s lifecycle.Status) bool { return s.Skippable() }

func canErase(s lifecycle.Status) bool { return s != lifecycle.Erased }
