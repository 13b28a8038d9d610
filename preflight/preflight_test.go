package preflight_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/mapping"
	"github.com/aloware-kendo/aloware-kendo/preflight"
	"github.com/aloware-kendo/aloware-kendo/reps"
	"github.com/aloware-kendo/aloware-kendo/store"
	"github.com/aloware-kendo/aloware-kendo/store/location"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

func openStore(ctx context.Context, location string) (*store.DB, error) {
	return store.Open(ctx, location, nil)
}

func TestCheckLines(t *testing.T) {
	checks := []preflight.Check{{Name: "database", OK: true, Detail: "fine"}, {Name: "inbound auth", Detail: "NOT SET"}}
	var b strings.Builder
	if err := preflight.Write(&b, checks); err != nil {
		t.Fatal(err)
	}
	if b.String() != "PASS database: fine\nFAIL inbound auth: NOT SET\n" {
		t.Errorf("lines %q", b.String())
	}
	if preflight.Passed(checks) || !preflight.Passed(checks[:1]) || !preflight.Passed(nil) {
		t.Error("Passed")
	}
}

func TestDatabase(t *testing.T) {
	ctx := context.Background()
	sqlitePath := filepath.Join(t.TempDir(), "sub", "check.db")
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, location string
		ok             bool
		detail         string
	}{
		{"sqlite, created on first run", "sqlite:" + sqlitePath, true, "migrated (the schema is applied on open) and writable"},
		{"sqlite, twice", "sqlite:" + sqlitePath, true, "writable"},
		{"sqlite under a file", "sqlite:" + filepath.Join(notADir, "x.db"), false, "cannot open and migrate it"},
	}
	if testenv.PostgresURL() != "" {
		tests = append(tests,
			struct {
				name, location string
				ok             bool
				detail         string
			}{"postgres", testenv.FreshPostgres(t), true, "migrated (the schema is applied on open) and writable"},
			struct {
				name, location string
				ok             bool
				detail         string
			}{"postgres, no such database", "postgres://postgres:pw_s3cret_x@127.0.0.1:5432/ak_no_such_db?sslmode=disable", false, "cannot open and migrate it"},
		)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := preflight.Database(ctx, tt.location, openStore)
			if c.OK != tt.ok || c.Name != "database" || !strings.Contains(c.Detail, tt.detail) {
				t.Fatalf("%v", c)
			}
			if !strings.HasPrefix(c.Detail, location.Redact(tt.location)+": ") || strings.Contains(c.Detail, "pw_s3cret_x") {
				t.Errorf("detail does not start with the redacted location: %s", c.Detail)
			}
		})
	}
}

// A database that opens but takes no write fails the check (a read-only SQLite file).
func TestWritableRefusesReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ro.db")
	opened := func(db *store.DB) preflight.Opener {
		return func(context.Context, string) (*store.DB, error) { return db, nil }
	}
	db, err := store.Open(context.Background(), "sqlite:"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := preflight.Database(context.Background(), "sqlite:"+path, opened(db)); !c.OK || !strings.Contains(c.Detail, "writable") {
		t.Errorf("writable: %v", c)
	}
	ro, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	c := preflight.Database(context.Background(), "sqlite:"+path, opened(&store.DB{SQL: ro, Dialect: store.SQLite}))
	if c.OK || !strings.Contains(c.Detail, "a write did not commit") {
		t.Errorf("read-only: %v", c)
	}
}

