package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/config"
	"github.com/aloware-kendo/aloware-kendo/kendo/emulator"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
)

const root = "../.."

type result struct {
	code           int
	stdout, stderr string
}

func runCmd(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, a)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xb, yb)
}

type golden struct {
	Ready   bool            `json:"ready"`
	State   string          `json:"state"`
	Reason  string          `json:"reason"`
	Payload json.RawMessage `json:"payload"`
}

func readGolden(t *testing.T, name string) (golden, []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "testdata/golden", name))
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	return g, raw
}

// `map` prints exactly the golden payload for ready calls (exit 0) and explains the
// others (exit 1, nothing on stdout); --result prints the golden verdict itself.
func TestMapFixtures(t *testing.T) {
	type fixture struct {
		name   string
		args   []string
		golden string
	}
	var fixtures []fixture
	singles, _ := filepath.Glob(filepath.Join(root, "testdata/aloware/*.json"))
	for _, f := range singles {
		fixtures = append(fixtures, fixture{filepath.Base(f), []string{f}, filepath.Base(f)})
	}
	dirs, _ := filepath.Glob(filepath.Join(root, "testdata/lifecycle/*"))
	for _, d := range dirs {
		files, _ := filepath.Glob(filepath.Join(d, "*.json"))
		sort.Strings(files)
		fixtures = append(fixtures, fixture{filepath.Base(d), files, "lifecycle-" + filepath.Base(d) + ".json"})
	}
	if len(singles) == 0 || len(dirs) == 0 {
		t.Fatal("fixtures missing")
	}
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			g, full := readGolden(t, fx.golden)
			r := runCmd(t, "", append([]string{"map"}, fx.args...)...)
			if g.Ready {
				if r.code != 0 || !jsonEqual(t, []byte(r.stdout), g.Payload) {
					t.Errorf("exit %d, stdout %s\nstderr %s\nwant payload %s", r.code, r.stdout, r.stderr, g.Payload)
				}
			} else {
				if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, g.Reason) {
					t.Errorf("not ready: exit %d, stdout %q, stderr %q; want exit 1 and the reason %q", r.code, r.stdout, r.stderr, g.Reason)
				}
			}
			res := runCmd(t, "", append([]string{"map", "--result"}, fx.args...)...)
			if res.code != 0 || !jsonEqual(t, []byte(res.stdout), full) {
				t.Errorf("--result: exit %d\n got %s\nwant %s", res.code, res.stdout, full)
			}
		})
	}
}

func TestMapStdinAndErrors(t *testing.T) {
	lifecycle, err := os.ReadFile(filepath.Join(root, "testdata/aloware/outbound-lifecycle.json"))
	if err != nil {
		t.Fatal(err)
	}
	g, _ := readGolden(t, "outbound-lifecycle.json")
	if r := runCmd(t, string(lifecycle), "map"); r.code != 0 || !jsonEqual(t, []byte(r.stdout), g.Payload) {
		t.Errorf("stdin: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	tests := []struct {
		name, stdin string
		args        []string
		code        int
		stderr      []string
	}{
		{"not JSON", "hello", []string{"map"}, 1, []string{"body:"}},
		{"bad id names the field", `{"event":"Recording-Saved","body":{"id":"abc"}}`, []string{"map"}, 1, []string{"body.body.id:"}},
		{"several problems, one line each", `[1,2]`, []string{"map"}, 1, []string{"body[0]:", "body[1]:"}},
		{"missing file", "", []string{"map", "/nonexistent/x.json"}, 1, []string{"no such file"}},
		{"unknown flag", "", []string{"map", "--nope"}, 2, []string{"flag provided but not defined"}},
		{"help", "", []string{"map", "--help"}, 0, []string{"Usage: aloware-kendo map"}},
		// A send rule tried before it is turned on: the 63 s call of the fixture.
		{"a send rule filters", "", []string{"map", "--min-talk-time", "90s", "../../testdata/aloware/outbound-lifecycle.json"}, 1,
			[]string{"not ready to send (filtered): talk time 63 s is under --min-talk-time 1m30s"}},
		{"a send rule it passes", "", []string{"map", "--min-talk-time", "10s", "--send-directions", "outbound", "../../testdata/aloware/outbound-lifecycle.json"}, 0, nil},
		{"a bad send rule", "", []string{"map", "--send-directions", "sideways", "../../testdata/aloware/outbound-lifecycle.json"}, 2, []string{"--send-directions"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, tt.stdin, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d (stderr %s)", r.code, tt.code, r.stderr)
			}
			for _, s := range tt.stderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr %q lacks %q", r.stderr, s)
				}
			}
		})
	}
}

