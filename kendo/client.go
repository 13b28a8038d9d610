package kendo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"time"
)

const (
	// DefaultTimeout bounds one request when NewClient gets no http.Client.
	DefaultTimeout = 30 * time.Second
	// maxResponseBytes: Kendo's answers are tiny; never buffer more than this of one.
	maxResponseBytes = 64 << 10
	// maxMessageBytes keeps error text short enough for a log line and a DB column.
	maxMessageBytes = 300
)

// Client POSTs payloads to Kendo's Push API. It is safe for concurrent use and
// does no pacing or retrying itself: the delivery engine owns both.
type Client struct {
	url string
	hc  *http.Client
}

// NewClient returns a client for the ingest URL. hc may be nil (a client with
// DefaultTimeout is used). The client never follows redirects: the key travels
// in X-API-Key, a custom header Go would forward to any host a redirect names.
// hc is copied, so the caller's client keeps its own redirect policy.
func NewClient(url string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	own := *hc
	own.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{url: url, hc: &own}
}

// Send POSTs one JSON body with the key in X-API-Key (never in the URL) and
// classifies the answer. It does not return an error: every failure is a
// Result whose Outcome says what to do next, and whose Message never holds the key.
func (c *Client) Send(ctx context.Context, apiKey string, body []byte) (res Result) {
	defer func() { res.Message = scrub(res.Message, apiKey) }()

	// Refusals we can decide without spending a request (and a rate-limit slot).
	switch {
	case apiKey == "":
		return Result{Outcome: Unauthorized, Message: "no Kendo API key configured; request not sent"}
	case !headerSafe(apiKey):
		return Result{Outcome: Unauthorized, Message: "the Kendo API key contains control characters; request not sent"}
	case len(body) > MaxBodyBytes:
		return Result{Outcome: TooLarge, Message: fmt.Sprintf(
			"body is %d bytes, over Kendo's limit of %d; request not sent", len(body), MaxBodyBytes)}
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		// A malformed URL is configuration, not a passing problem.
		return Result{Outcome: Rejected, Message: "cannot build the request: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "aloware-kendo")
	req.Header.Set("X-API-Key", apiKey)

	var sent atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) { sent.Store(info.Err == nil) },
	}))

	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		// No status line arrived: refused, reset, timed out, cancelled, EOF. Sent tells
		// whether Kendo may have the call all the same.
		res := Result{Outcome: Transient, Message: cleanText(err.Error(), 1024), Latency: time.Since(start), Sent: sent.Load()}
		if !res.Sent {
			// Kendo never had the request (refused, no such host, TLS, cut off while
			// writing): an outage of the way there, not an answer from Kendo.
			res.Outcome = Unreachable
		}
		return res
	}
	defer resp.Body.Close()
	raw, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	res = Result{Outcome: classify(resp.StatusCode), Status: resp.StatusCode, Latency: time.Since(start), Sent: true}
	res.RetryAfter, _ = ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	if apiKey != "" {
		// Before any truncation, so no prefix of the key survives a cut.
		raw = bytes.ReplaceAll(raw, []byte(apiKey), []byte(redacted))
	}

	switch {
	case res.Outcome == Accepted:
		// The status line is what counts: Kendo took the call even if the body
		// is odd or cut short, and sending it again would create a duplicate.
		if res.KendoCallID = callID(raw); res.KendoCallID == "" {
			res.Message = fmt.Sprintf("Kendo answered %d without a callId", res.Status)
		}
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		res.Message = fmt.Sprintf("Kendo answered %d redirecting to %q; set the Kendo URL to the final address",
			res.Status, resp.Header.Get("Location"))
	default:
		res.Message = errorText(raw, resp.StatusCode)
	}
	if readErr != nil {
		res.Message = joinMessage(res.Message, "reading the answer failed: "+cleanText(readErr.Error(), 1024))
	}
	return res
}

// headerSafe rejects bytes net/http would refuse in a header value; such a
// request fails before sending, and must not look like a network error to retry.
func headerSafe(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; (b < 0x20 && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}

func joinMessage(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