func TestKendoKey(t *testing.T) {
	const key = "pk_preflight_secret_key"
	answer := func(status int, body string, header ...string) kendotest.Fault {
		return func(_ int64, w http.ResponseWriter, _ *http.Request) bool {
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			w.WriteHeader(status)
			w.Write([]byte(body))
			return true
		}
	}
	tests := []struct {
		name   string
		key    string
		fault  kendotest.Fault
		down   bool // nobody listens at the URL
		ok     bool
		detail string
	}{
		{"the emulator refuses the body: key not refused", key, nil, false, true, "was not refused: Kendo answered 400"},
		{"refused key", "pk_x", nil, false, false, "Kendo REFUSED key_"},
		{"403", key, answer(403, `{"error":"forbidden"}`), false, false, "REFUSED"},
		{"429 cannot tell", key, answer(429, `{"error":"slow down"}`, "Retry-After", "20"), false, false, "cannot tell: Kendo answered 429 (rate limit)"},
		{"503 cannot tell", key, answer(503, `oops`), false, false, "cannot tell: Kendo answered 503"},
		{"no answer cannot tell", key, nil, true, false, "cannot tell: Kendo did not answer"},
		{"a 2xx is loud", key, answer(201, `{"callId":"c-123"}`), false, false, `KENDO CREATED A CALL (callId "c-123") FROM AN EMPTY BODY`},
		{"not Kendo at all", key, answer(404, `<html>no</html>`), false, false, "unexpected answer 404"},
		{"no key", "", nil, false, false, "no Kendo key is set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := kendotest.New(t, kendo.DefaultRate)
			k.SetFault(tt.fault)
			url := k.URL()
			if tt.down {
				closed := httptest.NewServer(http.NotFoundHandler())
				url = closed.URL
				closed.Close()
			}
			c := preflight.KendoKey(context.Background(), kendo.NewClient(url, &http.Client{Timeout: 5 * time.Second}), teams.Team{Name: "sales", APIKey: tt.key, Rate: kendo.DefaultRate})
			if c.OK != tt.ok || c.Name != "kendo key sales" || !strings.Contains(c.Detail, tt.detail) {
				t.Fatalf("%v", c)
			}
			if strings.Contains(c.Detail, key) {
				t.Errorf("shows the key: %s", c.Detail)
			}
			if n := len(k.Emu.Calls()); n != 0 {
				t.Errorf("Kendo stored %d calls", n)
			}
			if tt.ok && !strings.Contains(c.Detail, "Kendo's real order is undocumented") {
				t.Errorf("a 400 must say what it does not prove: %s", c.Detail)
			}
		})
	}
}

// One line per team, each with its own key; a shared key is asked about once.
func TestKendoKeys(t *testing.T) {
	k := kendotest.New(t, kendo.DefaultRate)
	checks := preflight.KendoKeys(context.Background(), kendo.NewClient(k.URL(), nil), []teams.Team{
		{Name: "sales", APIKey: "pk_sales_good_key"}, {Name: "support", APIKey: "pk_bad"}, {Name: "renewals", APIKey: "pk_sales_good_key"},
	})
	if len(checks) != 3 || !checks[0].OK || checks[1].OK || checks[1].Name != "kendo key support" ||
		!checks[2].OK || checks[2].Name != "kendo key renewals" || !strings.HasPrefix(checks[2].Detail, "the same key as team sales: ") {
		t.Fatalf("%v", checks)
	}
	if n := k.Posts(); n != 2 {
		t.Errorf("%d requests to Kendo, want 2", n)
	}
}

