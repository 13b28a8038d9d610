package kendo

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const testKey = "pk_test_Secret123"

var testBody = []byte(`{"transcript":"Rep: hi","metadata":{"source":"aloware"}}`)

// answer builds a handler that replies with status, headers and body.
func answer(status int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func send(t *testing.T, h http.Handler, hc *http.Client) Result {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	res := NewClient(srv.URL+"/api/integrations/push-api/ingest", hc).Send(context.Background(), testKey, testBody)
	if strings.Contains(res.Message, testKey) {
		t.Fatalf("message leaks the key: %q", res.Message)
	}
	return res
}

func TestSendClassifiesEveryAnswer(t *testing.T) {
	date := time.Now().Add(2 * time.Minute).UTC().Format(http.TimeFormat)
	tests := []struct {
		name       string
		h          http.HandlerFunc
		outcome    Outcome
		status     int
		callID     string
		retryAfter time.Duration // exact unless retryApprox
		approx     bool
		msg        string // substring
	}{
		{"201 with callId", answer(201, `{"callId":"c_123"}`), Accepted, 201, "c_123", 0, false, ""},
		{"200 with callId", answer(200, `{"callId":"c_200","status":"queued"}`), Accepted, 200, "c_200", 0, false, ""},
		{"201 numeric callId", answer(201, `{"callId":42}`), Accepted, 201, "42", 0, false, ""},
		{"201 snake call_id", answer(201, `{"call_id":"s1"}`), Accepted, 201, "s1", 0, false, ""},
		{"201 nested data", answer(201, `{"data":{"callId":"d1"}}`), Accepted, 201, "d1", 0, false, ""},
		{"201 no callId", answer(201, `{"ok":true}`), Accepted, 201, "", 0, false, "without a callId"},
		{"202 empty body", answer(202, ``), Accepted, 202, "", 0, false, "without a callId"},
		{"204", answer(204, ``), Accepted, 204, "", 0, false, "without a callId"},
		{"429 seconds", answer(429, `{"error":"Rate limit exceeded"}`, "Retry-After", "17"), RateLimited, 429, "", 17 * time.Second, false, "Rate limit exceeded"},
		{"429 http-date", answer(429, ``, "Retry-After", date), RateLimited, 429, "", 2 * time.Minute, true, "429 Too Many Requests"},
		{"429 no header", answer(429, `slow down`), RateLimited, 429, "", 0, false, "slow down"},
		{"429 bad header", answer(429, ``, "Retry-After", "later"), RateLimited, 429, "", 0, false, ""},
		{"400 message", answer(400, `{"message":"transcript or audioUrl is required"}`), BadRequest, 400, "", 0, false, "transcript or audioUrl is required"},
		{"400 nest list", answer(400, `{"statusCode":400,"message":["repEmail must be an email","x"],"error":"Bad Request"}`), BadRequest, 400, "", 0, false, "repEmail must be an email; x"},
		{"400 error object", answer(400, `{"error":{"code":"E1","message":"bad email"}}`), BadRequest, 400, "", 0, false, "bad email"},
		{"400 problem detail", answer(400, `{"title":"Bad","detail":"invalid JSON"}`), BadRequest, 400, "", 0, false, "invalid JSON"},
		{"400 plain text", answer(400, "Bad\r\nthing\x1b[31m happened\u202e"), BadRequest, 400, "", 0, false, "Bad thing [31m happened"},
		{"401", answer(401, `{"error":"Invalid API key"}`), Unauthorized, 401, "", 0, false, "Invalid API key"},
		{"403", answer(403, `forbidden`), Unauthorized, 403, "", 0, false, "forbidden"},
		{"413", answer(413, `{"error":"Payload too large"}`), TooLarge, 413, "", 0, false, "Payload too large"},
		{"408", answer(408, ``), Transient, 408, "", 0, false, "408 Request Timeout"},
		{"425", answer(425, ``), Transient, 425, "", 0, false, ""},
		{"500", answer(500, `<html>oops</html>`), Transient, 500, "", 0, false, "<html>oops</html>"},
		{"502", answer(502, ``), Transient, 502, "", 0, false, "502 Bad Gateway with an empty body"},
		{"503 retry-after", answer(503, ``, "Retry-After", "5"), Transient, 503, "", 5 * time.Second, false, ""},
		{"404", answer(404, `not found`), Rejected, 404, "", 0, false, "not found"},
		{"405", answer(405, ``), Rejected, 405, "", 0, false, ""},
		{"422", answer(422, `{"error":"nope"}`), Rejected, 422, "", 0, false, "nope"},
		{"301", answer(301, ``, "Location", "https://elsewhere.example/ingest"), Rejected, 301, "", 0, false, "elsewhere.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := send(t, tt.h, nil)
			if res.Outcome != tt.outcome || res.Status != tt.status || res.KendoCallID != tt.callID {
				t.Fatalf("got %+v; want outcome %s status %d callId %q", res, tt.outcome, tt.status, tt.callID)
			}
			if tt.approx {
				if d := res.RetryAfter - tt.retryAfter; d > 2*time.Second || d < -2*time.Second {
					t.Fatalf("RetryAfter = %v, want about %v", res.RetryAfter, tt.retryAfter)
				}
			} else if res.RetryAfter != tt.retryAfter {
				t.Fatalf("RetryAfter = %v, want %v", res.RetryAfter, tt.retryAfter)
			}
			if !strings.Contains(res.Message, tt.msg) {
				t.Fatalf("Message = %q, want it to contain %q", res.Message, tt.msg)
			}
			if tt.outcome == Accepted && tt.callID != "" && res.Message != "" {
				t.Fatalf("clean accept has message %q", res.Message)
			}
			if res.Latency <= 0 {
				t.Fatalf("Latency = %v", res.Latency)
			}
		})
	}
}

