package handlers_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// steppedClock is the engine's clock in the golden test: it moves only between the
// test's steps, so every time the answers carry is known in advance.
type steppedClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *steppedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *steppedClock) step() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Minute)
}

// The API's answers, byte for byte, from the real engine on SQLite and on PostgreSQL
// delivering to a real HTTP Kendo that always gives the same callId: a refactor of the
// types behind them (domain types, wire types, defaults) must leave every byte where it
// was. The two files differ only where the database does (what a quarantined row
// takes). Run with -update only when an answer is meant to change, and read the diff.
func TestAPIAnswersAreGolden(t *testing.T) {
	for _, tc := range []struct {
		dialect string
		db      func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "handlers-golden.db") }},
		{"postgres", func(t *testing.T) string { return testenv.FreshPostgres(t) }},
	} {
		t.Run(tc.dialect, func(t *testing.T) {
			compareGolden(t, filepath.Join("testdata", "golden", "api-answers."+tc.dialect+".txt"), apiAnswers(t, tc.db(t)))
		})
	}
}

// apiAnswers pushes a call's lifecycle and a few odd events through the edge and the
// engine on db, and returns every answer in order, each under a line naming it.
func apiAnswers(t *testing.T, db string) []byte {
	kendoSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"callId":"kc_golden_1"}`))
	}))
	t.Cleanup(kendoSrv.Close)

	clock := &steppedClock{now: time.Date(2026, 8, 5, 20, 0, 0, 0, time.UTC)}
	quiet := slog.New(slog.DiscardHandler)
	reg := prometheus.NewRegistry()
	svc := startService(t, delivery.Options{
		DB:       db,
		KendoURL: kendoSrv.URL, Teams: teams.Single(testKey, kendo.Rate{Limit: 100, Period: time.Second}),
		Registerer: reg, Logger: quiet, Now: clock.Now,
	})
	srv := newServer(t, handlers.Deps{Intake: svc, Operator: svc, Gatherer: reg, Logger: quiet})

	type answer struct {
		name   string
		status int
		body   []byte
	}
	var answers []answer
	record := func(name string, r response) {
		answers = append(answers, answer{name, r.status, r.body})
		clock.step()
	}

	// The inbound call is ready only with its last event (the recording), so its one
	// delivery happens during that event's wait, under that step's clock, every run.
	files := lifecycleFiles(t, "inbound-940870001")
	for i, f := range files {
		url := srv.URL + "/push"
		if i == len(files)-1 {
			url += "?wait=20s" // the engine delivers during the wait: a 201 with Kendo's callId
		}
		record(filepath.Base(f), post(t, url, readFile(t, f)))
	}
	record("repeat-of-delivered", post(t, srv.URL+"/push", readFile(t, files[1])))
	record("first-event-of-a-call", post(t, srv.URL+"/push", readFile(t, lifecycleFiles(t, "outbound-940868616")[0])))
	record("sms", post(t, srv.URL+"/push", readFile(t, filepath.Join(repoRoot, "testdata/aloware/sms-inbound.json"))))
	record("test-payload", post(t, srv.URL+"/push", readFile(t, filepath.Join(repoRoot, "testdata/aloware/test-payload.json"))))
	record("quarantined", post(t, srv.URL+"/push", []byte(`{"event":"Recording-Saved","body":{"id":{"no":"id"}}}`)))

	record("GET-calls", get(t, srv.URL+"/calls"))
	record("GET-calls-page-1", get(t, srv.URL+"/calls?limit=1"))
	record("GET-calls-delivered", get(t, srv.URL+"/calls/940870001"))
	record("GET-calls-received", get(t, srv.URL+"/calls/940868616"))
	record("GET-quarantine", get(t, srv.URL+"/quarantine"))
	record("POST-calls-redeliver-dry-run", post(t, srv.URL+"/calls/redeliver", []byte(`{"ids":["940868616","940870001"],"dryRun":true}`)))
	record("POST-calls-redeliver-no-filter", post(t, srv.URL+"/calls/redeliver", []byte(`{"dryRun":true}`)))
	record("GET-calls-unknown", get(t, srv.URL+"/calls/940879999"))
	record("POST-quarantine-replay", post(t, srv.URL+"/quarantine/replay", nil))
	record("POST-calls-skip", post(t, srv.URL+"/calls/940868616/skip", nil))
	record("DELETE-calls", do(t, http.MethodDelete, srv.URL+"/calls/940870001", nil))

	var got bytes.Buffer
	for _, a := range answers {
		got.WriteString("### " + a.name + " " + http.StatusText(a.status) + "\n")
		got.Write(bytes.TrimRight(a.body, "\n"))
		got.WriteString("\n")
	}
	return got.Bytes()
}

// compareGolden compares got with the file at path byte for byte (rewritten with -update).
func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want := readFile(t, path); !bytes.Equal(got, want) {
		t.Errorf("the API's answers differ from %s (run with -update after checking the diff):\n%s", path, got)
	}
}
