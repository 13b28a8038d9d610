// Package systemd_test checks the shipped systemd units: systemd-analyze verify accepts
// them, and they hold the settings the service's restarts and upgrades rely on.
package systemd_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/config"
)

// requireEnv makes a missing systemd-analyze a failure instead of a skip (CI sets it).
const requireEnv = "ALOWARE_KENDO_REQUIRE_SYSTEMD_ANALYZE"

var units = []string{"aloware-kendo.socket", "aloware-kendo.service"}

// systemd-analyze verify prints warnings (an unknown key, a value it cannot parse) and
// still exits 0: any output fails the test. It also wants ExecStart's program to exist,
// so the copy it checks names this test's own binary there.
func TestUnitsVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv(requireEnv) != "" {
			t.Fatalf("systemd-analyze not found and %s is set", requireEnv)
		}
		t.Skip("systemd-analyze not installed")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range units {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(b), "ExecStart=/usr/local/bin/aloware-kendo ", "ExecStart="+self+" ")
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(analyze, "verify", "./aloware-kendo.socket", "./aloware-kendo.service")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// The settings the restarts and upgrades depend on, and the hardening, are there.
func TestServiceSettings(t *testing.T) {
	svc := directives(t, "aloware-kendo.service")
	for key, want := range map[string]string{
		"Type": "notify", "NotifyAccess": "all", "Restart": "always", "ExecReload": "/bin/kill -HUP $MAINPID",
		"DynamicUser": "yes", "StateDirectory": "aloware-kendo", "ProtectSystem": "strict", "ProtectHome": "yes",
		"PrivateTmp": "yes", "NoNewPrivileges": "yes", "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
		"EnvironmentFile": "/etc/aloware-kendo/env", "Requires": "aloware-kendo.socket",
	} {
		if got := svc[key]; len(got) == 0 || got[0] != want {
			t.Errorf("%s=%v, want %s", key, got, want)
		}
	}
	if got := svc["SystemCallFilter"]; len(got) == 0 || got[0] != "@system-service" {
		t.Errorf("SystemCallFilter=%v, want @system-service first", got)
	}
	if len(svc["WatchdogSec"]) == 0 {
		t.Error("no WatchdogSec")
	}
	// TimeoutStopSec above the shutdown timeout the unit sets, plus the 5 s hard stop of
	// the delivery workers after it: systemd must not kill a process still draining.
	shutdown := config.DefaultShutdownTimeout
	for _, env := range svc["Environment"] {
		if v, ok := strings.CutPrefix(env, "ALOWARE_KENDO_SHUTDOWN_TIMEOUT="); ok {
			if shutdown, _ = time.ParseDuration(v); shutdown == 0 {
				t.Fatalf("Environment=%s", env)
			}
		}
	}
	stop, err := time.ParseDuration(strings.TrimSpace(first(svc["TimeoutStopSec"])))
	if err != nil || stop <= shutdown+5*time.Second {
		t.Errorf("TimeoutStopSec=%v (%v), want above --shutdown-timeout %s + 5s", svc["TimeoutStopSec"], err, shutdown)
	}
	sock := directives(t, "aloware-kendo.socket")
	if len(sock["ListenStream"]) != 1 {
		t.Errorf("ListenStream=%v: serve takes exactly one socket", sock["ListenStream"])
	}
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// directives reads a unit file's Key=value lines (every section), values in order.
func directives(t *testing.T, name string) map[string][]string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			out[k] = append(out[k], v)
		}
	}
	return out
}
