package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
)

const (
	keyA = "pk_test_alpha"
	keyB = "pk_test_bravo"
)

var okBody = `{"transcript":"Rep: hi","repEmail":"rep@example.com","metadata":{"source":"aloware"}}`

// clock is an injectable time source tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

var t0 = time.Date(2026, 8, 5, 12, 0, 0, 0, time.UTC)

func newClock() *clock { return &clock{t: t0} }
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}
func (c *clock) At(d time.Duration) { c.mu.Lock(); c.t = t0.Add(d); c.mu.Unlock() }

type req struct {
	method, path, body string
	header             map[string]string
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) errorText() string {
	var v struct{ Error string }
	_ = json.Unmarshal(r.body, &v)
	return v.Error
}

func serve(t *testing.T, e *Emulator) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, srv *httptest.Server, rq req) resp {
	t.Helper()
	if rq.method == "" {
		rq.method = http.MethodPost
	}
	if rq.path == "" {
		rq.path = IngestPath
	}
	hr, err := http.NewRequest(rq.method, srv.URL+rq.path, strings.NewReader(rq.body))
	if err != nil {
		t.Fatal(err)
	}
	hr.Header.Set("Content-Type", "application/json")
	for k, v := range rq.header {
		hr.Header.Set(k, v)
	}
	hres, err := srv.Client().Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer hres.Body.Close()
	b, err := io.ReadAll(hres.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp{hres.StatusCode, hres.Header, b}
}

// ingestA posts body with keyA in X-API-Key.
func ingestA(t *testing.T, srv *httptest.Server, body string) resp {
	t.Helper()
	return do(t, srv, req{body: body, header: map[string]string{"X-API-Key": keyA}})
}

func xkey(k string) map[string]string { return map[string]string{"X-API-Key": k} }

// bodyOfSize pads a valid payload's transcript to exactly n bytes.
func bodyOfSize(n int) string {
	const head, tail = `{"transcript":"`, `"}`
	return head + strings.Repeat("a", n-len(head)-len(tail)) + tail
}

func TestIngestRules(t *testing.T) {
	wide := kendo.Rate{Limit: 1000, Period: time.Minute}
	tests := []struct {
		name   string
		opts   Options
		rq     req
		status int
		errHas string
	}{
		{"transcript", Options{}, req{body: okBody, header: xkey(keyA)}, 201, ""},
		{"audioUrl only", Options{}, req{body: `{"audioUrl":"https://x.example/a.mp3"}`, header: xkey(keyA)}, 201, ""},
		{"audio_url only", Options{}, req{body: `{"audio_url":"https://x.example/a.mp3"}`, header: xkey(keyA)}, 201, ""},
		{"blank transcript is a string", Options{}, req{body: `{"transcript":" "}`, header: xkey(keyA)}, 201, ""},
		{"repEmail odd but valid", Options{}, req{body: `{"transcript":"x","repEmail":"o'neil.x_y-z{1}@mail-1.example.io"}`, header: xkey(keyA)}, 201, ""},
		{"rep_email valid", Options{}, req{body: `{"transcript":"x","rep_email":"a.b+c@sub.example.co"}`, header: xkey(keyA)}, 201, ""},
		{"repEmail null is absent", Options{}, req{body: `{"transcript":"x","repEmail":null}`, header: xkey(keyA)}, 201, ""},
		{"path /ingest", Options{}, req{path: "/ingest", body: okBody, header: xkey(keyA)}, 201, ""},
		{"path /", Options{}, req{path: "/", body: okBody, header: xkey(keyA)}, 201, ""},
		{"bearer", Options{}, req{body: okBody, header: map[string]string{"Authorization": "Bearer " + keyA}}, 201, ""},
		{"bearer lower case", Options{}, req{body: okBody, header: map[string]string{"Authorization": "bearer " + keyA}}, 201, ""},
		{"query apiKey", Options{}, req{path: IngestPath + "?apiKey=" + keyA, body: okBody}, 201, ""},
		{"body apiKey", Options{}, req{body: `{"apiKey":"` + keyA + `","transcript":"x"}`}, 201, ""},
		{"exactly 5 MiB", Options{}, req{body: bodyOfSize(kendo.MaxBodyBytes), header: xkey(keyA)}, 201, ""},
		{"allowlisted key", Options{Keys: []string{keyB, keyA}}, req{body: okBody, header: xkey(keyA)}, 201, ""},

		{"5 MiB + 1", Options{}, req{body: bodyOfSize(kendo.MaxBodyBytes + 1), header: xkey(keyA)}, 413, "5 MB"},
		{"size before key", Options{}, req{body: bodyOfSize(kendo.MaxBodyBytes + 1)}, 413, ""},

		{"no key", Options{}, req{body: okBody}, 401, "missing API key"},
		{"key too short", Options{}, req{body: okBody, header: xkey("pk_abc")}, 401, "invalid API key"},
		{"not a pk_ key", Options{}, req{body: okBody, header: xkey("sk_abcdef")}, 401, "invalid API key"},
		{"key with bad chars", Options{}, req{body: okBody, header: xkey("pk_abc.def")}, 401, "invalid API key"},
		{"basic auth is no key", Options{}, req{body: okBody, header: map[string]string{"Authorization": "Basic " + keyA}}, 401, "missing"},
		{"body apiKey not a string", Options{}, req{body: `{"apiKey":123,"transcript":"x"}`}, 401, "missing"},
		{"not in allowlist", Options{Keys: []string{keyB}}, req{body: okBody, header: xkey(keyA)}, 401, "invalid API key"},
		{"header wins over body", Options{}, req{body: `{"apiKey":"` + keyA + `","transcript":"x"}`, header: xkey("pk_x")}, 401, "invalid"},
		{"key before JSON", Options{}, req{body: `{not json`}, 401, "missing"},

		{"malformed JSON", Options{}, req{body: `{"transcript":`, header: xkey(keyA)}, 400, "malformed JSON"},
		{"empty body", Options{}, req{body: ``, header: xkey(keyA)}, 400, "malformed JSON"},
		{"trailing garbage", Options{}, req{body: `{"transcript":"x"} x`, header: xkey(keyA)}, 400, "malformed JSON"},
		{"array", Options{}, req{body: `[{"transcript":"x"}]`, header: xkey(keyA)}, 400, "JSON object"},
		{"null", Options{}, req{body: `null`, header: xkey(keyA)}, 400, "JSON object"},
		{"string", Options{}, req{body: `"x"`, header: xkey(keyA)}, 400, "JSON object"},
		{"no content", Options{}, req{body: `{"callTitle":"t"}`, header: xkey(keyA)}, 400, "transcript or audioUrl"},
		{"empty transcript", Options{}, req{body: `{"transcript":""}`, header: xkey(keyA)}, 400, "transcript or audioUrl"},
		{"empty audioUrl", Options{}, req{body: `{"audioUrl":""}`, header: xkey(keyA)}, 400, "transcript or audioUrl"},
		{"transcript not a string", Options{}, req{body: `{"transcript":42}`, header: xkey(keyA)}, 400, "transcript or audioUrl"},
		{"content before email", Options{}, req{body: `{"repEmail":"bad"}`, header: xkey(keyA)}, 400, "transcript or audioUrl"},
		{"repEmail invalid", Options{}, req{body: `{"transcript":"x","repEmail":"not-an-email"}`, header: xkey(keyA)}, 400, "repEmail must be a valid email"},
		{"repEmail no domain dot", Options{}, req{body: `{"transcript":"x","repEmail":"rep@localhost"}`, header: xkey(keyA)}, 400, "repEmail"},
		{"repEmail display name", Options{}, req{body: `{"transcript":"x","repEmail":"Rep <rep@example.com>"}`, header: xkey(keyA)}, 400, "repEmail"},
		{"repEmail empty", Options{}, req{body: `{"transcript":"x","repEmail":""}`, header: xkey(keyA)}, 400, "repEmail"},
		{"repEmail number", Options{}, req{body: `{"transcript":"x","repEmail":5}`, header: xkey(keyA)}, 400, "repEmail"},
		{"repEmail numeric tld", Options{}, req{body: `{"transcript":"x","repEmail":"rep@example.123"}`, header: xkey(keyA)}, 400, "repEmail"},
		{"repEmail double dot", Options{}, req{body: `{"transcript":"x","repEmail":"a..b@example.com"}`, header: xkey(keyA)}, 400, "repEmail"},
		{"repEmail leading dot", Options{}, req{body: `{"transcript":"x","repEmail":".a@example.com"}`, header: xkey(keyA)}, 400, "repEmail"},
		{"repEmail no local", Options{}, req{body: `{"transcript":"x","repEmail":"@example.com"}`, header: xkey(keyA)}, 400, "repEmail"},
		{"repEmail long local", Options{}, req{body: `{"transcript":"x","repEmail":"` + strings.Repeat("a", 65) + `@example.com"}`, header: xkey(keyA)}, 400, "repEmail"},
		{"rep_email invalid", Options{}, req{body: `{"transcript":"x","rep_email":"a@b@c.com"}`, header: xkey(keyA)}, 400, "rep_email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.opts.Rate == (kendo.Rate{}) {
				tt.opts.Rate = wide
			}
			e := New(tt.opts)
			r := do(t, serve(t, e), tt.rq)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d; body %.200s", r.status, tt.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Fatalf("Content-Type = %q", ct)
			}
			if tt.status == 201 {
				var ok struct {
					KendoCallID string `json:"callId"`
				}
				if json.Unmarshal(r.body, &ok) != nil || len(ok.KendoCallID) != 36 {
					t.Fatalf("201 body %s", r.body)
				}
				if calls := e.Calls(); len(calls) != 1 || calls[0].KendoCallID != ok.KendoCallID {
					t.Fatalf("calls = %+v", calls)
				}
				return
			}
			if !strings.Contains(r.errorText(), tt.errHas) || r.errorText() == "" {
				t.Fatalf("error %q, want it to mention %q", r.errorText(), tt.errHas)
			}
			if len(e.Calls()) != 0 || e.Answered(tt.status) != 1 {
				t.Fatalf("refused request was stored or not counted")
			}
		})
	}
}

