package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// quickStartBlocks returns the sh blocks of README's quick start, in order.
func quickStartBlocks(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	start := strings.Index(text, "<!-- quickstart")
	end := strings.Index(text, "<!-- /quickstart")
	if start < 0 || end < start {
		t.Fatal("README.md has no <!-- quickstart --> … <!-- /quickstart --> section")
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(text[start:end], -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// TestQuickStartCommands runs every command of README's quick start as a newcomer would,
// from the repository's root, with only what a test must change: random ports instead
// of 8080/8081, files in a temporary directory, the binary this package built for
// `go run`, the emulator as "production", and `bash -n` for CI's own entry point.
func TestQuickStartCommands(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "aloware-kendo")
	service, emulator := freeAddr(t), freeAddr(t)
	localize := strings.NewReplacer(
		"127.0.0.1:8080", service, "localhost:8080", service,
		"127.0.0.1:8081", emulator, "localhost:8081", emulator,
		"go run ./cmd/aloware-kendo", binary,
		"-o aloware-kendo", "-o "+bin,
		"./aloware-kendo ", bin+" ",
		"./data/demo.db", filepath.Join(dir, "demo.db"),
		"pk_...", "pk_demo_key",
		"bash .ci/run", "bash -n .ci/run",
	)
	// The newcomer's environment has none of the service's variables but those the
	// commands set; the defaults a test must not use (port 8080, ./data/) are moved.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ALOWARE_KENDO_") && !strings.HasPrefix(kv, "KENDO_") && !strings.HasPrefix(kv, "OTEL_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"ALOWARE_KENDO_LISTEN="+service,
		"ALOWARE_KENDO_DB=sqlite:"+filepath.Join(dir, "default.db"),
		"ALOWARE_KENDO_KENDO_URL=http://"+emulator+"/api/integrations/push-api/ingest",
	)

	blocks := quickStartBlocks(t)
	var ran []string
	for _, block := range blocks {
		script := localize.Replace(block)
		switch {
		case strings.HasSuffix(strings.TrimSpace(block), " serve"): // the service in the foreground
			sh := runScript(t, root, env, script)
			waitReady(t, "http://"+service+"/readyz", sh)
			sh.stop()
			ran = append(ran, "serve")
		case strings.Contains(block, "kendo-emulator"): // the demo: it leaves both running
			sh := runScript(t, root, env, script)
			out := sh.finish(t, 2*time.Minute)
			if !strings.Contains(out, `"callId"`) || !strings.Contains(out, "940868616") {
				t.Errorf("the demo printed no delivery with Kendo's callId:\n%s", out)
			}
			if got := waitStatus(t, "http://"+service+"/calls/940868616", "analyzed"); got != "analyzed" {
				t.Errorf("the demo's call is %q, want analyzed (the emulator's webhook)", got)
			}
			ran = append(ran, "demo")
		default:
			out := runScript(t, root, env, script).finish(t, 2*time.Minute)
			if strings.Contains(block, " check") && !strings.Contains(out, "PASS") {
				t.Errorf("check printed no PASS line:\n%s", out)
			}
			ran = append(ran, strings.Fields(block)[0])
		}
	}
	if want := "serve bash demo KENDO_API_KEY=pk_..."; strings.Join(ran, " ") != want {
		t.Errorf("ran the quick start's blocks as %q, want %q: a block was added or removed; teach this test to run it", strings.Join(ran, " "), want)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Errorf("the build command made no binary: %v", err)
	}
}

// script is one bash run in its own process group, so the processes it leaves in the
// background (the demo's `&`) end with it.
type script struct {
	cmd  *exec.Cmd
	out  *os.File
	done chan error
}

func runScript(t *testing.T, dir string, env []string, text string) *script {
	t.Helper()
	out, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	// A file, not a pipe: the background processes keep their stdout open after bash exits.
	s := &script{cmd: exec.Command("bash", "-e", "-o", "pipefail", "-c", text), out: out, done: make(chan error, 1)}
	s.cmd.Dir, s.cmd.Env, s.cmd.Stdout, s.cmd.Stderr = dir, env, out, out
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("output of\n%s\n---\n%s", text, tail(s.output(), 4000))
		}
	})
	return s
}

func (s *script) output() string {
	raw, _ := os.ReadFile(s.out.Name())
	return string(raw)
}

// stop kills the script's whole process group.
func (s *script) stop() { _ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL) }

// finish waits for bash to exit and fails the test unless it exited 0.
func (s *script) finish(t *testing.T, limit time.Duration) string {
	t.Helper()
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("exit: %v\n%s", err, s.output())
		}
	case <-time.After(limit):
		s.stop()
		t.Fatalf("still running after %s:\n%s", limit, s.output())
	}
	return s.output()
}

func waitReady(t *testing.T, url string, s *script) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case err := <-s.done:
			t.Fatalf("exited before it was ready (%v):\n%s", err, s.output())
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("%s not ready after 60s:\n%s", url, s.output())
}

// waitStatus polls a call until it has the status wanted or a minute passed, and returns
// the last status seen.
func waitStatus(t *testing.T, url, want string) string {
	t.Helper()
	var call struct{ Status string }
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		resp, err := http.Get(url)
		if err != nil {
			continue
		}
		_ = json.NewDecoder(resp.Body).Decode(&call)
		resp.Body.Close()
		if call.Status == want {
			break
		}
	}
	return call.Status
}
