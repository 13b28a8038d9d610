package emulator

import (
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// windows is a sliding log per key: the times of the requests that count.
// Unlike a token bucket or a fixed window, it refuses a request whenever
// Limit requests already fall in the Period before it — the strictest reading
// of "30 requests per minute", so a client that passes here passes Kendo.
// Callers hold the Emulator's mutex.
type windows struct {
	rate kendo.Rate
	logs map[string][]time.Time // keyed by kendo.KeyID; each holds at most rate.Limit times
}

func newWindows(r kendo.Rate) *windows {
	return &windows{rate: r, logs: map[string][]time.Time{}}
}

// admit counts a request at now for key unless Limit requests already fall in
// (now-Period, now]. When it refuses, wait is how long until the oldest of
// them leaves the window.
func (w *windows) admit(key string, now time.Time) (ok bool, wait time.Duration) {
	log := w.logs[key]
	gone := 0
	for gone < len(log) && !log[gone].Add(w.rate.Period).After(now) {
		gone++ // exactly Period old has left the window
	}
	log = log[gone:]
	if len(log) >= w.rate.Limit {
		w.logs[key] = log
		return false, log[0].Add(w.rate.Period).Sub(now)
	}
	w.logs[key] = append(log, now)
	return true, 0
}

// retryAfterSeconds rounds wait up to whole seconds, at least 1, so a client
// that honours Retry-After exactly is never early.
func retryAfterSeconds(wait time.Duration) int {
	s := int((wait + time.Second - 1) / time.Second)
	return max(s, 1)
}