// usersAPI is a stand-in for Aloware's Users API over real HTTP.
func usersAPI(t *testing.T, token string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path != "/api/v1/webhook/users":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html>app</html>"))
		case r.URL.Query().Get("api_token") != token:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"Unauthenticated."}`))
		default:
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode([]map[string]any{{"id": 120776, "name": "Sam Carter", "email": "sam@example.com"}, {"id": "120777", "name": "Dana Lee", "email": "dana@example.com"}})
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestAlowareToken(t *testing.T) {
	const token = "alw_tok_s3cret"
	base := usersAPI(t, token)
	dir := func(base, token string) *reps.Directory {
		return reps.NewDirectory(reps.Options{BaseURL: base, Token: token, Logger: slog.New(slog.DiscardHandler)})
	}
	tests := []struct {
		name   string
		users  preflight.UsersAPI
		ok     bool
		detail string
	}{
		{"works", dir(base, token), true, "answered 200 with 2 user(s)"},
		{"wrong token", dir(base, "alw_wrong_s3cret"), false, "status 401"},
		{"wrong URL", dir(base+"/nope", token), false, "not JSON"},
		{"not set", nil, true, "not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := preflight.AlowareToken(context.Background(), tt.users)
			if c.OK != tt.ok || !strings.Contains(c.Detail, tt.detail) {
				t.Fatalf("%v", c)
			}
			if strings.Contains(c.Detail, "s3cret") {
				t.Errorf("shows the token: %s", c.Detail)
			}
		})
	}
}

func TestInboundAuth(t *testing.T) {
	tests := []struct {
		listen string
		auth   bool
		ok     bool
	}{
		{"127.0.0.1:8080", false, true}, {"localhost:8080", false, true}, {"[::1]:8080", false, true},
		{":8080", false, false}, {"0.0.0.0:8080", false, false}, {"10.0.0.5:8080", false, false},
		{":8080", true, true}, {"0.0.0.0:8080", true, true},
	}
	for _, tt := range tests {
		if c := preflight.InboundAuth(tt.listen, tt.auth); c.OK != tt.ok || !strings.Contains(c.Detail, tt.listen) && !tt.auth {
			t.Errorf("InboundAuth(%q, %v) = %v", tt.listen, tt.auth, c)
		}
	}
}

func TestLoopbackOnly(t *testing.T) {
	for listen, want := range map[string]bool{
		":8080": false, "0.0.0.0:8080": false, "[::]:8080": false, "10.0.0.5:8080": false, "example.com:80": false, "nonsense": false,
		"127.0.0.1:8080": true, "127.1.2.3:80": true, "[::1]:8080": true, "localhost:8080": true,
	} {
		if got := preflight.LoopbackOnly(listen); got != want {
			t.Errorf("LoopbackOnly(%q) = %v, want %v", listen, got, want)
		}
	}
}

func TestTeamsFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yaml", "teams:\n  - name: sales\n    apiKeyEnv: KENDO_KEY_SALES\n    match: {campaignIds: [1]}\n  - name: later\n    apiKeyEnv: KENDO_KEY_SALES\n")
	withDefault := write("default.yaml", "teams:\n  - name: sales\n    apiKeyEnv: KENDO_KEY_SALES\n    match: {campaignIds: [1]}\ndefault: sales\n")
	bad := write("bad.yaml", "teams:\n  - name: sales\n    apiKeyEnv: KENDO_KEY_MISSING\ndefault: nobody\n")
	getenv := func(k string) string { return map[string]string{"KENDO_KEY_SALES": "pk_teams_s3cret"}[k] }
	const noDefault = "| warning: no `default` team: a call no team matches is stored as unrouted and not sent"
	tests := []struct {
		name, path string
		ok         bool
		detail     []string
		absent     []string // what the detail must not say
	}{
		{"none", "", true, []string{`not used: the single --kendo-api-key is the team "default"`}, []string{noDefault}},
		{"valid, with warnings", good, true, []string{"sales (key_", "; no default", "| warning: line 5: team \"later\" has no match", noDefault}, nil},
		{"valid, with a default", withDefault, true, []string{"sales (key_", "; default sales"}, []string{"warning"}},
		{"invalid", bad, false, []string{"2 problem(s): | line 3:", "| line 4: default \"nobody\" is not a team"}, []string{noDefault}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := preflight.TeamsFile(tt.path, getenv, kendo.DefaultRate)
			if c.OK != tt.ok || strings.Contains(c.Detail, "\n") || strings.Contains(c.Detail, "s3cret") {
				t.Fatalf("%v", c)
			}
			for _, d := range tt.detail {
				if !strings.Contains(c.Detail, d) {
					t.Errorf("detail lacks %q: %s", d, c.Detail)
				}
			}
			for _, d := range tt.absent {
				if strings.Contains(c.Detail, d) {
					t.Errorf("detail says %q: %s", d, c.Detail)
				}
			}
		})
	}
}

func TestSendRulesLine(t *testing.T) {
	min := 30 * time.Second
	flags := mapping.SendRules{MinTalkTime: 10 * time.Second, Directions: []string{"inbound", "outbound"}}
	all := []teams.Team{{Name: "sales", Send: &teams.Send{MinTalkTime: &min, SkipDispositions: []string{"Voicemail"}}}, {Name: "support"}}
	c := preflight.SendRules(flags, all)
	want := "PASS send rules: min talk time 10s, directions inbound,outbound, skip dispositions none | team sales: min talk time 30s, directions inbound,outbound, skip dispositions Voicemail"
	if c.String() != want {
		t.Errorf("got  %s\nwant %s", c, want)
	}
}
