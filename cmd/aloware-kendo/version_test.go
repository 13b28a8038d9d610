package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// The image is stamped by the Dockerfile's own build line: its -ldflags, with VERSION and
// REVISION given, build a binary whose `version` reports them. A misspelt -X name is
// ignored by the linker without a word; only running the result shows it.
func TestDockerfileStampsVersionAndRevision(t *testing.T) {
	dockerfile, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, arg := range []string{"VERSION", "REVISION"} {
		if !regexp.MustCompile(`(?m)^ARG ` + arg + `\b`).Match(dockerfile) {
			t.Errorf("the Dockerfile declares no ARG %s", arg)
		}
	}
	m := regexp.MustCompile(`-ldflags "([^"]*)"`).FindSubmatch(dockerfile)
	if m == nil {
		t.Fatal("no -ldflags in the Dockerfile's go build")
	}
	const version, revision = "v9.8.7-test", "0123456789abcdef0123456789abcdef01234567"
	ldflags := strings.NewReplacer("${VERSION}", version, "${REVISION}", revision).Replace(string(m[1]))
	if ldflags == string(m[1]) {
		t.Fatalf("the Dockerfile's -ldflags use neither ${VERSION} nor ${REVISION}: %s", m[1])
	}
	bin := filepath.Join(t.TempDir(), "aloware-kendo")
	build := exec.Command("go", "build", "-buildvcs=false", "-ldflags", ldflags, "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -ldflags %q: %v\n%s", ldflags, err, out)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("version: %v %s", err, out)
	}
	if want := "aloware-kendo " + version + " (revision " + revision[:12] + ", " + runtime.Version() + ")\n"; string(out) != want {
		t.Errorf("version printed %q, want %q", out, want)
	}
}

func TestVersionCommand(t *testing.T) {
	r := runCmd(t, "", "version")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "aloware-kendo ") || !strings.Contains(r.stdout, runtime.Version()) {
		t.Errorf("version: %d %q", r.code, r.stdout)
	}
	if r := runCmd(t, "", "version", "extra"); r.code != exitUsage {
		t.Errorf("version extra: %d", r.code)
	}
}
