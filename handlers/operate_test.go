package handlers_test

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/inbound"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// fakeOperator records what the routes asked and answers as scripted; a nil func is a
// database that is down.
type fakeOperator struct {
	mu        sync.Mutex
	calls     []string // method names, in order
	filter    delivery.ListFilter
	by        string
	bulkOpts  delivery.BulkOptions
	call      func(id string) (delivery.CallRecord, error)
	redeliver func(id string, opts delivery.RedeliverOptions) (delivery.CallRecord, error)
	list      func(delivery.ListFilter) (delivery.CallPage, error)
	bulk      func(delivery.ListFilter) (delivery.BulkResult, error)
	skip      func(id string) (delivery.CallRecord, error)
	erase     func(id string) (delivery.CallRecord, error)
	quar      func(limit int, cursor string) (delivery.QuarantinePage, error)
	replay    func() (delivery.ReplayResult, error)
	lastID    string
	lastPage  struct {
		limit  int
		cursor string
	}
}

var errDown = io.ErrUnexpectedEOF

func (f *fakeOperator) record(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, name)
}

func (f *fakeOperator) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeOperator) ListCalls(_ context.Context, lf delivery.ListFilter) (delivery.CallPage, error) {
	f.record("ListCalls")
	f.filter = lf
	if f.list == nil {
		return delivery.CallPage{}, errDown
	}
	return f.list(lf)
}

func (f *fakeOperator) RedeliverMany(_ context.Context, lf delivery.ListFilter, opts delivery.BulkOptions, by string) (delivery.BulkResult, error) {
	f.record("RedeliverMany")
	f.filter, f.bulkOpts, f.by = lf, opts, by
	if f.bulk == nil {
		return delivery.BulkResult{}, errDown
	}
	return f.bulk(lf)
}

func (f *fakeOperator) Skip(_ context.Context, id, by string) (delivery.CallRecord, error) {
	f.record("Skip")
	f.lastID, f.by = id, by
	if f.skip == nil {
		return delivery.CallRecord{}, errDown
	}
	return f.skip(id)
}

func (f *fakeOperator) Erase(_ context.Context, id, by string) (delivery.CallRecord, error) {
	f.record("Erase")
	f.lastID, f.by = id, by
	if f.erase == nil {
		return delivery.CallRecord{}, errDown
	}
	return f.erase(id)
}

func (f *fakeOperator) Quarantine(_ context.Context, limit int, cursor string) (delivery.QuarantinePage, error) {
	f.record("Quarantine")
	f.lastPage.limit, f.lastPage.cursor = limit, cursor
	if f.quar == nil {
		return delivery.QuarantinePage{}, errDown
	}
	return f.quar(limit, cursor)
}

func (f *fakeOperator) Call(_ context.Context, id string) (delivery.CallRecord, error) {
	f.record("Call")
	if f.call == nil {
		return delivery.CallRecord{}, errDown
	}
	return f.call(id)
}

func (f *fakeOperator) Redeliver(_ context.Context, id string, opts delivery.RedeliverOptions, by string) (delivery.CallRecord, error) {
	f.record("Redeliver")
	f.by = by
	if f.redeliver == nil {
		return delivery.CallRecord{}, errDown
	}
	return f.redeliver(id, opts)
}

func (f *fakeOperator) ReplayQuarantine(_ context.Context, by string) (delivery.ReplayResult, error) {
	f.record("ReplayQuarantine")
	f.by = by
	if f.replay == nil {
		return delivery.ReplayResult{}, errDown
	}
	return f.replay()
}

func operatorServer(t *testing.T, op *fakeOperator, p handlers.Intake) string {
	t.Helper()
	return newServer(t, handlers.Deps{Operator: op, Intake: p, Logger: slog.New(slog.DiscardHandler)}).URL
}