func TestValidateCommand(t *testing.T) {
	g, _ := readGolden(t, "outbound-lifecycle.json")
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if err := os.WriteFile(good, g.Payload, 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runCmd(t, "", "validate", good); r.code != 0 || strings.TrimSpace(r.stdout) != "valid" {
		t.Errorf("valid file: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := runCmd(t, string(g.Payload), "validate"); r.code != 0 {
		t.Errorf("valid stdin: exit %d %q", r.code, r.stderr)
	}
	r := runCmd(t, `{"repEmail":"nope","duration":"66","metadata":{"a":{"b":1}}}`, "validate")
	if r.code != 1 {
		t.Fatalf("invalid: exit %d", r.code)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 4 {
		t.Errorf("want one line per violation (4), got %d:\n%s", len(lines), r.stdout)
	}
	for _, l := range lines {
		if !regexp.MustCompile(`^body[\w.\[\]]*: .+`).MatchString(l) {
			t.Errorf("line %q is not `location: message`", l)
		}
	}
	if r := runCmd(t, "", "validate", "a", "b"); r.code != 2 {
		t.Errorf("two files: exit %d", r.code)
	}
}

func TestOpenAPICommandMatchesCommittedFiles(t *testing.T) {
	for _, tc := range []struct {
		args []string
		file string
	}{
		{[]string{"openapi"}, "openapi.yaml"},
		{[]string{"openapi", "--downgrade"}, "internal/apiclient/openapi-3.0.yaml"},
	} {
		want, err := os.ReadFile(filepath.Join(root, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		r := runCmd(t, "", tc.args...)
		if r.code != 0 || r.stdout != string(want) {
			t.Errorf("%v: exit %d; output differs from %s (regenerate it)", tc.args, r.code, tc.file)
		}
	}
}

func TestDispatch(t *testing.T) {
	if r := runCmd(t, "", "frobnicate"); r.code != 2 || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %q", r.code, r.stderr)
	}
	if r := runCmd(t, "", "help"); r.code != 0 || !strings.Contains(r.stdout, "kendo-emulator") {
		t.Errorf("help: %d", r.code)
	}
	if r := runCmd(t, "", "serve", "--help"); r.code != 0 || !strings.Contains(r.stdout, "ALOWARE_KENDO_KENDO_URL") {
		t.Errorf("serve --help: %d %q", r.code, r.stdout)
	}
	// No subcommand: serve, so flags go to serve (and fail validation here).
	if r := runCmd(t, "", "--kendo-rate", "fast"); r.code != 2 || !strings.Contains(r.stderr, "--kendo-rate:") {
		t.Errorf("default subcommand: %d %q", r.code, r.stderr)
	}
}

func TestHealthcheck(t *testing.T) {
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`{"status":"ok"}`))
	}))
	defer healthy.Close()
	sick := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer sick.Close()
	if r := runCmd(t, "", "healthcheck", healthy.URL+"/healthz"); r.code != 0 {
		t.Errorf("healthy: %d %s", r.code, r.stderr)
	}
	if r := runCmd(t, "", "healthcheck", sick.URL+"/healthz"); r.code != 1 {
		t.Errorf("sick: %d", r.code)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	url := closed.URL
	closed.Close()
	if r := runCmd(t, "", "healthcheck", "--timeout", "1s", url+"/healthz"); r.code != 1 {
		t.Errorf("nobody listening: %d", r.code)
	}
	for listen, want := range map[string]string{
		"":               "http://127.0.0.1:8080/healthz",
		":9000":          "http://127.0.0.1:9000/healthz",
		"0.0.0.0:9000":   "http://127.0.0.1:9000/healthz",
		"10.1.2.3:9000":  "http://10.1.2.3:9000/healthz",
		"[::]:9000":      "http://127.0.0.1:9000/healthz",
		"localhost:7000": "http://localhost:7000/healthz",
	} {
		if got := defaultHealthURL(listen); got != want {
			t.Errorf("defaultHealthURL(%q) = %q, want %q", listen, got, want)
		}
	}
}

// cleanEnv keeps the developer's environment out of a test: every option's variable
// and KENDO_API_KEY are set empty (which config treats as unset) until the test ends.
func cleanEnv(t *testing.T) {
	t.Helper()
	for _, f := range config.Flags() {
		t.Setenv(f.Env, "")
	}
	t.Setenv(config.KendoKeyEnv, "")
}

