package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/kendo/emulator"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

const testKey = "pk_handlers_test_key"

type stackOptions struct {
	refuse bool          // Kendo answers 400 to every request (the payload is refused)
	settle time.Duration // delivery settle time
	// bodyMemory is the edge's body budget (its default when 0); stopping ends ?wait.
	bodyMemory int64
	stopping   <-chan struct{}
	grace      time.Duration // … for a call nothing more is expected of (the engine's default when 0)
}

// stack is the real thing: the edge over a delivery.Service on a temporary SQLite
// database, delivering to an in-memory Kendo emulator.
type stack struct {
	srv *httptest.Server
	emu *emulator.Emulator
	svc *delivery.Service
	reg *prometheus.Registry
}

func newStack(t *testing.T, o stackOptions) stack {
	t.Helper()
	emu := emulator.New(emulator.Options{})
	kendoSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o.refuse && r.Method == http.MethodPost {
			http.Error(w, `{"error":"rep email is bad"}`, http.StatusBadRequest)
			return
		}
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(kendoSrv.Close)

	reg := prometheus.NewRegistry()
	quiet := slog.New(slog.DiscardHandler)
	ctx := context.Background()
	svc, err := delivery.Open(ctx, delivery.Options{
		DB:       "sqlite:" + filepath.Join(t.TempDir(), "handlers-test.db"),
		KendoURL: kendoSrv.URL + emulator.IngestPath,
		Teams:    teams.Single(testKey, kendo.Rate{Limit: 100, Period: time.Second}),
		Settle:   o.settle, Grace: o.grace,
		Registerer: reg,
		Logger:     quiet,
	})
	if err != nil {
		t.Fatalf("delivery.Open: %v", err)
	}
	if err := svc.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = svc.Stop(stopCtx)
		_ = svc.Close()
	})
	srv := newServer(t, handlers.Deps{Intake: svc, Operator: svc, Gatherer: reg, Registerer: reg, Logger: quiet,
		BodyMemory: o.bodyMemory, Stopping: o.stopping})
	return stack{srv: srv, emu: emu, svc: svc, reg: reg}
}

func receipt(t *testing.T, r response) handlers.Receipt {
	t.Helper()
	var rec handlers.Receipt
	if err := json.Unmarshal(r.body, &rec); err != nil {
		t.Fatalf("not a receipt: %v: %s", err, r.body)
	}
	return rec
}

func lifecycleFiles(t *testing.T, name string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(repoRoot, "testdata/lifecycle", name, "*.json"))
	if len(files) == 0 {
		t.Fatalf("no lifecycle %s", name)
	}
	sort.Strings(files)
	return files
}

// A call's events pushed in order: 202s while stored, 201 with Kendo's callId once
// delivered within ?wait=, then 200 duplicates with the same callId; Kendo saw one call.
func TestPushLifecycleDeliversOnce(t *testing.T) {
	// A settle longer than the pushes take: with none the call went out as soon as it was
	// ready, and its last event, arriving while the request was on its way, was late.
	st := newStack(t, stackOptions{settle: 3 * time.Second})
	files := lifecycleFiles(t, "outbound-940868616")
	for _, f := range files[:len(files)-1] {
		resp := post(t, st.srv.URL+"/push", readFile(t, f))
		if resp.status != http.StatusAccepted && resp.status != http.StatusOK {
			t.Fatalf("%s: %d %s", filepath.Base(f), resp.status, resp.body)
		}
		if rec := receipt(t, resp); rec.AlowareCallID != "940868616" || rec.Status == "" {
			t.Errorf("%s: receipt %+v", filepath.Base(f), rec)
		}
	}
	last := post(t, st.srv.URL+"/push?wait=20s", readFile(t, files[len(files)-1]))
	rec := receipt(t, last)
	switch last.status {
	case http.StatusCreated, http.StatusOK: // delivered by this wait, or already before it
	default:
		t.Fatalf("last event with wait: %d %s", last.status, last.body)
	}
	if lifecycle.Status(rec.Status) != lifecycle.Delivered || rec.KendoCallID == "" {
		t.Fatalf("not delivered: %s", last.body)
	}

	again := post(t, st.srv.URL+"/push", readFile(t, files[2]))
	if again.status != http.StatusOK {
		t.Fatalf("repeat of a delivered call: %d %s", again.status, again.body)
	}
	if dup := receipt(t, again); !dup.Duplicate || dup.KendoCallID != rec.KendoCallID {
		t.Errorf("repeat receipt %+v, want duplicate with callId %s", dup, rec.KendoCallID)
	}

	got := get(t, st.srv.URL+"/calls/940868616")
	if got.status != http.StatusOK {
		t.Fatalf("GET /calls: %d %s", got.status, got.body)
	}
	var cr handlers.CallRecord
	if err := json.Unmarshal(got.body, &cr); err != nil {
		t.Fatal(err)
	}
	if cr.Status != handlers.CallStatus(lifecycle.Delivered) || cr.KendoCallID != rec.KendoCallID || len(cr.Events) < len(files) {
		t.Errorf("call record %+v", cr)
	}
	if calls := st.emu.Calls(); len(calls) != 1 || calls[0].KendoCallID != rec.KendoCallID {
		t.Errorf("Kendo received %d calls, want exactly 1 with callId %s", len(calls), rec.KendoCallID)
	}
}

