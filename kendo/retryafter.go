package kendo

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfter caps what we believe from a server: a typo'd or hostile header
// must not park a delivery for years (or overflow a Duration).
const maxRetryAfter = 24 * time.Hour

// ParseRetryAfter reads a Retry-After value, either delta-seconds ("30"; a
// fraction such as "1.5" is tolerated) or an HTTP-date, relative to now. ok is
// false when the header is absent or unreadable. A date in the past gives 0.
func ParseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 || math.IsNaN(secs) {
			return 0, false
		}
		if secs >= maxRetryAfter.Seconds() {
			return maxRetryAfter, true
		}
		return time.Duration(math.Ceil(secs * float64(time.Second))), true
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(at.Sub(now), 0), maxRetryAfter), true
}