func TestListCallsPassesTheFilterAndAnswersThePage(t *testing.T) {
	date := time.Date(2026, 8, 5, 20, 58, 49, 0, time.UTC)
	op := &fakeOperator{list: func(delivery.ListFilter) (delivery.CallPage, error) {
		return delivery.CallPage{Items: []delivery.CallSummary{{
			AlowareCallID: "940868616", Status: lifecycle.Failed, Reason: "Kendo refused the key", Direction: "outbound",
			RepEmail: "sam@example.com", CallDate: &date, Attempts: 2, LastError: "401", FirstSeenAt: date, UpdatedAt: date,
		}}, Next: "c2"}, nil
	}}
	base := operatorServer(t, op, nil)
	q := url.Values{"status": {"failed", "unrouted"}, "since": {"2026-08-01T00:00:00Z"}, "until": {"2026-08-06T00:00:00+02:00"},
		"q": {"940868616"}, "limit": {"10"}, "cursor": {"c1"}}
	resp := get(t, base+"/calls?"+q.Encode())
	if resp.status != http.StatusOK {
		t.Fatalf("%d %s", resp.status, resp.body)
	}
	f := op.filter
	if len(f.Statuses) != 2 || f.Statuses[0] != lifecycle.Failed || f.Statuses[1] != lifecycle.Unrouted ||
		!f.Since.Equal(time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)) || !f.Until.Equal(time.Date(2026, 8, 5, 22, 0, 0, 0, time.UTC)) ||
		f.Query != "940868616" || f.Limit != 10 || f.Cursor != "c1" {
		t.Errorf("filter %+v", f)
	}
	want := `{"items":[{"alowareCallId":"940868616","status":"failed","reason":"Kendo refused the key","direction":"outbound",
		"repEmail":"sam@example.com","callDate":"2026-08-05T20:58:49Z","attempts":2,"lastError":"401",
		"firstSeenAt":"2026-08-05T20:58:49Z","updatedAt":"2026-08-05T20:58:49Z"}],"next":"c2"}`
	if !sameJSON(t, resp.body, []byte(want)) {
		t.Errorf("got %s", resp.body)
	}

	// The defaults, and an empty page is [] (never null) without next.
	op.list = func(delivery.ListFilter) (delivery.CallPage, error) { return delivery.CallPage{}, nil }
	resp = get(t, base+"/calls")
	if resp.status != http.StatusOK || !sameJSON(t, resp.body, []byte(`{"items":[]}`)) || op.filter.Limit != delivery.DefaultListLimit {
		t.Errorf("empty page: %d %s, limit %d", resp.status, resp.body, op.filter.Limit)
	}
}

func TestListCallsRefusesBadFilters(t *testing.T) {
	op := &fakeOperator{list: func(delivery.ListFilter) (delivery.CallPage, error) { return delivery.CallPage{}, nil }}
	base := operatorServer(t, op, nil)
	for _, tc := range []struct{ query, loc string }{
		{"status=gone", "query.status[0]"},
		{"since=yesterday", "query.since"},
		{"since=2026-08-02T00:00:00Z&until=2026-08-01T00:00:00Z", "query.until"},
		{"limit=0", "query.limit"},
		{"limit=501", "query.limit"},
		{"q=" + strings.Repeat("9", delivery.MaxListQuery+1), "query.q"},
		{"cursor=" + strings.Repeat("c", delivery.MaxListCursor+1), "query.cursor"},
	} {
		resp := get(t, base+"/calls?"+tc.query)
		if resp.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s", tc.query, resp.status, resp.body)
			continue
		}
		if p := resp.problem(t); !containsExact(p.locations(), tc.loc) {
			t.Errorf("%s: locations %q, want %s", tc.query, p.locations(), tc.loc)
		}
	}
	if got := op.called(); len(got) != 0 {
		t.Errorf("the engine was asked %v for refused filters", got)
	}
}

// A cursor this service did not hand out is the caller's mistake: a 422 naming it, not
// a 503 and a "database error" in the log.
func TestListingsRefuseAForeignCursor(t *testing.T) {
	op := &fakeOperator{
		list: func(delivery.ListFilter) (delivery.CallPage, error) {
			return delivery.CallPage{}, delivery.ErrBadCursor
		},
		quar: func(int, string) (delivery.QuarantinePage, error) {
			return delivery.QuarantinePage{}, delivery.ErrBadCursor
		},
	}
	base := operatorServer(t, op, nil)
	for _, path := range []string{"/calls?cursor=not-ours", "/quarantine?cursor=not-ours"} {
		resp := get(t, base+path)
		if resp.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s", path, resp.status, resp.body)
			continue
		}
		if p := resp.problem(t); !containsExact(p.locations(), "query.cursor") {
			t.Errorf("%s: locations %q, want query.cursor", path, p.locations())
		}
	}
}

