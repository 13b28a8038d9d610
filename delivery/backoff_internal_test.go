package delivery

import (
	"slices"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
)

func TestRetryDelay(t *testing.T) {
	repeat := func(o kendo.Outcome, n int) []string { return slices.Repeat([]string{string(o)}, n) }
	serverError := kendo.Result{Outcome: kendo.Transient, Status: 500}
	cases := []struct {
		name    string
		res     kendo.Result
		earlier []string
		want    time.Duration // ± 20 %
	}{
		{"first server error", serverError, nil, 2 * time.Second},
		{"third server error", serverError, repeat(kendo.Transient, 2), 8 * time.Second},
		{"server error after seven 429s", serverError, repeat(kendo.RateLimited, 7), 2 * time.Second},
		{"server error after 429s and one server error", serverError,
			append(repeat(kendo.RateLimited, 5), string(kendo.Transient), string(kendo.RateLimited)), 4 * time.Second},
		{"refused connection after a 413", kendo.Result{Outcome: kendo.Transient}, []string{string(kendo.TooLarge)}, 2 * time.Second},
		{"backoff capped at 10 min", serverError, repeat(kendo.Transient, 30), 10 * time.Minute},
		{"429 without Retry-After after server errors", kendo.Result{Outcome: kendo.RateLimited, Status: 429},
			repeat(kendo.Transient, 6), 2 * time.Second},
		{"429 Retry-After wins", kendo.Result{Outcome: kendo.RateLimited, Status: 429, RetryAfter: 30 * time.Second},
			repeat(kendo.RateLimited, 8), 30 * time.Second},
		{"Retry-After capped at 5 min", kendo.Result{Outcome: kendo.Transient, Status: 503, RetryAfter: time.Hour}, nil, 5 * time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			exact := tc.res.RetryAfter > 0
			for range 50 { // the jitter is random: every draw stays in bounds
				got := retryDelay(tc.res, tc.earlier)
				lo, hi := tc.want*8/10, tc.want*12/10
				if exact {
					lo, hi = tc.want, tc.want
				}
				if got < lo || got > hi {
					t.Fatalf("retryDelay = %s, want %s (%s … %s)", got, tc.want, lo, hi)
				}
			}
		})
	}
}
