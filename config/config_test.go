package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestParseDefaults(t *testing.T) {
	c, err := Parse(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Listen: ":8080", KendoURL: DefaultKendoURL, KendoRate: "30/min", DB: DefaultDB,
		Settle: 60 * time.Second, AlowareAPIURL: "https://app.aloware.com",
		ArtifactWait: 10 * time.Minute, AnalysisExpectedWithin: 2 * time.Hour, RetryHorizon: 24 * time.Hour, KendoTimeout: 15 * time.Second,
		RescueAfter: 30 * time.Second, ShutdownTimeout: 20 * time.Second, LogLevel: "info",
		Retain: 720 * time.Hour, KeyProbeInterval: 5 * time.Minute, QuarantineMaxMB: 100, BodyMemoryMB: 64,
		MinTalkTime: 10 * time.Second, SendDirections: "inbound,outbound",
		Migrate: true, NotifyInterval: 5 * time.Minute, Rate: kendo.Rate{Limit: 30, Period: time.Minute},
	}
	if got := c.Router.String(); got != "default (no key, 30/min); default default" {
		t.Errorf("router without --teams: %s", got)
	}
	c.Router = nil // a pointer: compared by its String above
	if c != want {
		t.Errorf("defaults:\n got %#v\nwant %#v", c, want)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		getenv func(string) string
		check  func(t *testing.T, c Config)
	}{
		{"flag sets value", []string{"--listen", "127.0.0.1:9000"}, nil,
			func(t *testing.T, c Config) { eq(t, c.Listen, "127.0.0.1:9000") }},
		{"single dash and = form", []string{"-settle=5s"}, nil,
			func(t *testing.T, c Config) { eq(t, c.Settle, 5*time.Second) }},
		{"migrations off by env", nil, env("ALOWARE_KENDO_MIGRATE", "false"),
			func(t *testing.T, c Config) { eq(t, c.Migrate, false) }},
		{"migrations off by flag", []string{"--migrate=false"}, nil,
			func(t *testing.T, c Config) { eq(t, c.Migrate, false) }},
		{"env sets value", nil, env("ALOWARE_KENDO_KENDO_URL", "http://127.0.0.1:8081/ingest"),
			func(t *testing.T, c Config) { eq(t, c.KendoURL, "http://127.0.0.1:8081/ingest") }},
		{"flag wins over env", []string{"--kendo-rate", "5/s"}, env("ALOWARE_KENDO_KENDO_RATE", "10/min"),
			func(t *testing.T, c Config) {
				eq(t, c.KendoRate, "5/s")
				eq(t, c.Rate, kendo.Rate{Limit: 5, Period: time.Second})
			}},
		{"KENDO_API_KEY sets the key", nil, env("KENDO_API_KEY", "pk_plain"),
			func(t *testing.T, c Config) { eq(t, c.KendoAPIKey, "pk_plain") }},
		{"prefixed key wins over KENDO_API_KEY", nil, env("KENDO_API_KEY", "pk_plain", "ALOWARE_KENDO_KENDO_API_KEY", "pk_prefixed"),
			func(t *testing.T, c Config) { eq(t, c.KendoAPIKey, "pk_prefixed") }},
		{"key flag wins over both", []string{"--kendo-api-key=pk_flag"}, env("KENDO_API_KEY", "pk_plain", "ALOWARE_KENDO_KENDO_API_KEY", "pk_prefixed"),
			func(t *testing.T, c Config) { eq(t, c.KendoAPIKey, "pk_flag") }},
		{"empty env keeps default", nil, env("ALOWARE_KENDO_SETTLE", ""),
			func(t *testing.T, c Config) { eq(t, c.Settle, delivery.DefaultSettle) }},
		{"bool from env", nil, env("ALOWARE_KENDO_METRICS_AUTH", "true"),
			func(t *testing.T, c Config) { eq(t, c.MetricsAuth, true) }},
		{"bool flag", []string{"--metrics-auth"}, nil,
			func(t *testing.T, c Config) { eq(t, c.MetricsAuth, true) }},
		{"postgres db", []string{"--db", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"}, nil,
			func(t *testing.T, c Config) { eq(t, c.DB, "postgres://postgres@127.0.0.1:5432/test?sslmode=disable") }},
		{"postgresql scheme", []string{"--db", "postgresql://u:p@db/x"}, nil, nil},
		{"sqlite absolute", []string{"--db", "sqlite:/data/aloware-kendo.db"}, nil, nil},
		{"listen on port 0", []string{"--listen", "127.0.0.1:0"}, nil, nil},
		{"listen ipv6", []string{"--listen", "[::1]:8080"}, nil, nil},
		{"basic with colon in password", []string{"--inbound-basic", "aloware:pa:ss"}, nil,
			func(t *testing.T, c Config) { eq(t, c.InboundBasic, "aloware:pa:ss") }},
		{"all durations", []string{"--artifact-wait", "1m", "--retry-horizon", "1h", "--kendo-timeout", "2s", "--rescue-after", "30s", "--shutdown-timeout", "7s",
			"--retain", "48h", "--key-probe-interval", "30s"}, nil,
			func(t *testing.T, c Config) {
				eq(t, c.ArtifactWait, time.Minute)
				eq(t, c.RetryHorizon, time.Hour)
				eq(t, c.KendoTimeout, 2*time.Second)
				eq(t, c.RescueAfter, 30*time.Second)
				eq(t, c.ShutdownTimeout, 7*time.Second)
				eq(t, c.Retain, 48*time.Hour)
				eq(t, c.KeyProbeInterval, 30*time.Second)
			}},
		{"zero settle allowed", []string{"--settle", "0s"}, nil,
			func(t *testing.T, c Config) { eq(t, c.Settle, time.Duration(0)) }},
		{"log level", []string{"--log-level", "debug"}, nil,
			func(t *testing.T, c Config) { eq(t, c.LogLevel, "debug") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.args, tt.getenv)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		getenv func(string) string
		want   []string // substrings of the error
	}{
		{"bad rate", []string{"--kendo-rate", "fast"}, nil, []string{"--kendo-rate:", "N/unit"}},
		{"zero rate", []string{"--kendo-rate", "0/min"}, nil, []string{"--kendo-rate:", "at least 1"}},
		{"kendo url not http", []string{"--kendo-url", "ftp://x/y"}, nil, []string{"--kendo-url:", "http(s) URL"}},
		{"kendo url relative", []string{"--kendo-url", "/ingest"}, nil, []string{"--kendo-url:"}},
		{"aloware url bad", []string{"--aloware-api-url", "app.aloware.com"}, nil, []string{"--aloware-api-url:"}},
		{"db scheme", []string{"--db", "mysql://x"}, nil, []string{"--db:", "unknown database scheme"}},
		{"db no scheme", []string{"--db", "./data.db"}, nil, []string{"--db:", "sqlite:PATH"}},
		{"db sqlite without path", []string{"--db", "sqlite:"}, nil, []string{"--db:", "file path"}},
		{"db postgres no host hides password", []string{"--db", "postgres://u:hunter2@/db"}, nil, []string{"--db:", "not a postgres URL"}},
		{"basic without colon", []string{"--inbound-basic", "justuser"}, nil, []string{"--inbound-basic:", "user:password"}},
		{"basic empty password", []string{"--inbound-basic", "user:"}, nil, []string{"--inbound-basic:"}},
		{"ui basic without colon", []string{"--ui-basic", "ops"}, nil, []string{"--ui-basic:", "user:password"}},
		{"listen no port", []string{"--listen", "localhost"}, nil, []string{"--listen:", "host:port"}},
		{"listen port too big", []string{"--listen", ":70000"}, nil, []string{"--listen:", "0 to 65535"}},
		{"empty listen", []string{"--listen", ""}, nil, []string{"--listen: must be set"}},
		{"negative settle", []string{"--settle", "-1s"}, nil, []string{"--settle:", "negative"}},
		{"body memory below one body", []string{"--body-memory-mb", "5"}, nil, []string{"--body-memory-mb: must be at least 6 (got 5)"}},
		{"zero kendo timeout", []string{"--kendo-timeout", "0s"}, nil, []string{"--kendo-timeout:", "positive"}},
		{"log level", []string{"--log-level", "loud"}, nil, []string{"--log-level:", "debug, info, warn, error"}},
		{"unknown flag", []string{"--nope"}, nil, []string{"flag provided but not defined: -nope"}},
		{"bad duration flag", []string{"--settle", "soon"}, nil, []string{"invalid value", "-settle"}},
		{"bad duration env names the variable", nil, env("ALOWARE_KENDO_SETTLE", "soon"), []string{"ALOWARE_KENDO_SETTLE:"}},
		{"bad bool env", nil, env("ALOWARE_KENDO_METRICS_AUTH", "yes please"), []string{"ALOWARE_KENDO_METRICS_AUTH:"}},
		{"stray argument", []string{"extra"}, nil, []string{`unexpected argument "extra"`}},
		{"token with space", []string{"--inbound-token", "a b"}, nil, []string{"--inbound-token:", "printable ASCII"}},
		// A deploy's SIGTERM must let a Kendo request that has started finish (docs/invariants.md #8).
		{"shutdown shorter than a Kendo request", []string{"--kendo-timeout", "15s", "--shutdown-timeout", "10s"}, nil,
			[]string{"--shutdown-timeout:", "at least --kendo-timeout (15s) plus 5s"}},
		{"default shutdown with a long Kendo timeout", []string{"--kendo-timeout", "30s"}, nil, []string{"--shutdown-timeout: 20s is too short"}},
		{"quarantine bound", []string{"--quarantine-max-mb", "0"}, nil, []string{"--quarantine-max-mb:", "at least 1"}},
		{"zero retention", []string{"--retain", "0s"}, nil, []string{"--retain:", "positive"}},
		{"signed webhook without its secret", []string{"--notify-url", "https://n8n.example/webhook/alerts"}, nil, []string{"--notify-secret: must be set with --notify-url"}},
		{"secret not whsec_", []string{"--notify-url", "https://n8n.example/w", "--notify-secret", "hunter2"}, nil, []string{"--notify-secret:", "whsec_"}},
		{"notify url not http", []string{"--notify-slack-url", "hooks.slack.com/hunter2"}, nil, []string{"--notify-slack-url:", "http(s) URL"}},
		{"zero notify interval", []string{"--notify-interval", "0s"}, nil, []string{"--notify-interval:", "positive"}},
		{"several at once", []string{"--kendo-rate", "x", "--db", "nope:"}, nil, []string{"--kendo-rate:", "--db:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.args, tt.getenv)
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error leaks a password: %q", err)
			}
		})
	}
}

func TestParseHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help"} {
		if _, err := Parse([]string{arg}, nil); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%s: got %v, want flag.ErrHelp", arg, err)
		}
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	c, err := Parse([]string{
		"--kendo-api-key", "pk_secret1", "--inbound-token", "tok_secret2", "--inbound-basic", "aloware:secret3",
		"--aloware-api-token", "secret4", "--db", "postgres://u:secret5@db:5432/x", "--ui-basic", "ops:secret6",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "config", c)
	outputs := map[string]string{
		"String": c.String(), "%v": fmt.Sprintf("%v", c), "%+v": fmt.Sprintf("%+v", c),
		"%#v": fmt.Sprintf("%#v", c), "slog": logged.String(),
	}
	for how, out := range outputs {
		for _, secret := range []string{"pk_secret1", "tok_secret2", "secret3", "secret4", "secret5", "secret6"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s output leaks %q: %s", how, secret, out)
			}
		}
		if !strings.Contains(out, "aloware:[redacted]") || !strings.Contains(out, "[redacted]") {
			t.Errorf("%s output does not show that secrets are set: %s", how, out)
		}
	}
}