func TestPushWaitAnswers201WhenDeliveredDuringTheWait(t *testing.T) {
	st := newStack(t, stackOptions{settle: 300 * time.Millisecond})
	files := lifecycleFiles(t, "inbound-940870001")
	for _, f := range files[:len(files)-1] {
		post(t, st.srv.URL+"/push", readFile(t, f))
	}
	resp := post(t, st.srv.URL+"/push?wait=20s", readFile(t, files[len(files)-1]))
	if resp.status != http.StatusCreated {
		t.Fatalf("status %d, want 201: %s", resp.status, resp.body)
	}
	if rec := receipt(t, resp); rec.KendoCallID == "" || lifecycle.Status(rec.Status) != lifecycle.Delivered || rec.Event == "" {
		t.Errorf("receipt %+v", rec)
	}
}

func TestPushTestPayloadGets2xx(t *testing.T) {
	st := newStack(t, stackOptions{})
	resp := post(t, st.srv.URL+"/push", []byte(`{"test_payload":true}`))
	if resp.status/100 != 2 {
		t.Fatalf("Save & Test Webhook got %d: %s", resp.status, resp.body)
	}
	if rec := receipt(t, resp); lifecycle.Status(rec.Status) != lifecycle.Ignored {
		t.Errorf("receipt %+v", rec)
	}
}

func TestCallsNotFoundAndConflict(t *testing.T) {
	st := newStack(t, stackOptions{})
	for _, path := range []string{"/calls/1", "/calls/424242", "/calls/%00", "/calls/abc"} {
		resp := get(t, st.srv.URL+path)
		if resp.status != http.StatusNotFound {
			t.Fatalf("%s: %d", path, resp.status)
		}
		if p := resp.problem(t); !containsExact(p.locations(), "path.alowareCallId") {
			t.Errorf("locations %q", p.locations())
		}
	}
	if resp := post(t, st.srv.URL+"/calls/1/redeliver", nil); resp.status != http.StatusNotFound {
		t.Errorf("redeliver unknown: %d %s", resp.status, resp.body)
	}
	// An ignored event is still answered for.
	post(t, st.srv.URL+"/push", readFile(t, filepath.Join(repoRoot, "testdata/aloware/sms-inbound.json")))
	var sms map[string]any
	_ = json.Unmarshal(readFile(t, filepath.Join(repoRoot, "testdata/golden/sms-inbound.json")), &sms)
	id, _ := sms["alowareCallId"].(string)
	if id != "" {
		resp := get(t, st.srv.URL+"/calls/"+id)
		if resp.status != http.StatusOK || !strings.Contains(string(resp.body), `"ignored"`) {
			t.Errorf("ignored call %s: %d %s", id, resp.status, resp.body)
		}
		if resp := post(t, st.srv.URL+"/calls/"+id+"/redeliver", nil); resp.status != http.StatusConflict {
			t.Errorf("redeliver an ignored call: %d %s", resp.status, resp.body)
		}
	}
}

// Kendo refuses the key: the call fails for good, and redelivery re-queues it (202).
func TestRedeliverFailedCall(t *testing.T) {
	st := newStack(t, stackOptions{refuse: true})
	files := lifecycleFiles(t, "inbound-940870001")
	for _, f := range files[:len(files)-1] {
		post(t, st.srv.URL+"/push", readFile(t, f))
	}
	resp := post(t, st.srv.URL+"/push?wait=20s", readFile(t, files[len(files)-1]))
	if rec := receipt(t, resp); resp.status != http.StatusAccepted || lifecycle.Status(rec.Status) != lifecycle.Failed {
		t.Fatalf("want 202 failed, got %d %s", resp.status, resp.body)
	}
	re := post(t, st.srv.URL+"/calls/940870001/redeliver", nil)
	if re.status != http.StatusAccepted {
		t.Fatalf("redeliver: %d %s", re.status, re.body)
	}
	var cr handlers.CallRecord
	if err := json.Unmarshal(re.body, &cr); err != nil || cr.AlowareCallID != "940870001" {
		t.Errorf("record %s (%v)", re.body, err)
	}
}

