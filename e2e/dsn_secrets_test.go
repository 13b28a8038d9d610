package e2e

import (
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
)

// A PostgreSQL password is secret in every form a DSN can carry it — the userinfo of
// the URL and the password parameter of its query — in the startup log, the ready
// service's logs and metrics, the preflight's lines and the error of a database that
// cannot be reached. (The CI PostgreSQL trusts local connections, so any password logs in.)
func TestDatabasePasswordStaysIn(t *testing.T) {
	t.Parallel()
	const (
		userinfoPassword = "pg-SECRET-userinfo-1"
		queryPassword    = "pg-SECRET-query-2"
	)
	u, err := url.Parse(testenv.FreshPostgres(t))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), userinfoPassword)
	q := u.Query()
	q.Set("password", queryPassword)
	u.RawQuery = q.Encode()
	dsn := u.String()
	secrets := []string{userinfoPassword, queryPassword}
	leaks := func(where, text string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s contains the password %q:\n%s", where, s, tail(text, 2000))
			}
		}
	}

	p := serve(t, "--db", dsn, "--kendo-url", "http://127.0.0.1:1/push-api/ingest", "--kendo-api-key", "pk_test_x", "--metrics-auth=false")
	resp, err := http.Get(p.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	p.kill()
	if !strings.Contains(p.logs.String(), "postgres") {
		t.Fatalf("the startup log does not name the database at all; the test would prove nothing:\n%s", p.logs.String())
	}
	leaks("serve's logs", p.logs.String())
	leaks("/metrics", string(metrics))

	check, _ := exec.Command(binary, "check", "--db", dsn, "--kendo-url", "http://127.0.0.1:1/push-api/ingest",
		"--kendo-api-key", "pk_test_x").CombinedOutput()
	if !strings.Contains(string(check), "database") {
		t.Fatalf("check printed no database line:\n%s", check)
	}
	leaks("check's output", string(check))

	unreachable := *u
	unreachable.Host = "127.0.0.1:1"
	out, err := exec.Command(binary, "serve", "--listen", freeAddr(t), "--db", unreachable.String(),
		"--kendo-api-key", "pk_test_x").CombinedOutput()
	if err == nil {
		t.Fatalf("serve started on an unreachable database:\n%s", out)
	}
	leaks("the error of an unreachable database", string(out))
}

// A query string that does not decode whole (a ';' inside a value, a bad % escape) still
// hides its password in the startup log and in the preflight's lines: url.Query drops
// such pairs, so a redaction that looks the password up by its key never sees it.
func TestUndecodableDatabaseQueryStaysIn(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, query, secret string
		starts              bool // pgx drops the pair it cannot decode, or refuses the URL
	}{
		{"semicolon", "sslmode=disable&password=abc;SEMISECRET", "SEMISECRET", true},
		{"bad escape", "sslmode=disable&password=Summer%SunSECRET", "SunSECRET", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, err := url.Parse(testenv.FreshPostgres(t))
			if err != nil {
				t.Fatal(err)
			}
			u.RawQuery = tt.query
			dsn := u.String()
			leaks := func(where, text string) {
				t.Helper()
				if strings.Contains(text, tt.secret) {
					t.Errorf("%s contains the password %q:\n%s", where, tt.secret, tail(text, 2000))
				}
			}
			var logs string
			if tt.starts {
				p := serve(t, "--db", dsn, "--kendo-url", "http://127.0.0.1:1/push-api/ingest", "--kendo-api-key", "pk_test_x")
				p.kill()
				logs = p.logs.String()
			} else {
				out, err := exec.Command(binary, "serve", "--listen", freeAddr(t), "--db", dsn, "--kendo-api-key", "pk_test_x").CombinedOutput()
				if err == nil {
					t.Fatalf("serve started on a URL pgx refuses:\n%s", out)
				}
				logs = string(out)
			}
			if !strings.Contains(logs, "postgres") {
				t.Fatalf("the startup log does not name the database at all; the test would prove nothing:\n%s", logs)
			}
			leaks("serve's logs", logs)

			check, _ := exec.Command(binary, "check", "--db", dsn, "--kendo-url", "http://127.0.0.1:1/push-api/ingest",
				"--kendo-api-key", "pk_test_x").CombinedOutput()
			if !strings.Contains(string(check), "database") {
				t.Fatalf("check printed no database line:\n%s", check)
			}
			leaks("check's output", string(check))
		})
	}
}