func TestEnvName(t *testing.T) {
	for flagName, want := range map[string]string{
		"kendo-url": "ALOWARE_KENDO_KENDO_URL", "listen": "ALOWARE_KENDO_LISTEN", "rep-email-map": "ALOWARE_KENDO_REP_EMAIL_MAP",
	} {
		eq(t, EnvName(flagName), want)
	}
}

// Every flag is reachable through its environment variable.
func TestEveryFlagHasWorkingEnv(t *testing.T) {
	values := map[string]string{
		"listen": "127.0.0.1:1", "kendo-url": "http://k/ingest", "kendo-api-key": "pk_x", "kendo-rate": "2/s",
		"db": "sqlite:/tmp/x.db", "settle": "1s", "inbound-token": "t", "inbound-basic": "u:p",
		"aloware-api-url": "http://a", "aloware-api-token": "at", "rep-email-map": "/m.csv", "artifact-wait": "2s", "analysis-expected-within": "90m",
		"retry-horizon": "3s", "kendo-timeout": "4s", "rescue-after": "5s", "shutdown-timeout": "9s",
		"log-level": "warn", "metrics-auth": "true", "retain": "10h", "key-probe-interval": "11s", "quarantine-max-mb": "12",
		"teams": writeTeams(t, "teams: [{name: sales, apiKeyEnv: KENDO_KEY_SALES}]\ndefault: sales\n"), "kendo-webhook-secret": "whs", "ui-basic": "ops:p", "body-memory-mb": "128",
		"min-talk-time": "0", "send-directions": "inbound", "skip-dispositions": "Voicemail,Wrong number",
		"migrate":          "false",
		"allowed-hosts":    "ak.example.com",
		"notify-slack-url": "https://hooks.slack.example/services/x", "notify-url": "https://n8n.example/webhook/alerts",
		"notify-secret": "whsec_c2VjcmV0", "notify-interval": "1m", "public-url": "https://sync.example.com",
	}
	flags := Flags()
	if len(flags) != len(values) {
		t.Fatalf("test covers %d flags, config has %d", len(values), len(flags))
	}
	teamKey := env("KENDO_KEY_SALES", "pk_sales")
	getenv := func(k string) string {
		for _, f := range flags {
			if f.Env == k {
				return values[f.Name]
			}
		}
		return teamKey(k)
	}
	c, err := Parse(nil, getenv)
	if err != nil {
		t.Fatal(err)
	}
	fromFlags, err := Parse(flagArgs(values), teamKey)
	if err != nil {
		t.Fatal(err)
	}
	if c.Router.String() != fromFlags.Router.String() || !strings.HasPrefix(c.Router.String(), "sales (key_") {
		t.Errorf("routers: env %s, flags %s", c.Router, fromFlags.Router)
	}
	c.Router, fromFlags.Router = nil, nil
	if c != fromFlags {
		t.Errorf("env and flags disagree:\n env %#v\nflag %#v", c, fromFlags)
	}
	if c == (Config{}) || c.Listen != "127.0.0.1:1" || !c.MetricsAuth || c.RescueAfter != 5*time.Second {
		t.Errorf("env not applied: %#v", c)
	}
}

