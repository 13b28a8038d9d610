package handlers_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// Phone numbers and recording URLs that reach the service in places other than the
// payload — Kendo's error text quoting the audioUrl, a phone number in a typed field, an
// event name — are masked in every answer of the API and in every log line, with the
// real engine, a real SQLite database and a Kendo that refuses the call quoting it.
func TestAnswersAndLogsMaskPhoneNumbersAndRecordingURLs(t *testing.T) {
	const recording = "app.aloware.io/static/recording/7d9e1f20-3a4b-4c5d-8e6f-a1b2c3d4e5f6"
	kendoSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"message":"audioUrl https:\/\/` + strings.ReplaceAll(recording, "/", `\/`) +
			` is not reachable (also tried //` + recording + `); caller 202-555-0177x12"}`))
	}))
	t.Cleanup(kendoSrv.Close)

	var logs testenv.LogBuffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	reg := prometheus.NewRegistry()
	svc := startService(t, delivery.Options{
		DB:       "sqlite:" + filepath.Join(t.TempDir(), "mask.db"),
		KendoURL: kendoSrv.URL, Teams: teams.Single(testKey, kendo.Rate{Limit: 100, Period: time.Second}),
		Registerer: reg, Logger: log,
	})
	srv := newServer(t, handlers.Deps{Intake: svc, Operator: svc, Gatherer: reg, Logger: log})

	var answers []response
	files := lifecycleFiles(t, "inbound-940870001")
	for i, f := range files {
		raw := readFile(t, f)
		if i == len(files)-1 { // a typed field holding a phone number: a warning quoting it
			raw = bytes.Replace(raw, []byte(`"hold_time": 12`), []byte(`"hold_time": "202-555-0177x12"`), 1)
		}
		answers = append(answers, post(t, srv.URL+"/push", raw))
	}
	if w := receipt(t, answers[len(answers)-1]).Warnings; len(w) == 0 {
		t.Fatalf("the phone number in hold_time gave no warning: %s", answers[len(answers)-1].body)
	}
	testenv.WaitFor(t, 20*time.Second, "the call to fail", func() bool {
		return strings.Contains(string(get(t, srv.URL+"/calls/940870001").body), `"status":"failed"`)
	})
	// An event whose name is a phone number, of the same call, and one with no usable id.
	named := bytes.Replace(readFile(t, files[0]), []byte(`"InboundPhoneCall"`), []byte(`"Call 2025550177ext9"`), 1)
	answers = append(answers,
		post(t, srv.URL+"/push", named),
		post(t, srv.URL+"/push", []byte(`{"event":"Phone+12025550177","body":{"id":"+1-202-555-0177_home","type":1}}`)))
	if r := answers[len(answers)-1]; !strings.Contains(string(r.body), `"quarantined"`) {
		t.Fatalf("the event with a phone number for an id was not quarantined: %s", r.body)
	}

	leaks := []string{"static/recording", "7d9e1f20", "555-0177", "5550177", "0177_home"}
	check := func(what, text string) {
		t.Helper()
		for _, leak := range leaks {
			if strings.Contains(text, leak) || strings.Contains(text, strings.ReplaceAll(leak, "/", `\/`)) {
				t.Errorf("%s shows %q:\n%s", what, leak, clip([]byte(text)))
			}
		}
	}
	for i, a := range answers {
		check("POST /push answer "+string(rune('1'+i)), string(a.body))
	}
	call := get(t, srv.URL+"/calls/940870001")
	if !strings.Contains(string(call.body), `"lastError"`) || !strings.Contains(string(call.body), `"warnings":["`) {
		t.Fatalf("the call shows no error or no warning to mask: %s", call.body)
	}
	check("GET /calls/{id}", string(call.body))
	check("GET /calls", string(get(t, srv.URL+"/calls").body))
	check("GET /quarantine", string(get(t, srv.URL+"/quarantine").body))
	for _, line := range strings.Split(logs.String(), "\n") {
		check("log line", line)
	}
	if !strings.Contains(logs.String(), `"alowareCallId":"940870001"`) {
		t.Error("the log lines lost the call's id")
	}
}