// Rules apply in the contract's order: 413, 401, 429, 400.
func TestIngestRuleOrder(t *testing.T) {
	e := New(Options{Rate: kendo.Rate{Limit: 1, Period: time.Minute}, Now: newClock().Now})
	srv := serve(t, e)
	if r := ingestA(t, srv, okBody); r.status != 201 {
		t.Fatalf("first: %d", r.status)
	}
	steps := []struct {
		name   string
		rq     req
		status int
	}{
		{"oversize beats an exhausted key", req{body: bodyOfSize(kendo.MaxBodyBytes + 1), header: xkey(keyA)}, 413},
		{"bad key beats anything after it", req{body: `{`, header: xkey("nope")}, 401},
		{"rate beats malformed JSON", req{body: `{`, header: xkey(keyA)}, 429},
		{"rate beats missing content", req{body: `{}`, header: xkey(keyA)}, 429},
	}
	for _, s := range steps {
		if r := do(t, srv, s.rq); r.status != s.status {
			t.Errorf("%s: %d, want %d (%s)", s.name, r.status, s.status, r.body)
		}
	}
}

func TestRollingWindow(t *testing.T) {
	const n = 3
	clk := newClock()
	srv := serve(t, New(Options{Rate: kendo.Rate{Limit: n, Period: time.Minute}, Now: clk.Now}))
	expect := func(at time.Duration, status, retryAfter int) {
		t.Helper()
		clk.At(at)
		r := ingestA(t, srv, okBody)
		if r.status != status {
			t.Fatalf("at %v: %d, want %d", at, r.status, status)
		}
		if got := r.header.Get("Retry-After"); status == 429 && got != strconv.Itoa(retryAfter) {
			t.Fatalf("at %v: Retry-After %q, want %d", at, got, retryAfter)
		}
		if status != 429 && r.header.Get("Retry-After") != "" {
			t.Fatalf("at %v: Retry-After on %d", at, status)
		}
	}
	for i := range n {
		expect(time.Duration(i)*time.Millisecond, 201, 0) // N at t=0..ε
	}
	expect(2*time.Millisecond, 429, 60)
	expect(30*time.Second, 429, 30)
	expect(time.Minute-time.Nanosecond, 429, 1) // rounded up, at least 1
	expect(time.Minute, 201, 0)                 // the first left the window exactly now
	expect(time.Minute, 429, 1)                 // the second leaves at 1m0.001s
	expect(time.Minute+time.Millisecond, 201, 0)
	expect(time.Minute+2*time.Millisecond, 201, 0)
	expect(time.Minute+2*time.Millisecond, 429, 60)
}