func TestReadyAndMetrics(t *testing.T) {
	st := newStack(t, stackOptions{})
	if resp := get(t, st.srv.URL+"/readyz"); resp.status != http.StatusOK || !sameJSON(t, resp.body, []byte(`{"status":"ready"}`)) {
		t.Errorf("readyz: %d %s", resp.status, resp.body)
	}
	if resp := get(t, st.srv.URL+"/healthz"); resp.status != http.StatusOK || !sameJSON(t, resp.body, []byte(`{"status":"ok"}`)) {
		t.Errorf("healthz: %d %s", resp.status, resp.body)
	}
	post(t, st.srv.URL+"/push", []byte(`{"test_payload":true}`))
	resp := get(t, st.srv.URL+"/metrics")
	if resp.status != http.StatusOK || !strings.HasPrefix(resp.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("metrics: %d %q", resp.status, resp.header.Get("Content-Type"))
	}
	if !strings.Contains(string(resp.body), `aloware_kendo_http_request_duration_seconds_count{code="202",operation="push-event"} 1`) {
		t.Errorf("no request metric for the push:\n%s", clip(resp.body))
	}
}

// The translation of the service's answers and failures, with a scripted engine (the
// Intake, and the Operator's Call and Redeliver; any other operator method is not scripted).
type fakeEngine struct {
	handlers.Operator // nil: only Call and Redeliver below are scripted
	accept            func(raw []byte) (delivery.Receipt, error)
	wait              func(ctx context.Context) (delivery.Receipt, error)
	call              func(id string) (delivery.CallRecord, error)
	redeliver         func(id string, opts delivery.RedeliverOptions) (delivery.CallRecord, error)
	ready             error
	by                string // who the last redelivery named
}

func (f *fakeEngine) Accept(_ context.Context, raw []byte) (delivery.Receipt, error) {
	return f.accept(raw)
}
func (f *fakeEngine) Wait(ctx context.Context, _ string, _ time.Duration) (delivery.Receipt, error) {
	return f.wait(ctx)
}
func (f *fakeEngine) Call(_ context.Context, id string) (delivery.CallRecord, error) {
	return f.call(id)
}
func (f *fakeEngine) Redeliver(_ context.Context, id string, opts delivery.RedeliverOptions, by string) (delivery.CallRecord, error) {
	f.by = by
	return f.redeliver(id, opts)
}
func (f *fakeEngine) Ready(context.Context) error { return f.ready }

// mayBeAtKendo redelivers an outcome-unknown call only when the operator accepted the risk.
func mayBeAtKendo(id string, opts delivery.RedeliverOptions) (delivery.CallRecord, error) {
	if !opts.IncludeOutcomeUnknown {
		return delivery.CallRecord{}, delivery.ErrOutcomeUnknown
	}
	return delivery.CallRecord{AlowareCallID: id, Status: lifecycle.Scheduled}, nil
}

