package kendo

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rate is "Limit requests per Period", the shape of Kendo's documented limit
// (30 per minute per key). The pacer and the emulator both read it.
type Rate struct {
	Limit  int
	Period time.Duration
}

// DefaultRate is Kendo's documented limit.
var DefaultRate = Rate{Limit: 30, Period: time.Minute}

// unitPeriods lists the spellings people actually type after the slash.
var unitPeriods = map[string]time.Duration{
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
}

// ParseRate reads "N/unit": "30/min", "5/s", "30 / minute", "100/h". A Go
// duration also works after the slash ("10/90s"), so String always round-trips.
func ParseRate(s string) (Rate, error) {
	n, unit, ok := strings.Cut(s, "/")
	if !ok {
		return Rate{}, fmt.Errorf("rate %q: want N/unit such as 30/min or 5/s", s)
	}
	n, unit = strings.TrimSpace(n), strings.ToLower(strings.TrimSpace(unit))
	limit, err := strconv.Atoi(n)
	if err != nil {
		return Rate{}, fmt.Errorf("rate %q: %q is not a whole number of requests", s, n)
	}
	if limit <= 0 {
		return Rate{}, fmt.Errorf("rate %q: the number of requests must be at least 1", s)
	}
	period, ok := unitPeriods[unit]
	if !ok {
		d, err := time.ParseDuration(unit)
		if err != nil || d <= 0 {
			return Rate{}, fmt.Errorf("rate %q: unknown unit %q (use s, min or h, or a duration such as 90s)", s, unit)
		}
		period = d
	}
	return Rate{Limit: limit, Period: period}, nil
}

// String gives the canonical spelling: "30/min", "5/s", "100/h", else "N/<duration>".
func (r Rate) String() string {
	switch r.Period {
	case time.Second:
		return fmt.Sprintf("%d/s", r.Limit)
	case time.Minute:
		return fmt.Sprintf("%d/min", r.Limit)
	case time.Hour:
		return fmt.Sprintf("%d/h", r.Limit)
	}
	return fmt.Sprintf("%d/%s", r.Limit, r.Period)
}

// Valid reports whether r allows at least one request in a positive period;
// the zero Rate is not valid.
func (r Rate) Valid() bool { return r.Limit > 0 && r.Period > 0 }

// MarshalText and UnmarshalText let a Rate be a flag (flag.TextVar), an env value or a JSON string.
func (r Rate) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText parses with ParseRate.
func (r *Rate) UnmarshalText(b []byte) error {
	v, err := ParseRate(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}