// A token bucket (capacity N, refilling N per Period) would let almost 2N
// through in one Period; a fixed window would let 2N through around its
// boundary. The sliding log allows neither.
func TestRollingWindowIsNotABucketOrFixedWindow(t *testing.T) {
	const n = 4
	clk := newClock()
	srv := serve(t, New(Options{Rate: kendo.Rate{Limit: n, Period: time.Minute}, Now: clk.Now}))
	post := func(at time.Duration) int { clk.At(at); return ingestA(t, srv, okBody).status }

	for range n {
		if s := post(0); s != 201 {
			t.Fatalf("burst at t=0: %d", s)
		}
	}
	// A bucket has refilled n/2 tokens by 30s and ~n by 59.9s.
	for _, at := range []time.Duration{15 * time.Second, 30 * time.Second, 45 * time.Second, 59900 * time.Millisecond} {
		if s := post(at); s != 429 {
			t.Fatalf("at %v: %d; more than %d in one minute", at, s, n)
		}
	}

	// Fixed-window shape: 1 early, n-1 late in a minute, then the boundary.
	clk2 := newClock()
	srv2 := serve(t, New(Options{Rate: kendo.Rate{Limit: n, Period: time.Minute}, Now: clk2.Now}))
	post2 := func(at time.Duration) resp { clk2.At(at); return ingestA(t, srv2, okBody) }
	post2(0)
	for range n - 1 {
		post2(59 * time.Second)
	}
	if r := post2(time.Minute); r.status != 201 {
		t.Fatalf("the t=0 slot should be free at 1m: %d", r.status)
	}
	if r := post2(time.Minute); r.status != 429 || r.header.Get("Retry-After") != "59" {
		t.Fatalf("a fixed window would allow this one: %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
}

func TestWhatCountsTowardTheRate(t *testing.T) {
	clk := newClock()
	e := New(Options{Rate: kendo.Rate{Limit: 2, Period: time.Minute}, Now: clk.Now})
	srv := serve(t, e)

	// 413s do not use the key's slots. (A 401 never names a valid key, so it
	// has no slots to use.)
	for range 5 {
		do(t, srv, req{body: bodyOfSize(kendo.MaxBodyBytes + 1), header: xkey(keyA)})
	}
	if s := ingestA(t, srv, okBody).status; s != 201 {
		t.Fatalf("after 413s: %d", s)
	}
	if s := ingestA(t, srv, okBody).status; s != 201 {
		t.Fatalf("second: %d", s)
	}
	// 429s do not extend the wait.
	for i := range 10 {
		clk.At(time.Duration(i+1) * time.Second)
		if s := ingestA(t, srv, okBody).status; s != 429 {
			t.Fatalf("third: %d", s)
		}
	}
	clk.At(time.Minute)
	if s := ingestA(t, srv, `{}`).status; s != 400 {
		t.Fatalf("at 1m: %d, want 400 (429s must not have counted)", s)
	}
	// 400s do count.
	if s := ingestA(t, srv, `{`).status; s != 400 {
		t.Fatalf("second 400: %d", s)
	}
	if s := ingestA(t, srv, okBody).status; s != 429 {
		t.Fatalf("after two 400s: %d, want 429", s)
	}
	if e.Answered(413) != 5 || e.Answered(201) != 2 || e.Answered(400) != 2 || e.Answered(429) != 11 {
		t.Fatalf("counts 201=%d 400=%d 413=%d 429=%d", e.Answered(201), e.Answered(400), e.Answered(413), e.Answered(429))
	}
}

func TestKeysAreIsolated(t *testing.T) {
	srv := serve(t, New(Options{Rate: kendo.Rate{Limit: 1, Period: time.Hour}, Now: newClock().Now}))
	if s := do(t, srv, req{body: okBody, header: xkey(keyA)}).status; s != 201 {
		t.Fatal(s)
	}
	if s := do(t, srv, req{body: okBody, header: xkey(keyA)}).status; s != 429 {
		t.Fatal(s)
	}
	if s := do(t, srv, req{body: okBody, header: xkey(keyB)}).status; s != 201 {
		t.Fatalf("keyB limited by keyA's use: %d", s)
	}
	// The same key through another carrier is the same key.
	if s := do(t, srv, req{body: okBody, header: map[string]string{"Authorization": "Bearer " + keyB}}).status; s != 429 {
		t.Fatalf("bearer keyB: %d", s)
	}
}

func TestInspectionRoutes(t *testing.T) {
	clk := newClock()
	e := New(Options{Rate: kendo.Rate{Limit: 100, Period: time.Minute}, Now: clk.Now})
	srv := serve(t, e)

	if r := do(t, srv, req{method: "GET", path: "/calls"}); r.status != 200 || strings.TrimSpace(string(r.body)) != "[]" {
		t.Fatalf("empty /calls: %d %s", r.status, r.body)
	}
	first := `{ "transcript": "Rep: one",  "metadata": {"alowareCallId": "1"} }`
	ingestA(t, srv, first)
	clk.At(time.Second)
	do(t, srv, req{body: `{"apiKey":"` + keyB + `","audioUrl":"https://x.example/2.mp3"}`})
	ingestA(t, srv, `{}`) // 400, not listed

	r := do(t, srv, req{method: "GET", path: "/calls"})
	if bytes.Contains(r.body, []byte(keyA)) || bytes.Contains(r.body, []byte(keyB)) {
		t.Fatalf("/calls shows a raw key: %s", r.body)
	}
	var calls []struct {
		KendoCallID string          `json:"callId"`
		ReceivedAt  time.Time       `json:"receivedAt"`
		KeyID       string          `json:"keyId"`
		Payload     json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(r.body, &calls); err != nil || len(calls) != 2 {
		t.Fatalf("/calls: %v %s", err, r.body)
	}
	if calls[0].KeyID != kendo.KeyID(keyA) || calls[1].KeyID != kendo.KeyID(keyB) {
		t.Fatalf("keyIds %q %q", calls[0].KeyID, calls[1].KeyID)
	}
	if !calls[0].ReceivedAt.Equal(t0) || !calls[1].ReceivedAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("receivedAt %v %v", calls[0].ReceivedAt, calls[1].ReceivedAt)
	}
	var want bytes.Buffer
	_ = json.Compact(&want, []byte(first))
	if string(calls[0].Payload) != want.String() {
		t.Fatalf("payload %s, want %s", calls[0].Payload, want.String())
	}
	if !bytes.Contains(calls[1].Payload, []byte(`"apiKey":"[redacted]"`)) {
		t.Fatalf("body key not redacted: %s", calls[1].Payload)
	}
	if got := e.Calls(); len(got) != 2 || got[0].KendoCallID != calls[0].KendoCallID {
		t.Fatalf("Calls() = %+v", got)
	}

	var stats struct {
		Requests, Accepted int
		ByStatus           map[string]int
	}
	r = do(t, srv, req{method: "GET", path: "/stats"})
	if err := json.Unmarshal(r.body, &stats); err != nil || stats.Requests != 3 || stats.Accepted != 2 ||
		stats.ByStatus["201"] != 2 || stats.ByStatus["400"] != 1 || stats.ByStatus["429"] != 0 {
		t.Fatalf("/stats: %v %s", err, r.body)
	}

	if r := do(t, srv, req{method: "DELETE", path: "/calls"}); r.status != 200 || !bytes.Contains(r.body, []byte(`"deleted":2`)) {
		t.Fatalf("DELETE /calls: %d %s", r.status, r.body)
	}
	if len(e.Calls()) != 0 || e.Answered(201) != 0 {
		t.Fatal("DELETE /calls left state behind")
	}

	if r := do(t, srv, req{method: "GET", path: IngestPath}); r.status != 405 {
		t.Fatalf("GET ingest: %d", r.status)
	}
	if r := do(t, srv, req{method: "GET", path: "/"}); r.status != 200 || !bytes.Contains(r.body, []byte("kendo-emulator")) {
		t.Fatalf("GET /: %d %s", r.status, r.body)
	}
	if r := do(t, srv, req{method: "GET", path: "/healthz"}); r.status != 200 {
		t.Fatalf("healthz: %d", r.status)
	}
}

func TestConcurrentRequests(t *testing.T) {
	const limit, workers, each = 50, 20, 10
	e := New(Options{Rate: kendo.Rate{Limit: limit, Period: time.Hour}})
	srv := serve(t, e)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			key := keyA
			if w%2 == 1 {
				key = keyB
			}
			for range each {
				do(t, srv, req{body: okBody, header: xkey(key)})
				_ = e.Calls()
				do(t, srv, req{method: "GET", path: "/stats"})
			}
		})
	}
	wg.Wait()
	// Each key sent 100 requests against a limit of 50.
	if got := e.Answered(201); got != 2*limit {
		t.Fatalf("201s = %d, want %d", got, 2*limit)
	}
	if got := e.Answered(429); got != workers*each-2*limit {
		t.Fatalf("429s = %d", got)
	}
	seen := map[string]bool{}
	for _, c := range e.Calls() {
		if seen[c.KendoCallID] {
			t.Fatalf("duplicate callId %s", c.KendoCallID)
		}
		seen[c.KendoCallID] = true
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for wait, want := range map[time.Duration]int{0: 1, time.Nanosecond: 1, time.Second: 1, time.Second + 1: 2, 59500 * time.Millisecond: 60} {
		if got := retryAfterSeconds(wait); got != want {
			t.Errorf("retryAfterSeconds(%v) = %d, want %d", wait, got, want)
		}
	}
}