func TestSendRequestShape(t *testing.T) {
	var got *http.Request
	var body []byte
	res := send(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, body = r, must(io.ReadAll(r.Body))
		w.WriteHeader(201)
		_, _ = io.WriteString(w, `{"callId":"x"}`)
	}), nil)
	if res.Outcome != Accepted {
		t.Fatalf("%+v", res)
	}
	if got.Method != http.MethodPost || got.URL.Path != "/api/integrations/push-api/ingest" {
		t.Fatalf("%s %s", got.Method, got.URL)
	}
	if got.Header.Get("X-API-Key") != testKey {
		t.Fatalf("X-API-Key = %q", got.Header.Get("X-API-Key"))
	}
	if strings.Contains(got.URL.String(), testKey) || got.Header.Get("Authorization") != "" {
		t.Fatalf("key travels elsewhere too: %s %v", got.URL, got.Header)
	}
	if ct := got.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q", ct)
	}
	if string(body) != string(testBody) {
		t.Fatalf("body = %s", body)
	}
}

func TestSendNeverLeaksKey(t *testing.T) {
	echo := func(status int, format string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "https://x.example/?apiKey="+r.Header.Get("X-API-Key"))
			w.WriteHeader(status)
			fmt.Fprintf(w, format, r.Header.Get("X-API-Key"))
		}
	}
	cases := map[string]http.HandlerFunc{
		"json message":      echo(401, `{"error":"invalid key %s"}`),
		"plain text":        echo(400, `key=%s is wrong`),
		"key straddles cut": echo(400, strings.Repeat("a", maxMessageBytes-5)+"%s"),
		"redirect location": echo(307, ``),
		"2xx body":          echo(201, `{"note":"%s"}`),
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			res := send(t, h, nil) // send fails the test on a leak
			if strings.Contains(res.Message, testKey[:8]) && !strings.Contains(res.Message, redacted) {
				t.Fatalf("message holds part of the key: %q", res.Message)
			}
		})
	}
}

func TestSendReadsAtMost64KiB(t *testing.T) {
	var read atomic.Int64
	hc := &http.Client{Transport: countingTransport{http.DefaultTransport, &read}, Timeout: 5 * time.Second}
	res := send(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		chunk := []byte(strings.Repeat("x", 32<<10))
		for range 1024 { // 32 MiB, if anyone kept reading
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}), hc)
	if res.Outcome != Transient || len(res.Message) > maxMessageBytes {
		t.Fatalf("%s, message of %d bytes", res.Outcome, len(res.Message))
	}
	if n := read.Load(); n > maxResponseBytes {
		t.Fatalf("read %d bytes of the answer, limit %d", n, maxResponseBytes)
	}
}

func TestSendBrokenConnections(t *testing.T) {
	hijack := func(write string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				panic(err)
			}
			_, _ = buf.WriteString(write)
			_ = buf.Flush()
			_ = conn.Close()
		}
	}
	tests := []struct {
		name    string
		h       http.HandlerFunc
		outcome Outcome
		status  int
		msg     string
	}{
		{"closed before answering", hijack(""), Transient, 0, "EOF"},
		{"closed mid status line", hijack("HTTP/1.1 20"), Transient, 0, ""},
		{"closed mid headers", hijack("HTTP/1.1 201 Created\r\nContent-Ty"), Transient, 0, ""},
		// The status line arrived: Kendo has the call, resending would duplicate it.
		{"201 cut mid body", hijack("HTTP/1.1 201 Created\r\nContent-Length: 40\r\n\r\n{\"callId\":\"ab"), Accepted, 201, "reading the answer failed"},
		{"500 cut mid body", hijack("HTTP/1.1 500 Oops\r\nContent-Length: 40\r\n\r\nboom"), Transient, 500, "boom; reading the answer failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := send(t, tt.h, nil)
			if res.Outcome != tt.outcome || res.Status != tt.status || !strings.Contains(res.Message, tt.msg) {
				t.Fatalf("got %+v; want %s %d %q", res, tt.outcome, tt.status, tt.msg)
			}
			if !res.Sent {
				t.Fatalf("the server read the whole request, so Kendo may have the call: Sent must be true (%+v)", res)
			}
		})
	}
}