func TestBulkRedelivery(t *testing.T) {
	op := &fakeOperator{bulk: func(delivery.ListFilter) (delivery.BulkResult, error) {
		return delivery.BulkResult{Matched: 3, Queued: 2, Excluded: map[string]int{delivery.ExcludedOutcomeUnknown: 1}}, nil
	}}
	base := operatorServer(t, op, nil)
	resp := post(t, base+"/calls/redeliver", []byte(`{"status":["failed"],"since":"2026-08-01T00:00:00Z","ids":["940868616","7"]}`))
	if resp.status != http.StatusAccepted || !sameJSON(t, resp.body, []byte(`{"matched":3,"queued":2,"excluded":{"outcomeUnknown":1}}`)) {
		t.Fatalf("%d %s", resp.status, resp.body)
	}
	if f := op.filter; len(f.Statuses) != 1 || f.Statuses[0] != lifecycle.Failed || len(f.IDs) != 2 || f.Since.IsZero() || !f.Until.IsZero() || op.by != "API" {
		t.Errorf("filter %+v by %q", f, op.by)
	}
	if op.bulkOpts != (delivery.BulkOptions{}) {
		t.Errorf("options %+v, want outcome-unknown calls excluded and a real run by default", op.bulkOpts)
	}
	// A preview: the same counts, 200, and the engine told not to queue.
	resp = post(t, base+"/calls/redeliver", []byte(`{"status":["failed"],"dryRun":true}`))
	if resp.status != http.StatusOK || !sameJSON(t, resp.body, []byte(`{"matched":3,"queued":2,"excluded":{"outcomeUnknown":1}}`)) || !op.bulkOpts.DryRun {
		t.Fatalf("dry run: %d %s, options %+v", resp.status, resp.body, op.bulkOpts)
	}
	resp = post(t, base+"/calls/redeliver", []byte(`{"status":["failed"],"includeOutcomeUnknown":true}`))
	if resp.status != http.StatusAccepted || op.bulkOpts != (delivery.BulkOptions{IncludeOutcomeUnknown: true}) {
		t.Fatalf("including outcome-unknown calls: %d %s, options %+v", resp.status, resp.body, op.bulkOpts)
	}
	for _, tc := range []struct{ body, loc string }{
		{`{}`, "body"},
		{`{"status":[],"ids":[]}`, "body"},
		{`{"ids":["940868616","abc"]}`, "body.ids[1]"},
		{`{"status":["nope"]}`, "body.status[0]"},
		{`{"since":"2026-08-02T00:00:00Z","until":"2026-08-01T00:00:00Z"}`, "body.until"},
		{`{"status":["failed"],"extra":1}`, "body.extra"},
	} {
		before := len(op.called())
		resp := post(t, base+"/calls/redeliver", []byte(tc.body))
		if resp.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s", tc.body, resp.status, resp.body)
			continue
		}
		if p := resp.problem(t); !containsExact(p.locations(), tc.loc) {
			t.Errorf("%s: locations %q, want %s", tc.body, p.locations(), tc.loc)
		}
		if len(op.called()) != before {
			t.Errorf("%s: the engine was asked", tc.body)
		}
	}
	op.bulk = nil // the database fails
	resp = post(t, base+"/calls/redeliver", []byte(`{"status":["failed"]}`))
	if resp.status != http.StatusServiceUnavailable || resp.header.Get("Retry-After") == "" {
		t.Errorf("database down: %d Retry-After %q", resp.status, resp.header.Get("Retry-After"))
	}
}

