package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
)

// The one-shot migrate step: serve --migrate=false refuses a database nobody migrated,
// `migrate` (serve's flags, only --db used) prepares it, and serve then starts on it.
func TestMigrateThenServeWithoutMigrating(t *testing.T) {
	for name, db := range testenv.Databases() {
		t.Run(name, func(t *testing.T) {
			cleanEnv(t)
			loc := db(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // never hang the suite
			defer cancel()
			var out, errOut bytes.Buffer
			code := run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--db", loc, "--migrate=false"}, strings.NewReader(""), &out, &errOut)
			if code != exitFail || !strings.Contains(errOut.String(), "not migrated (run `aloware-kendo migrate` with the same --db)") {
				t.Fatalf("serve --migrate=false on an empty database: exit %d\n%s", code, errOut.String())
			}

			// A teams file whose keys are not in the migrate job's environment does not matter.
			t.Setenv("ALOWARE_KENDO_DB", loc)
			r := runCmd(t, "", "migrate", "--teams", "/nonexistent/teams.yaml", "--settle", "5s")
			if r.code != exitOK || !strings.Contains(r.stdout, "migrated ") {
				t.Fatalf("migrate: %d %q %q", r.code, r.stdout, r.stderr)
			}
			if r := runCmd(t, "", "migrate"); r.code != exitOK {
				t.Fatalf("migrate again: %d %q", r.code, r.stderr)
			}

			var log testenv.LogBuffer
			done := make(chan int, 1)
			go func() {
				done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--migrate=false"}, strings.NewReader(""), &out, &log)
			}()
			waitForLog(t, &log, regexp.MustCompile(`"msg":"(listening)"`))
			cancel()
			if code := <-done; code != exitOK {
				t.Fatalf("serve --migrate=false on a migrated database: exit %d\n%s", code, log.String())
			}
		})
	}
}

func TestMigrateRefusesABadLocation(t *testing.T) {
	cleanEnv(t)
	if r := runCmd(t, "", "migrate", "--db", "mysql://x"); r.code != exitUsage || !strings.Contains(r.stderr, "--db") {
		t.Fatalf("migrate --db mysql://x: %d %q", r.code, r.stderr)
	}
}

// The preflight follows --migrate=false too: it reports a database nobody migrated and
// leaves it so (before, its database check migrated it).
func TestCheckDoesNotMigrateWithMigrateFalse(t *testing.T) {
	cleanEnv(t)
	loc := "sqlite:" + t.TempDir() + "/ak.db"
	for range 2 { // the second run would pass had the first migrated
		r := runCmd(t, "", "check", "--db", loc, "--migrate=false", "--kendo-url", "http://127.0.0.1:1/ingest")
		if r.code != exitFail || !strings.Contains(r.stdout, "not migrated") {
			t.Fatalf("check --migrate=false on an empty database: %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	}
}