func flagArgs(values map[string]string) []string {
	var args []string
	for k, v := range values {
		args = append(args, "--"+k+"="+v)
	}
	return args
}

func TestUsageListsEveryFlagAndEnv(t *testing.T) {
	var b strings.Builder
	Usage(&b)
	for _, f := range Flags() {
		if !strings.Contains(b.String(), "--"+f.Name) || !strings.Contains(b.String(), f.Env) {
			t.Errorf("usage misses %s / %s", f.Name, f.Env)
		}
	}
}

func eq[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestSendRuleFlags: the send rules the flags give, and the values they refuse.
func TestSendRuleFlags(t *testing.T) {
	c, err := Parse([]string{"--min-talk-time=30s", "--send-directions= Outbound ,inbound", "--skip-dispositions=Voicemail, Wrong number ,"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, c.SendRules().String(), "min talk time 30s, directions outbound,inbound, skip dispositions Voicemail,Wrong number")
	d, err := Parse(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, d.SendRules().String(), "min talk time 10s, directions inbound,outbound, skip dispositions none")
	for _, args := range [][]string{{"--send-directions=sideways"}, {"--send-directions=,"}, {"--min-talk-time=-1s"}} {
		_, err := Parse(args, nil)
		if err == nil || !strings.Contains(err.Error(), strings.SplitN(strings.TrimPrefix(args[0], "--"), "=", 2)[0]) {
			t.Errorf("Parse(%v) = %v, want a problem naming the flag", args, err)
		}
	}
}

// migrate takes serve's arguments and environment but needs only the database: a
// teams file whose keys are not in its environment does not stop it.
func TestParseDBChecksOnlyTheDatabase(t *testing.T) {
	teamsFile := writeTeams(t, "teams: [{name: sales, apiKeyEnv: KENDO_KEY_SALES}]\ndefault: sales\n")
	db, err := ParseDB([]string{"--teams", teamsFile, "--listen", ":9"}, env("ALOWARE_KENDO_DB", "sqlite:/tmp/m.db"))
	if err != nil || db != "sqlite:/tmp/m.db" {
		t.Fatalf("ParseDB: %q, %v", db, err)
	}
	if _, err := Parse([]string{"--teams", teamsFile}, nil); err == nil {
		t.Fatal("serve's Parse accepted a teams file whose key is missing; the case above proves nothing")
	}
	if _, err := ParseDB([]string{"--db", "mysql://x"}, nil); err == nil || !strings.Contains(err.Error(), "--db") {
		t.Errorf("ParseDB of a bad --db: %v", err)
	}
}