func TestStatusTranslation(t *testing.T) {
	stored := delivery.Receipt{AlowareCallID: "7", Event: "Recording-Saved", Status: lifecycle.Scheduled}
	dbDown := io.ErrUnexpectedEOF
	tests := []struct {
		name       string
		p          *fakeEngine
		method     string
		path       string
		want       int
		retryAfter bool
	}{
		{"accept fails before commit: 503", &fakeEngine{accept: func([]byte) (delivery.Receipt, error) { return delivery.Receipt{}, dbDown }},
			"POST", "/push", 503, true},
		{"stored: 202", &fakeEngine{accept: func([]byte) (delivery.Receipt, error) { return stored, nil }},
			"POST", "/push", 202, false},
		{"duplicate: 200", &fakeEngine{accept: func([]byte) (delivery.Receipt, error) {
			return delivery.Receipt{AlowareCallID: "7", Status: lifecycle.Delivered, KendoCallID: "k1", Duplicate: true}, nil
		}}, "POST", "/push?wait=1s", 200, false},
		{"delivered within the wait: 201", &fakeEngine{
			accept: func([]byte) (delivery.Receipt, error) { return stored, nil },
			wait: func(context.Context) (delivery.Receipt, error) {
				return delivery.Receipt{AlowareCallID: "7", Status: lifecycle.Delivered, KendoCallID: "k1"}, nil
			}}, "POST", "/push?wait=2s", 201, false},
		{"not delivered within the wait: 202", &fakeEngine{
			accept: func([]byte) (delivery.Receipt, error) { return stored, nil },
			wait:   func(context.Context) (delivery.Receipt, error) { return stored, nil }}, "POST", "/push?wait=45", 202, false},
		{"wait fails after the event was stored: still 202", &fakeEngine{
			accept: func([]byte) (delivery.Receipt, error) { return stored, nil },
			wait:   func(context.Context) (delivery.Receipt, error) { return delivery.Receipt{}, dbDown }}, "POST", "/push?wait=1s", 202, false},
		{"panic in the service: 500 problem", &fakeEngine{accept: func([]byte) (delivery.Receipt, error) { panic("boom") }},
			"POST", "/push", 500, false},
		{"call read fails: 503", &fakeEngine{call: func(string) (delivery.CallRecord, error) { return delivery.CallRecord{}, dbDown }},
			"GET", "/calls/7", 503, true},
		{"not found: 404", &fakeEngine{call: func(string) (delivery.CallRecord, error) { return delivery.CallRecord{}, delivery.ErrNotFound }},
			"GET", "/calls/7", 404, false},
		{"not redeliverable: 409", &fakeEngine{redeliver: func(string, delivery.RedeliverOptions) (delivery.CallRecord, error) {
			return delivery.CallRecord{}, delivery.ErrNotRedeliverable
		}}, "POST", "/calls/7/redeliver", 409, false},
		{"Kendo may have it, not confirmed: 409", &fakeEngine{redeliver: mayBeAtKendo}, "POST", "/calls/7/redeliver", 409, false},
		{"Kendo may have it, confirmed: 202", &fakeEngine{redeliver: mayBeAtKendo}, "POST", "/calls/7/redeliver?includeOutcomeUnknown=true", 202, false},
		{"database down: readyz 503", &fakeEngine{ready: dbDown}, "GET", "/readyz", 503, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, handlers.Deps{Intake: tt.p, Operator: tt.p, Logger: slog.New(slog.DiscardHandler)})
			var body []byte
			if tt.method == "POST" && strings.HasPrefix(tt.path, "/push") {
				body = readFile(t, filepath.Join(repoRoot, "testdata/aloware/example-b-recording-saved.json"))
			}
			resp := do(t, tt.method, srv.URL+tt.path, body)
			if resp.status != tt.want {
				t.Fatalf("status %d, want %d: %s", resp.status, tt.want, resp.body)
			}
			if resp.status >= 400 {
				resp.problem(t)
			}
			if got := resp.header.Get("Retry-After") != ""; got != tt.retryAfter {
				t.Errorf("Retry-After present = %v, want %v", got, tt.retryAfter)
			}
		})
	}
}

// Once shutdown begins, readiness fails and a waiting /push answers at once with the
// stored status instead of holding the shutdown up.
func TestStoppingEndsWaitsAndReadiness(t *testing.T) {
	stopping := make(chan struct{})
	p := &fakeEngine{
		accept: func([]byte) (delivery.Receipt, error) {
			return delivery.Receipt{AlowareCallID: "7", Status: lifecycle.Scheduled}, nil
		},
		wait: func(ctx context.Context) (delivery.Receipt, error) {
			<-ctx.Done()
			return delivery.Receipt{AlowareCallID: "7", Status: lifecycle.Scheduled}, nil
		},
		ready: nil,
	}
	srv := newServer(t, handlers.Deps{Intake: p, Operator: p, Stopping: stopping})
	if resp := get(t, srv.URL+"/readyz"); resp.status != http.StatusOK {
		t.Fatalf("readyz before shutdown: %d", resp.status)
	}
	done := make(chan response, 1)
	go func() {
		done <- post(t, srv.URL+"/push?wait=5m", readFile(t, filepath.Join(repoRoot, "testdata/aloware/example-b-recording-saved.json")))
	}()
	time.Sleep(200 * time.Millisecond)
	close(stopping)
	select {
	case resp := <-done:
		if resp.status != http.StatusAccepted {
			t.Errorf("waiting push answered %d, want 202", resp.status)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting /push did not end when shutdown began")
	}
	if resp := get(t, srv.URL+"/readyz"); resp.status != http.StatusServiceUnavailable {
		t.Errorf("readyz while stopping: %d", resp.status)
	}
}