func TestSendTimeoutsAndCancellation(t *testing.T) {
	slow := func(w http.ResponseWriter, r *http.Request) {
		// Drain the body so the server notices the client hanging up.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		w.WriteHeader(201)
	}
	t.Run("client timeout", func(t *testing.T) {
		start := time.Now()
		res := send(t, http.HandlerFunc(slow), &http.Client{Timeout: 100 * time.Millisecond})
		if res.Outcome != Transient || res.Status != 0 || !strings.Contains(res.Message, "Timeout") || !res.Sent {
			t.Fatalf("%+v (a timeout after the request was written must say Sent)", res)
		}
		if time.Since(start) > 3*time.Second {
			t.Fatal("timeout not honoured")
		}
	})
	t.Run("context deadline", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(slow))
		defer srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		res := NewClient(srv.URL, nil).Send(ctx, testKey, testBody)
		if res.Outcome != Transient || !strings.Contains(res.Message, "deadline") {
			t.Fatalf("%+v", res)
		}
	})
}

func TestSendDoesNotFollowRedirects(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		w.WriteHeader(201)
	}))
	defer other.Close()
	res := send(t, answer(307, ``, "Location", other.URL+"/steal"), &http.Client{})
	if res.Outcome != Rejected || res.Status != 307 || !strings.Contains(res.Message, other.URL) {
		t.Fatalf("%+v", res)
	}
	if elsewhere.Load() != 0 {
		t.Fatal("the redirect was followed; the key went to another host")
	}
}

func TestSendRefusesWithoutSending(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	c := NewClient(srv.URL, nil)
	tests := []struct {
		name    string
		key     string
		body    []byte
		outcome Outcome
	}{
		{"no key", "", testBody, Unauthorized},
		{"key with newline", "pk_abc\r\nX-Evil: 1", testBody, Unauthorized},
		{"body over 5 MiB", testKey, make([]byte, MaxBodyBytes+1), TooLarge},
	}
	for _, tt := range tests {
		res := c.Send(context.Background(), tt.key, tt.body)
		if res.Outcome != tt.outcome || res.Status != 0 || res.Message == "" || res.Sent {
			t.Errorf("%s: %+v", tt.name, res)
		}
		if tt.key != "" && strings.Contains(res.Message, tt.key) {
			t.Errorf("%s: message leaks the key", tt.name)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("server got %d requests", hits.Load())
	}
	// Exactly at the limit is allowed through.
	if res := c.Send(context.Background(), testKey, make([]byte, MaxBodyBytes)); res.Status == 0 {
		t.Fatalf("a body of exactly MaxBodyBytes was not sent: %+v", res)
	}
}

func TestBadURLIsRejected(t *testing.T) {
	res := NewClient("http://[::1", nil).Send(context.Background(), testKey, testBody)
	if res.Outcome != Rejected {
		t.Fatalf("%+v", res)
	}
}

type countingTransport struct {
	rt http.RoundTripper
	n  *atomic.Int64
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(r)
	if err == nil {
		resp.Body = countingBody{resp.Body, c.n}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// A request that never reached Kendo — refused, no such host, a certificate Kendo's
// address cannot prove — is Unreachable, not Transient: it says nothing about Kendo's
// load, so it neither counts against pacing nor reads as a server error.
func TestSendUnreachable(t *testing.T) {
	closed := httptest.NewServer(answer(201, `{"callId":"x"}`))
	closed.Close()
	untrusted := httptest.NewTLSServer(answer(201, `{"callId":"x"}`))
	defer untrusted.Close()
	tests := []struct{ name, url string }{
		{"connection refused", closed.URL},
		{"no such host", "http://kendo.invalid/api"},
		{"certificate not trusted", untrusted.URL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := NewClient(tt.url, nil).Send(context.Background(), testKey, testBody)
			if res.Outcome != Unreachable || res.Status != 0 || res.Message == "" || res.Sent {
				t.Fatalf("%+v (never reached Kendo: Unreachable, Sent false)", res)
			}
		})
	}
}
