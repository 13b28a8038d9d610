package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/kendo/emulator"
)

// emulatorProc is one running `aloware-kendo kendo-emulator`, Kendo's stand-in as a
// process of its own.
type emulatorProc struct{ *proc }

// startEmulator runs the emulator binary on addr and waits until it answers.
func startEmulator(t testing.TB, addr string, flags ...string) *emulatorProc {
	t.Helper()
	return &emulatorProc{start(t, "the emulator", addr, "/healthz", nil, append([]string{"kendo-emulator", "--listen", addr}, flags...)...)}
}

// ingestURL is what the service's --kendo-url points at.
func (e *emulatorProc) ingestURL() string { return e.base + emulator.IngestPath }

// calls reads what the emulator accepted (GET /calls).
func (e *emulatorProc) calls(t testing.TB) []emulator.Accepted {
	t.Helper()
	var out []emulator.Accepted
	e.getJSON(t, "/calls", &out)
	return out
}

// webhooks reads the webhook deliveries the emulator made (GET /webhooks).
func (e *emulatorProc) webhooks(t testing.TB) []emulator.WebhookDelivery {
	t.Helper()
	var out []emulator.WebhookDelivery
	e.getJSON(t, "/webhooks", &out)
	return out
}

// getJSON decodes the body of GET path into into.
func (e *emulatorProc) getJSON(t testing.TB, path string, into any) {
	t.Helper()
	resp, err := http.Get(e.base + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, into); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, body)
	}
}
