package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/kendo/emulator"
)

// The process is killed with SIGKILL after Kendo answered 201 and before the answer was
// committed: on restart the call is failed with its outcome unknown, as always — and then
// Kendo's own call.uploaded, which the emulator sends (retrying while the service is
// down), names a callId no call has, with the duration and agent of that call alone. The
// call becomes delivered and analyzed under Kendo's callId, not sent again; a second call
// of another rep and length, delivered after the restart, is analyzed as usual. The
// ledger then counts both as analyzed and flags nothing.
func TestKendoResolvesACallKilledAfterIts201(t *testing.T) {
	t.Parallel()
	emuAddr, addr := freeAddr(t), freeAddr(t)
	emu := startEmulator(t, emuAddr, "--webhook-url", "http://"+addr+handlers.KendoWebhookPath,
		"--webhook-secret", webhookSecret, "--analysis-delay", "3s")

	// Between the service and Kendo: the first request goes to Kendo, and when Kendo's 201
	// is back the service is killed before it can read it.
	var mu sync.Mutex
	var service *proc
	killed := make(chan struct{})
	var once sync.Once
	cut := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req, _ := http.NewRequest(r.Method, emu.ingestURL(), bytes.NewReader(body))
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusCreated {
			once.Do(func() {
				mu.Lock()
				service.kill()
				mu.Unlock()
				close(killed)
			})
		}
		w.WriteHeader(resp.StatusCode)
		w.Write(answer)
	}))
	t.Cleanup(cut.Close)

	// A settle longer than pushing a lifecycle takes: a call sent before its last event
	// would answer that event 200 late rather than 202.
	flags := []string{"serve", "--listen", addr, "--log-level", "debug", "--db", "sqlite:" + filepath.Join(t.TempDir(), "ak.db"),
		"--kendo-url", cut.URL + emulator.IngestPath, "--kendo-api-key", key, "--settle", "2s",
		"--kendo-webhook-secret", webhookSecret, "--kendo-timeout", "5s", "--shutdown-timeout", "10s"}
	mu.Lock()
	service = start(t, "serve", addr, "/readyz", nil, flags...)
	mu.Unlock()
	const killedID, laterID = "940870001", "940868616"
	service.pushAll(t, lifecycle(t, "inbound-940870001"))
	select {
	case <-killed:
	case <-time.After(60 * time.Second):
		t.Fatal("the delivery never reached Kendo")
	}

	second := start(t, "serve again", addr, "/readyz", nil, flags...)
	second.pushAll(t, lifecycle(t, "outbound-940868616"))
	waitFor(t, 90*time.Second, "both calls analyzed", func() bool {
		return second.record(t, killedID).Status == "analyzed" && second.record(t, laterID).Status == "analyzed"
	})
	rec := second.record(t, killedID)
	accepted := emu.calls(t)
	if len(accepted) != 2 {
		t.Fatalf("Kendo accepted %d calls, want 2: a resolved call is never sent again", len(accepted))
	}
	if rec.KendoCallID != accepted[0].KendoCallID || rec.OutcomeUnknown || rec.Attempts != 1 {
		t.Fatalf("the killed call: callId %q (Kendo's %q), outcomeUnknown %v, %d attempts", rec.KendoCallID, accepted[0].KendoCallID, rec.OutcomeUnknown, rec.Attempts)
	}
	if n := second.metric(t, `aloware_kendo_kendo_webhooks_total{result="resolved"}`); n != 1 {
		t.Fatalf("resolved webhooks: %v, want 1", n)
	}

	var l handlers.Ledger
	if err := json.Unmarshal([]byte(second.body(t, "/ledger")), &l); err != nil {
		t.Fatal(err)
	}
	if l.Calls != 2 || l.ByState["analyzed"] != 2 || len(l.Flagged) != 0 {
		t.Fatalf("ledger after the resolution: %+v", l)
	}
	t.Logf("outcome unknown after the kill: 1 call; resolved by Kendo's call.uploaded: 1 (100%%); reason: %s", rec.Reason)
}
