package kendo

import (
	"net/http"
	"time"
)

// Outcome is what one Push API request amounted to, as far as delivery cares.
type Outcome string

const (
	Accepted     Outcome = "accepted"     // 2xx: Kendo has the call; never send it again
	RateLimited  Outcome = "rate_limited" // 429: retry after RetryAfter (or a backoff)
	BadRequest   Outcome = "bad_request"  // 400: the payload is wrong; resending it won't help
	Unauthorized Outcome = "unauthorized" // 401/403: the key is missing, wrong or revoked
	TooLarge     Outcome = "too_large"    // 413 (or refused before sending): body over MaxBodyBytes
	Transient    Outcome = "transient"    // 5xx, 408, 425, no answer after sending, timeouts: retry with backoff
	Unreachable  Outcome = "unreachable"  // never reached Kendo (refused, DNS, TLS, cut off before sent): retry with backoff, no pacing slot used
	Rejected     Outcome = "rejected"     // any other answer (other 4xx, 3xx): terminal
)

// Result is one request's outcome. Message is safe to log and store: it never
// contains the API key.
type Result struct {
	Outcome     Outcome
	Status      int           // HTTP status; 0 when no response arrived (or the request was never sent)
	KendoCallID string        // Kendo's callId on Accepted; "" if the 2xx body had none
	RetryAfter  time.Duration // from the Retry-After header; 0 when absent
	Message     string        // Kendo's error text, or what went wrong on the way
	Latency     time.Duration // from sending to the end of reading the answer
	// Sent reports that the request was written in full: from then on Kendo may have the
	// call even when no answer arrives. A request refused before sending, or cut off
	// while connecting or writing, has Sent false and is safe to send again.
	Sent bool
}

// classify maps a Kendo status code to an Outcome. Only this function knows
// which code means what.
func classify(status int) Outcome {
	switch {
	case status >= 200 && status < 300:
		return Accepted
	case status == http.StatusTooManyRequests:
		return RateLimited
	case status == http.StatusBadRequest:
		return BadRequest
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return Unauthorized
	case status == http.StatusRequestEntityTooLarge:
		return TooLarge
	case status == http.StatusRequestTimeout, status == http.StatusTooEarly, status >= 500 && status < 600:
		return Transient
	}
	return Rejected
}