// With inbound Basic credentials, the reason names the user; a Basic header that no
// authenticator checked names nobody.
func TestOperatorActionsNameWhoAsked(t *testing.T) {
	rec := func(id string) (delivery.CallRecord, error) {
		return delivery.CallRecord{AlowareCallID: id, Status: lifecycle.Skipped}, nil
	}
	auth, err := inbound.New(inbound.Config{Token: "tok", Basic: "ops:pa55"})
	if err != nil {
		t.Fatal(err)
	}
	op := &fakeOperator{skip: rec}
	srv := newServer(t, handlers.Deps{Operator: op, Auth: auth})
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("ops:pa55"))
	for cred, want := range map[string]string{basic: "API (basic user ops)", "Bearer tok": "API"} {
		resp := post(t, srv.URL+"/calls/7/skip", nil, "Authorization", cred)
		if resp.status != http.StatusOK || op.by != want {
			t.Errorf("%s: %d, by %q, want %q", strings.Fields(cred)[0], resp.status, op.by, want)
		}
	}
	open := &fakeOperator{skip: rec}
	resp := post(t, operatorServer(t, open, nil)+"/calls/7/skip", nil, "Authorization", basic)
	if resp.status != http.StatusOK || open.by != "API" {
		t.Errorf("without auth: %d by %q", resp.status, open.by)
	}
}

func TestSingleCallActionsTranslateTheEngine(t *testing.T) {
	rec := func(status lifecycle.Status) func(string) (delivery.CallRecord, error) {
		return func(id string) (delivery.CallRecord, error) {
			return delivery.CallRecord{AlowareCallID: id, Status: status}, nil
		}
	}
	fails := func(err error) func(string) (delivery.CallRecord, error) {
		return func(string) (delivery.CallRecord, error) { return delivery.CallRecord{}, err }
	}
	tests := []struct {
		name         string
		op           *fakeOperator
		p            *fakeEngine
		method, path string
		want         int
		status       string
	}{
		{"skip", &fakeOperator{skip: rec(lifecycle.Skipped)}, nil, "POST", "/calls/7/skip", 200, "skipped"},
		{"skip a delivered call", &fakeOperator{skip: fails(delivery.ErrNotSkippable)}, nil, "POST", "/calls/7/skip", 409, ""},
		{"skip an unknown call", &fakeOperator{skip: fails(delivery.ErrNotFound)}, nil, "POST", "/calls/7/skip", 404, ""},
		{"skip, database down", &fakeOperator{}, nil, "POST", "/calls/7/skip", 503, ""},
		{"erase", &fakeOperator{erase: rec(lifecycle.Erased)}, nil, "DELETE", "/calls/7", 200, "erased"},
		{"erase an unknown call", &fakeOperator{erase: fails(delivery.ErrNotFound)}, nil, "DELETE", "/calls/7", 404, ""},
		{"redeliver a purged call", &fakeOperator{redeliver: func(string, delivery.RedeliverOptions) (delivery.CallRecord, error) {
			return delivery.CallRecord{}, delivery.ErrPurged
		}}, nil, "POST", "/calls/7/redeliver", 410, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p handlers.Intake
			if tt.p != nil {
				p = tt.p
			}
			resp := do(t, tt.method, operatorServer(t, tt.op, p)+tt.path, nil)
			if resp.status != tt.want {
				t.Fatalf("%d, want %d: %s", resp.status, tt.want, resp.body)
			}
			if tt.want >= 400 {
				resp.problem(t)
				if (tt.want == 503) != (resp.header.Get("Retry-After") != "") {
					t.Errorf("Retry-After %q on a %d", resp.header.Get("Retry-After"), tt.want)
				}
				return
			}
			if v := resp.json(t); v["status"] != tt.status || v["alowareCallId"] != "7" {
				t.Errorf("record %s", resp.body)
			}
		})
	}
}

