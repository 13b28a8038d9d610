package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo/emulator"
)

// emulatorProc is one running `aloware-kendo kendo-emulator`, Kendo's stand-in as a
// process of its own.
type emulatorProc struct {
	cmd  *exec.Cmd
	base string
	logs *testenv.LogBuffer
	done chan struct{}
}

// startEmulator runs the emulator binary on addr and waits until it answers.
func startEmulator(t testing.TB, addr string, flags ...string) *emulatorProc {
	t.Helper()
	e := &emulatorProc{base: "http://" + addr, logs: &testenv.LogBuffer{}, done: make(chan struct{})}
	e.cmd = exec.Command(binary, append([]string{"kendo-emulator", "--listen", addr}, flags...)...)
	e.cmd.Stdout, e.cmd.Stderr = e.logs, e.logs
	e.cmd.Env = os.Environ()
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { e.cmd.Wait(); close(e.done) }()
	t.Cleanup(func() {
		_ = e.cmd.Process.Signal(syscall.SIGKILL)
		<-e.done
		if t.Failed() {
			t.Logf("logs of the emulator at %s:\n%s", e.base, tail(e.logs.String(), 4000))
		}
	})
	waitFor(t, 30*time.Second, "the emulator to answer", func() bool {
		select {
		case <-e.done:
			t.Fatalf("the emulator exited at start:\n%s", e.logs.String())
		default:
		}
		resp, err := http.Get(e.base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	return e
}

// ingestURL is what the service's --kendo-url points at.
func (e *emulatorProc) ingestURL() string { return e.base + emulator.IngestPath }

// calls reads what the emulator accepted (GET /calls).
func (e *emulatorProc) calls(t testing.TB) []emulator.Accepted {
	t.Helper()
	var out []emulator.Accepted
	e.get(t, "/calls", &out)
	return out
}

// webhooks reads the webhook deliveries the emulator made (GET /webhooks).
func (e *emulatorProc) webhooks(t testing.TB) []emulator.WebhookDelivery {
	t.Helper()
	var out []emulator.WebhookDelivery
	e.get(t, "/webhooks", &out)
	return out
}

func (e *emulatorProc) get(t testing.TB, path string, into any) {
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
