// Package e2e runs the real aloware-kendo binary as separate processes: killed with
// SIGKILL mid-delivery, restarted, and run as several replicas on one PostgreSQL.
package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "aloware-kendo-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "aloware-kendo")
	build := exec.Command("go", "build", "-o", binary, "../cmd/aloware-kendo")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the binary:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is one running `aloware-kendo serve` (or another command of the binary).
type proc struct {
	cmd  *exec.Cmd
	base string
	logs *testenv.LogBuffer
	done chan struct{}
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serve starts the binary with the given flags and waits until /readyz answers 200.
func serve(t testing.TB, flags ...string) *proc {
	t.Helper()
	addr := freeAddr(t)
	return start(t, "serve", addr, "/readyz", []string{"TZ=America/Chicago"},
		append([]string{"serve", "--listen", addr, "--log-level", "debug"}, flags...)...)
}

// start runs the binary with args (what says which command, for the messages), listening
// on addr, and waits until GET ready answers 200. The process is killed when the test
// ends, and its logs shown if the test failed.
func start(t testing.TB, what, addr, ready string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{base: "http://" + addr, logs: &testenv.LogBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(binary, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	p.cmd.Env = append(os.Environ(), env...)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("logs of %s at %s:\n%s", what, p.base, tail(p.logs.String(), 4000))
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.base + ready)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited at start:\n%s", what, p.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after 30s:\n%s", what, p.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill sends SIGKILL: no shutdown code runs, exactly like a crash or an OOM kill.
func (p *proc) kill() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-p.done
}

// push POSTs one raw event and returns the status and body.
func (p *proc) push(t testing.TB, raw []byte) (int, string) {
	t.Helper()
	return p.post(t, "/push", raw)
}

// post POSTs a JSON body (none when nil) to path of the service and returns the status
// and body of the answer.
func (p *proc) post(t testing.TB, path string, body []byte) (int, string) {
	t.Helper()
	resp, err := http.Post(p.base+path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// get answers the status of GET path (0 when the service does not answer).
func (p *proc) get(t testing.TB, path string) int {
	t.Helper()
	resp, err := http.Get(p.base + path)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// body reads the body of GET path.
func (p *proc) body(t testing.TB, path string) string {
	t.Helper()
	resp, err := http.Get(p.base + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// status reads GET /calls/{id}.
func (p *proc) status(t testing.TB, id string) string {
	t.Helper()
	resp, err := http.Get(p.base + "/calls/" + id)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

var (
	lifecycle = testenv.Lifecycle
	withID    = testenv.WithID
	waitFor   = testenv.WaitFor
)

// withEach is withID on every event of a call.
func withEach(events [][]byte, from, to string) [][]byte {
	out := make([][]byte, len(events))
	for i, raw := range events {
		out[i] = withID(raw, from, to)
	}
	return out
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// pushAll posts a call's events in order; each must be stored (202).
func (p *proc) pushAll(t testing.TB, events [][]byte) {
	t.Helper()
	for _, raw := range events {
		if code, body := p.push(t, raw); code != 202 {
			t.Fatalf("push: %d %s", code, body)
		}
	}
}

// delivered reports whether GET /calls/{id} says the call was delivered.
func (p *proc) delivered(t testing.TB, id string) bool {
	return strings.Contains(p.status(t, id), `"status":"delivered"`)
}
