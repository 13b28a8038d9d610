package delivery_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

const testKey = "pk_test_delivery_key"

// postgresEnv names the variable holding a PostgreSQL URL for the tests (set by .ci/run).
const postgresEnv = "ALOWARE_KENDO_TEST_POSTGRES"

// databases lists the engines every engine test runs on: SQLite always, PostgreSQL when
// .ci/run (or a developer) provides one.
func databases(t *testing.T) map[string]func(t *testing.T) string {
	dbs := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "ak.db") },
	}
	if base := os.Getenv(postgresEnv); base != "" {
		dbs["postgres"] = func(t *testing.T) string { return freshPostgres(t, base) }
	}
	return dbs
}

// freshPostgres creates an empty database for one test and drops it afterwards, so tests
// never see each other's calls or jobs.
func freshPostgres(t *testing.T, base string) string {
	t.Helper()
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
		admin, err := sql.Open("pgx", base)
		if err == nil {
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

func newKendo(t testing.TB, rate kendo.Rate) *kendotest.Server { return kendotest.New(t, rate) }

type engineOpts struct {
	settle, artifactWait, kendoTimeout time.Duration
	rate                               kendo.Rate
	key                                string
	logs                               io.Writer
}

func startEngine(t testing.TB, db, kendoURL string, o engineOpts) *delivery.Service {
	t.Helper()
	if o.rate.Limit == 0 {
		o.rate = kendo.Rate{Limit: 1000, Period: time.Second}
	}
	if o.key == "" {
		o.key = testKey
	}
	if o.logs == nil {
		o.logs = io.Discard
	}
	svc, err := delivery.Open(context.Background(), delivery.Options{
		DB: db, KendoURL: kendoURL, KendoAPIKey: o.key, Rate: o.rate,
		Settle: o.settle, ArtifactWait: o.artifactWait, KendoTimeout: o.kendoTimeout,
		Registerer: prometheus.NewRegistry(),
		Logger:     slog.New(slog.NewJSONHandler(o.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatalf("open engine: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = svc.Stop(stop)
		cancel()
		svc.Close()
	})
	return svc
}

// lifecycle reads the event files of one call from testdata, in their real order.
func lifecycle(t testing.TB, name string) [][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "testdata", "lifecycle", name, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no lifecycle fixtures for %s", name)
	}
	sort.Strings(files)
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func accept(t *testing.T, svc *delivery.Service, raw []byte) delivery.Receipt {
	t.Helper()
	rc, err := svc.Accept(context.Background(), raw)
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	return rc
}

// waitStatus polls the call until it reaches want (or fails the test after timeout).
func waitStatus(t *testing.T, svc *delivery.Service, callID string, want delivery.Status, timeout time.Duration) delivery.CallRecord {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		rec, err := svc.Call(context.Background(), callID)
		if err == nil && rec.Status == want {
			return rec
		}
		if time.Now().After(deadline) {
			t.Fatalf("call %s: status %q (err %v, last error %q), want %q", callID, rec.Status, err, rec.LastError, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// withID rewrites a fixture's communication id so one fixture can stand for many calls.
func withID(raw []byte, from, to string) []byte {
	return bytes.ReplaceAll(raw, []byte(from), []byte(to))
}

// logBuffer collects the logs of concurrent loggers; read it with String.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