// waitForLog returns the first submatch of re in the log, waiting up to 20 s.
func waitForLog(t *testing.T, log *testenv.LogBuffer, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(log.String()); m != nil {
			return m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("log never matched %s:\n%s", re, log.String())
	return ""
}

// serve end to end: start, take a call's events, deliver it once to the emulator,
// stop on cancel (the SIGTERM path) with exit 0; secrets never reach the log.
func TestServeDeliversAndStops(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	kendo := httptest.NewServer(emu)
	defer kendo.Close()
	cleanEnv(t)
	t.Setenv("KENDO_API_KEY", "pk_serve_test_secret")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var log testenv.LogBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--db", "sqlite:" + filepath.Join(t.TempDir(), "serve.db"),
			"--kendo-url", kendo.URL + emulator.IngestPath, "--settle", "100ms", "--inbound-token", "tok_serve_test_secret",
			"--kendo-timeout", "2s", "--shutdown-timeout", "7s"}, strings.NewReader(""), io.Discard, &log)
	}()
	addr := waitForLog(t, &log, regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`))
	base := "http://" + addr

	files, _ := filepath.Glob(filepath.Join(root, "testdata/lifecycle/inbound-940870001/*.json"))
	sort.Strings(files)
	for i, f := range files {
		body, _ := os.ReadFile(f)
		url := base + "/push"
		if i == len(files)-1 {
			url += "?wait=30s"
		}
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer tok_serve_test_secret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if i == len(files)-1 && resp.StatusCode != http.StatusCreated {
			t.Errorf("last event with wait: %d %s", resp.StatusCode, b)
		} else if resp.StatusCode/100 != 2 {
			t.Errorf("%s: %d %s", filepath.Base(f), resp.StatusCode, b)
		}
	}
	if resp, err := http.Get(base + "/push"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("no credentials: %d", resp.StatusCode)
		}
	}
	if resp, err := http.Get(base + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("readyz: %v %v", err, resp)
	}
	if n := len(emu.Calls()); n != 1 {
		t.Errorf("Kendo got %d calls, want 1", n)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d after shutdown:\n%s", code, log.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	out := log.String()
	for _, want := range []string{`"msg":"shutting down"`, `"msg":"aloware-kendo stopped"`, `[redacted]`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s", want)
		}
	}
	for _, secret := range []string{"pk_serve_test_secret", "tok_serve_test_secret"} {
		if strings.Contains(out, secret) {
			t.Errorf("log leaks %s", secret)
		}
	}
	if strings.Contains(out, "SECURITY") {
		t.Error("loopback with a token needs no exposure warning")
	}
}

func TestServeWarnsLoudly(t *testing.T) {
	cleanEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	var log testenv.LogBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", ":0", "--db", "sqlite:" + filepath.Join(t.TempDir(), "w.db")},
			strings.NewReader(""), io.Discard, &log)
	}()
	waitForLog(t, &log, regexp.MustCompile(`"msg":"(listening)"`))
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d", code)
	}
	for _, want := range []string{`"level":"WARN","msg":"SECURITY: listening beyond loopback WITHOUT inbound authentication`, `"level":"WARN","msg":"NO KENDO API KEY`} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, log.String())
		}
	}
}

func TestServeRefusesBadConfigAndUnreachableDatabase(t *testing.T) {
	cleanEnv(t)
	r := runCmd(t, "", "serve", "--db", "mysql://x", "--inbound-basic", "nocolon")
	if r.code != 2 || !strings.Contains(r.stderr, "--db:") || !strings.Contains(r.stderr, "--inbound-basic:") {
		t.Errorf("bad config: %d %q", r.code, r.stderr)
	}
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // never hang the suite
	defer cancel()
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--db", "sqlite:" + filepath.Join(notADir, "x.db")}, strings.NewReader(""), &out, &errOut)
	r = result{code, out.String(), errOut.String()}
	if r.code != 1 || !strings.Contains(r.stderr, "opening the database") {
		t.Errorf("unusable database: %d %q", r.code, r.stderr)
	}
}

func TestEmulatorCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var log testenv.LogBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"kendo-emulator", "--listen", "127.0.0.1:0", "--kendo-rate", "2/min"}, strings.NewReader(""), io.Discard, &log)
	}()
	addr := waitForLog(t, &log, regexp.MustCompile(`"addr":"([^"]+)"`))
	statuses := []int{}
	for i := 0; i < 3; i++ {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+emulator.IngestPath, strings.NewReader(`{"transcript":"Rep: hi"}`))
		req.Header.Set("X-API-Key", "pk_emulator_cmd_test")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
	}
	if statuses[0] != 201 || statuses[1] != 201 || statuses[2] != 429 {
		t.Errorf("with --kendo-rate 2/min: %v, want [201 201 429]", statuses)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d: %s", code, log.String())
	}
	if r := runCmd(t, "", "kendo-emulator", "--kendo-rate", "lots"); r.code != 2 {
		t.Errorf("bad rate: %d", r.code)
	}
}

// The configuration page's table lists every flag with its variable and default.
func TestDocsListEveryFlag(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(root, "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range config.Flags() {
		row := regexp.MustCompile("(?m)^\\| `--" + regexp.QuoteMeta(f.Name) + "` \\| `" + regexp.QuoteMeta(f.Env) + "`.*\\|(.*)\\|(.*)\\|$")
		m := row.FindSubmatch(readme)
		if m == nil {
			t.Errorf("docs/configuration.md has no row for --%s with %s", f.Name, f.Env)
			continue
		}
		def := strings.TrimSpace(string(m[1]))
		switch {
		case f.Default == "" && def != "none":
			t.Errorf("--%s: docs/configuration.md default %s, want none", f.Name, def)
		case f.Default != "" && def != "`"+f.Default+"`":
			t.Errorf("--%s: docs/configuration.md default %s, want `%s`", f.Name, def, f.Default)
		}
	}
}