// An id that cannot be an Aloware call id answers 404 on every {alowareCallId} route
// without a database read (the engines would be "down" here: a read would be a 503).
func TestImpossibleCallIDsAre404WithoutTheDatabase(t *testing.T) {
	op := &fakeOperator{}
	p := &fakeEngine{
		call: func(string) (delivery.CallRecord, error) { return delivery.CallRecord{}, errDown },
		redeliver: func(string, delivery.RedeliverOptions) (delivery.CallRecord, error) {
			return delivery.CallRecord{}, errDown
		},
	}
	base := operatorServer(t, op, p)
	for _, id := range []string{"%00", "abc", "12a", "-1", "1.5", "%20", "123456789012345678901", "%E2%98%83", "1%0A"} {
		for _, r := range []struct{ method, path string }{
			{"GET", "/calls/" + id}, {"POST", "/calls/" + id + "/redeliver"},
			{"POST", "/calls/" + id + "/skip"}, {"DELETE", "/calls/" + id},
		} {
			resp := do(t, r.method, base+r.path, nil)
			if resp.status != http.StatusNotFound {
				t.Errorf("%s %s: %d %s", r.method, r.path, resp.status, resp.body)
				continue
			}
			if p := resp.problem(t); !containsExact(p.locations(), "path.alowareCallId") {
				t.Errorf("%s %s: locations %q", r.method, r.path, p.locations())
			}
			if strings.Contains(string(resp.body), "\\u0000") {
				t.Errorf("%s %s: the answer echoes the NUL byte: %s", r.method, r.path, resp.body)
			}
		}
	}
	if got := op.called(); len(got) != 0 {
		t.Errorf("the engine was asked %v", got)
	}
	// The largest possible id is still looked up.
	if resp := get(t, base+"/calls/18446744073709551615"); resp.status != http.StatusServiceUnavailable {
		t.Errorf("a 20-digit id was not looked up: %d", resp.status)
	}
}

func TestQuarantineRoutes(t *testing.T) {
	at := time.Date(2026, 8, 5, 21, 0, 0, 0, time.UTC)
	op := &fakeOperator{
		quar: func(int, string) (delivery.QuarantinePage, error) {
			return delivery.QuarantinePage{Items: []delivery.QuarantinedEvent{
				{ID: 9, ReceivedAt: at, Event: "Recording-Saved", Size: 120, Problems: []delivery.Problem{{Location: "body.body.id", Message: "missing"}}},
				{ID: 8, ReceivedAt: at, Size: 2},
			}, Next: "n", Total: 12, Bytes: 4096}, nil
		},
		replay: func() (delivery.ReplayResult, error) { return delivery.ReplayResult{Replayed: 3, Remaining: 9}, nil },
	}
	base := operatorServer(t, op, nil)
	resp := get(t, base+"/quarantine?limit=2&cursor=abc")
	want := `{"items":[{"id":9,"receivedAt":"2026-08-05T21:00:00Z","event":"Recording-Saved","size":120,"problems":[{"location":"body.body.id","message":"missing"}]},
		{"id":8,"receivedAt":"2026-08-05T21:00:00Z","size":2,"problems":[]}],"next":"n","total":12,"bytes":4096}`
	if resp.status != http.StatusOK || !sameJSON(t, resp.body, []byte(want)) {
		t.Errorf("%d %s", resp.status, resp.body)
	}
	if op.lastPage.limit != 2 || op.lastPage.cursor != "abc" {
		t.Errorf("page asked %+v", op.lastPage)
	}
	if resp := get(t, base+"/quarantine?limit=0"); resp.status != http.StatusUnprocessableEntity {
		t.Errorf("limit=0: %d", resp.status)
	}
	resp = post(t, base+"/quarantine/replay", nil)
	if resp.status != http.StatusOK || !sameJSON(t, resp.body, []byte(`{"replayed":3,"remaining":9}`)) {
		t.Errorf("replay: %d %s", resp.status, resp.body)
	}
	op.replay = nil
	if resp := post(t, base+"/quarantine/replay", nil); resp.status != http.StatusServiceUnavailable || resp.header.Get("Retry-After") == "" {
		t.Errorf("replay, database down: %d", resp.status)
	}
}

// Without an Operator (as in `aloware-kendo openapi`) the routes answer 503, not panic.
func TestOperatorRoutesWithoutAnEngine(t *testing.T) {
	srv := newServer(t, handlers.Deps{})
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/calls", ""}, {"POST", "/calls/redeliver", `{"status":["failed"]}`}, {"POST", "/calls/1/skip", ""},
		{"DELETE", "/calls/1", ""}, {"GET", "/quarantine", ""}, {"POST", "/quarantine/replay", ""},
	} {
		var body []byte
		if r.body != "" {
			body = []byte(r.body)
		}
		if resp := do(t, r.method, srv.URL+r.path, body); resp.status != http.StatusServiceUnavailable {
			t.Errorf("%s %s: %d %s", r.method, r.path, resp.status, resp.body)
		}
	}
}
