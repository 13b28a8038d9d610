package handlers_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/kendo/emulator"
	"github.com/aloware-kendo/aloware-kendo/reps"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// GET /calls/{id} shows the body the call's latest request sent — the rep e-mail map's
// address where the events carry another, its size and SHA-256 those of the bytes Kendo
// received — masked like every answer; GET /calls lists the same rep e-mail. Before the
// first request (the call settles), the record shows what would be sent, marked so.
func TestCallRecordShowsTheBodySentToKendo(t *testing.T) {
	const id, mapped = "940868616", "sam@kendo-team.example"
	emu := emulator.New(emulator.Options{})
	var mu sync.Mutex
	var received []byte
	kendoSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		received = body
		mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(kendoSrv.Close)
	svc := startService(t, delivery.Options{
		DB:       "sqlite:" + filepath.Join(t.TempDir(), "payload.db"),
		KendoURL: kendoSrv.URL + emulator.IngestPath, KendoTimeout: 30 * time.Second,
		Settle: 3 * time.Second, // the record is read before the first request; every event is in the call by then
		Teams:  teams.Single(testKey, kendo.Rate{Limit: 100, Period: time.Second}),
		Reps:   reps.NewDirectory(reps.Options{EmailMap: map[string]string{"120776": mapped}}),
		Logger: slog.New(slog.DiscardHandler),
	})
	srv := newServer(t, handlers.Deps{Intake: svc, Operator: svc, Logger: slog.New(slog.DiscardHandler)})
	for _, f := range lifecycleFiles(t, "outbound-"+id) {
		post(t, srv.URL+"/push", readFile(t, f))
	}

	type shown struct {
		Status         string `json:"status"`
		RepEmail       string `json:"repEmail"`
		PayloadSource  string `json:"payloadSource"`
		PayloadAttempt int    `json:"payloadAttempt"`
		PayloadBytes   int    `json:"payloadBytes"`
		PayloadSHA256  string `json:"payloadSha256"`
		Payload        struct {
			RepEmail   string            `json:"repEmail"`
			AudioURL   string            `json:"audioUrl"`
			Transcript string            `json:"transcript"`
			Metadata   map[string]string `json:"metadata"`
		} `json:"payload"`
		AttemptLog []struct {
			BodyBytes  int    `json:"bodyBytes"`
			BodySHA256 string `json:"bodySha256"`
		} `json:"attemptLog"`
	}
	read := func() (shown, string) {
		t.Helper()
		r := get(t, srv.URL+"/calls/"+id)
		var s shown
		if err := json.Unmarshal(r.body, &s); err != nil || r.status != http.StatusOK {
			t.Fatalf("GET /calls/%s: %d %s", id, r.status, clip(r.body))
		}
		return s, string(r.body)
	}
	before, _ := read()
	if before.PayloadSource != "would_send" || before.Payload.RepEmail != mapped || before.RepEmail != mapped || before.PayloadSHA256 != "" {
		t.Errorf("before the first request: payloadSource %q, payload.repEmail %q, repEmail %q, sha256 %q; want would_send, %q twice, no hash",
			before.PayloadSource, before.Payload.RepEmail, before.RepEmail, before.PayloadSHA256, mapped)
	}

	var after shown
	var raw string
	testenv.WaitFor(t, 30*time.Second, "the call to be delivered", func() bool {
		after, raw = read()
		return after.Status == "delivered"
	})
	mu.Lock()
	sum := sha256.Sum256(received)
	want := hex.EncodeToString(sum[:])
	size := len(received)
	mu.Unlock()
	if after.PayloadSource != "sent" || after.PayloadAttempt != 1 || after.PayloadBytes != size || after.PayloadSHA256 != want {
		t.Errorf("after delivery: payloadSource %q, attempt %d, %d bytes, sha256 %s; want sent, 1, Kendo's %d bytes, %s",
			after.PayloadSource, after.PayloadAttempt, after.PayloadBytes, after.PayloadSHA256, size, want)
	}
	if len(after.AttemptLog) != 1 || after.AttemptLog[0].BodySHA256 != want || after.AttemptLog[0].BodyBytes != size {
		t.Errorf("attempt log %+v; want the one request with the body Kendo got (%d bytes, %s)", after.AttemptLog, size, want)
	}
	if after.Payload.RepEmail != mapped || after.RepEmail != mapped {
		t.Errorf("payload.repEmail %q, repEmail %q; want the one sent, %q", after.Payload.RepEmail, after.RepEmail, mapped)
	}
	if after.Payload.AudioURL != "https://app.aloware.io/…" || after.Payload.Metadata["alowareCallId"] != id || after.Payload.Transcript == "" {
		t.Errorf("payload: audioUrl %q, metadata %v, transcript %d bytes; want the recording's host only, the ids, the transcript",
			after.Payload.AudioURL, after.Payload.Metadata, len(after.Payload.Transcript))
	}
	for _, leak := range []string{"static/recording", "32c1a2f8", "2025550177", "555-0177"} {
		if strings.Contains(raw, leak) {
			t.Errorf("GET /calls/%s shows %q", id, leak)
		}
	}

	var page struct {
		Items []struct {
			RepEmail string `json:"repEmail"`
		} `json:"items"`
	}
	if err := json.Unmarshal(get(t, srv.URL+"/calls?q="+id).body, &page); err != nil || len(page.Items) != 1 || page.Items[0].RepEmail != mapped {
		t.Errorf("GET /calls lists %+v (%v); want repEmail %q", page.Items, err, mapped)
	}
}
