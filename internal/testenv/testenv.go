// Package testenv holds what several packages' tests need alike: a log sink that is safe
// to read while the code under test writes to it, a private database per test on each
// engine, a poll with a deadline, and the recorded Aloware call lifecycles under testdata/.
package testenv

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// LogBuffer collects log lines written from many goroutines.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// PostgresEnv names the variable holding a PostgreSQL URL for the tests; .ci/run sets it.
const PostgresEnv = "ALOWARE_KENDO_TEST_POSTGRES"

// PostgresURL is the base URL from PostgresEnv, "" when PostgreSQL tests are not wanted.
func PostgresURL() string { return os.Getenv(PostgresEnv) }

// FreshPostgres creates an empty database for one test and drops it when the test ends,
// so tests never see each other's calls or jobs. It skips the test, saying why, when
// PostgresEnv is not set.
func FreshPostgres(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	if base == "" {
		t.Skip(PostgresEnv + " is not set: this test needs PostgreSQL (.ci/run sets it)")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "ak_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if admin, err := sql.Open("pgx", base); err == nil {
			_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			admin.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Databases lists the engines a test runs on, each making a fresh, empty database for
// one test: SQLite always, PostgreSQL when PostgresEnv is set.
func Databases() map[string]func(t testing.TB) string {
	dbs := map[string]func(t testing.TB) string{
		"sqlite": func(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "ak.db") },
	}
	if PostgresURL() != "" {
		dbs["postgres"] = FreshPostgres
	}
	return dbs
}

// WaitFor polls ok until it holds, and fails the test, naming what, after timeout.
func WaitFor(t testing.TB, timeout time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Testdata is the repository's testdata folder, wherever the test runs from.
func Testdata() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata")
}

// Lifecycle reads the event files of one recorded call (testdata/lifecycle/NAME), in the
// order Aloware sent them.
func Lifecycle(t testing.TB, name string) [][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(Testdata(), "lifecycle", name, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no lifecycle fixtures for %s", name)
	}
	sort.Strings(files)
	out := make([][]byte, 0, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// WithID rewrites a fixture's communication id so one recording can stand for many calls.
func WithID(raw []byte, from, to string) []byte {
	return bytes.ReplaceAll(raw, []byte(from), []byte(to))
}

// LongTranscript is a Transcription-Saved event of call id (testdata's typical one) whose
// transcript is repeated until the event is about size bytes: the largest events Aloware
// sends are long calls' transcripts. Each message is cut to its first few words, as in a
// lively conversation ("Yes, this is Jane."): many short messages, each with its own
// fields, are what parsing and folding spend the most on per byte.
func LongTranscript(t testing.TB, id string, size int) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(Testdata(), "aloware", "transcription-saved-typical.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	body := ev["body"].(map[string]any)
	body["id"] = json.Number(id)
	messages := body["parsed_transcription"].(map[string]any)["messages"].([]any)
	for _, m := range messages {
		m := m.(map[string]any)
		if words := strings.Fields(m["text"].(string)); len(words) > 4 {
			m["text"] = strings.Join(words[:4], " ")
		}
	}
	base, _ := json.Marshal(ev)
	one, _ := json.Marshal(messages)
	perRound := len(one)
	var long []any
	for n := len(base); n < size; n += perRound {
		long = append(long, messages...)
	}
	body["parsed_transcription"].(map[string]any)["messages"] = long
	out, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
