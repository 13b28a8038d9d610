package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

// Python's urllib writes the whole body before it reads the answer. A body 10 bytes over
// the 5 MB limit must still come back as a readable 413 problem on /validate, /map and
// /push (it used to be "connection reset by peer").
func TestOversizedBodyAnswerReachesPythonURLLib(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	p := serve(t, "--db", "sqlite:"+t.TempDir()+"/ak.db", "--kendo-url", "http://127.0.0.1:9/ingest", "--log-level", "warn")
	const script = `
import json, sys, urllib.error, urllib.request
body = b"a" * (5 * 1024 * 1024 + 10)
for path in ("/validate", "/map", "/push"):
    req = urllib.request.Request(sys.argv[1] + path, data=body, headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(req, timeout=30)
        print(path, "2xx")
    except urllib.error.HTTPError as e:
        problem = json.loads(e.read())
        print(path, e.code, e.headers.get("Content-Type"), problem["status"])
    except Exception as e:
        print(path, "error", type(e).__name__, e)
`
	out, err := exec.Command(python, "-c", script, p.base).CombinedOutput()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, path := range []string{"/validate", "/map", "/push"} {
		want := path + " 413 application/problem+json 413"
		if i >= len(lines) || lines[i] != want {
			t.Errorf("urllib got %q, want %q", strings.Join(lines, " | "), want)
			break
		}
	}
	t.Logf("python3 urllib: %s", strings.Join(lines, " | "))
}
