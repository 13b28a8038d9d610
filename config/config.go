// Package config reads the service options from flags and ALOWARE_KENDO_* environment
// variables and validates them. It is pure: Parse takes the arguments and a getenv
// function, so tests need no process state.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/mapping"
	"github.com/aloware-kendo/aloware-kendo/store/location"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// EnvPrefix prefixes every option's environment variable: --kendo-url → ALOWARE_KENDO_KENDO_URL.
const EnvPrefix = "ALOWARE_KENDO_"

// KendoKeyEnv is the conventional variable for the Kendo key, read when neither
// --kendo-api-key nor ALOWARE_KENDO_KENDO_API_KEY is set.
const KendoKeyEnv = "KENDO_API_KEY"

// The service's own defaults. The engine's (settle, retries, retention, the quarantine
// bound …) are delivery.Options' and the send rules' are mapping's: the flags below read
// them, so each default is written once.
const (
	DefaultListen          = ":8080"
	DefaultKendoURL        = "https://app.kendo.ai/api/integrations/push-api/ingest"
	DefaultDB              = "sqlite:./data/aloware-kendo.db"
	DefaultShutdownTimeout = 20 * time.Second
	DefaultBodyMemoryMB    = 64
)

// Config is everything `aloware-kendo serve` can be told. The table options below names,
// defaults, documents and validates each field; Parse fills Rate and Router from them.
type Config struct {
	Listen           string
	KendoURL         string
	KendoAPIKey      string
	KendoRate        string
	DB               string
	Settle           time.Duration
	InboundToken     string
	InboundBasic     string
	AlowareAPIURL    string
	AlowareAPIToken  string
	RepEmailMap      string
	ArtifactWait     time.Duration
	RetryHorizon     time.Duration
	KendoTimeout     time.Duration
	RescueAfter      time.Duration
	ShutdownTimeout  time.Duration
	LogLevel         string
	MetricsAuth      bool
	Retain           time.Duration
	KeyProbeInterval time.Duration
	QuarantineMaxMB  int
	UIBasic          string
	AllowedHosts     string // comma-separated; see AllowedHostList
	BodyMemoryMB     int64
	Migrate          bool

	// AnalysisExpectedWithin: a delivered call without Kendo's call.uploaded by then is
	// flagged not_analyzed in the ledger and told once (only while a webhook secret is set).
	AnalysisExpectedWithin time.Duration

	// Send rules: which finished calls are worth sending (mapping's rule S4).
	MinTalkTime      time.Duration
	SendDirections   string
	SkipDispositions string

	// Kendo teams (the keys they name are read from the environment) and the secret of
	// Kendo's outbound webhook.
	Teams              string
	KendoWebhookSecret string

	// Notifications: a Slack-compatible webhook, a JSON one signed per Standard Webhooks
	// (the whsec_ secret), at most one message per type and team per interval, linking
	// the ops page under the public URL. The URLs are credentials (whoever has them can
	// post), so they are redacted like secrets.
	NotifySlackURL string
	NotifyURL      string
	NotifySecret   string
	NotifyInterval time.Duration
	PublicURL      string

	// Rate is KendoRate parsed.
	Rate kendo.Rate
	// Router is the teams file loaded, or the single --kendo-api-key as the one team
	// (teams.Single) without --teams.
	Router *teams.Router
}

// AllowedHostList is --allowed-hosts split at its commas, without blanks; nil when unset.
func (c Config) AllowedHostList() []string {
	var out []string
	for _, h := range strings.Split(c.AllowedHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, h)
		}
	}
	return out
}

// EnvName is the environment variable of a flag: kendo-url → ALOWARE_KENDO_KENDO_URL.
func EnvName(flagName string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func newFlagSet(c *Config) *flag.FlagSet {
	fs := flag.NewFlagSet("aloware-kendo serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // Parse is pure; the CLI prints Usage itself
	for _, o := range options {
		o.bind(fs, c)
	}
	return fs
}

// Parse builds the Config from args (without the program and subcommand names) and the
// environment: defaults, then ALOWARE_KENDO_* (and KENDO_API_KEY), then flags. It
// returns flag.ErrHelp for -h/--help, and otherwise every problem it found at once.
func Parse(args []string, getenv func(string) string) (Config, error) {
	c, problems, err := parseFlags(args, getenv)
	if err != nil {
		return Config{}, err
	}
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	problems = append(problems, validate(&c)...)
	rate, err := kendo.ParseRate(c.KendoRate)
	if err != nil {
		rate = kendo.DefaultRate // reported above; still check the teams file against something
	}
	router, teamProblems := loadTeams(c, getenv, rate)
	problems = append(problems, teamProblems...)
	if len(problems) > 0 {
		return Config{}, &Error{Problems: problems}
	}
	c.Rate, c.Router = rate, router
	return c, nil
}

// ParseDB reads the same flags and environment as Parse but checks and returns only
// --db: for `migrate`, whose one-shot job then needs neither Kendo keys nor the teams
// file, yet takes serve's arguments and environment file unchanged.
func ParseDB(args []string, getenv func(string) string) (string, error) {
	c, problems, err := parseFlags(args, getenv)
	if err != nil {
		return "", err
	}
	if err := location.Check(c.DB); err != nil {
		problems = append(problems, "--db: "+err.Error())
	}
	if len(problems) > 0 {
		return "", &Error{Problems: problems}
	}
	return c.DB, nil
}

// parseFlags applies the defaults, then ALOWARE_KENDO_* (and KENDO_API_KEY), then the
// flags; problems are values that could not be set, err a command line that cannot be
// read at all (or flag.ErrHelp).
func parseFlags(args []string, getenv func(string) string) (Config, []string, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	var c Config
	fs := newFlagSet(&c)

	var problems []string
	if v := getenv(KendoKeyEnv); v != "" {
		_ = fs.Set("kendo-api-key", v) // a string flag cannot fail
	}
	for _, o := range options {
		env := EnvName(o.name)
		v, ok := lookup(getenv, env)
		if !ok {
			continue
		}
		if err := fs.Set(o.name, v); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %s", env, setError(v, err)))
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, nil, flag.ErrHelp
		}
		return Config{}, nil, fmt.Errorf("%v (see --help)", err)
	}
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected argument %q (options are --name value)", fs.Arg(0)))
	}
	return c, problems, nil
}

// SendRules are the send rules the flags give (a team's `send:` replaces them for its
// calls).
func (c Config) SendRules() mapping.SendRules {
	r := mapping.SendRules{MinTalkTime: c.MinTalkTime, SkipDispositions: mapping.ParseList(c.SkipDispositions)}
	for _, d := range mapping.ParseList(c.SendDirections) {
		if d, ok := mapping.CanonicalDirection(d); ok && !slices.Contains(r.Directions, d) {
			r.Directions = append(r.Directions, d)
		}
	}
	return r
}

// loadTeams reads --teams (one problem per line of the file's problems), or makes the
// single key the one team.
func loadTeams(c Config, getenv func(string) string, rate kendo.Rate) (*teams.Router, []string) {
	if c.Teams == "" {
		return teams.Single(c.KendoAPIKey, rate), nil
	}
	router, err := teams.Load(c.Teams, getenv, rate)
	var te *teams.Error
	switch {
	case errors.As(err, &te):
		out := make([]string, len(te.Problems))
		for i, p := range te.Problems {
			out[i] = "--teams: " + c.Teams + ": " + p
		}
		return nil, out
	case err != nil:
		return nil, []string{"--teams: " + err.Error()}
	}
	return router, nil
}

// WebhookSecrets are the secrets that verify Kendo's webhook: --kendo-webhook-secret
// and every team's, each once.
func (c Config) WebhookSecrets() [][]byte {
	var out [][]byte
	if c.KendoWebhookSecret != "" {
		out = append(out, []byte(c.KendoWebhookSecret))
	}
	if c.Router != nil {
		for _, s := range c.Router.WebhookSecrets() {
			if string(s) != c.KendoWebhookSecret {
				out = append(out, s)
			}
		}
	}
	return out
}

// lookup treats an empty variable as unset, so `ALOWARE_KENDO_SETTLE=` in a compose
// file keeps the default instead of failing to parse.
func lookup(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

func setError(v string, err error) string {
	msg := err.Error()
	if strings.Contains(msg, "invalid syntax") || strings.Contains(msg, "parse error") {
		return fmt.Sprintf("%q is not a valid value", v)
	}
	return msg
}

// Error lists every configuration problem, each naming its flag.
type Error struct{ Problems []string }

func (e *Error) Error() string {
	return "invalid configuration:\n  " + strings.Join(e.Problems, "\n  ")
}

// Usage writes the flag help: each flag, its environment variable and default. Secrets
// show no default (they have none) and never a value.
func Usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: aloware-kendo serve [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Every flag can also be set with its environment variable; a flag wins over the environment.")
	fmt.Fprintln(w)
	var c Config
	fs := newFlagSet(&c)
	for _, o := range options {
		f := fs.Lookup(o.name)
		def := ""
		if f.DefValue != "" && f.DefValue != "false" {
			def = " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "  --%s\t%s%s\n      env %s\n", o.name, o.usage, def, EnvName(o.name))
	}
}

// Flag describes one option for documentation (docs/configuration.md, help).
type Flag struct {
	Name, Env, Default, Usage string
	Secret                    bool
}

// Flags lists every option in order.
func Flags() []Flag {
	var c Config
	fs := newFlagSet(&c)
	out := make([]Flag, 0, len(options))
	for _, o := range options {
		out = append(out, Flag{Name: o.name, Env: EnvName(o.name), Default: fs.Lookup(o.name).DefValue, Usage: o.usage, Secret: o.secret})
	}
	return out
}

// String prints the configuration with secrets redacted, so it is safe for logs.
func (c Config) String() string {
	var b strings.Builder
	for i, a := range c.redactedAttrs() {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%s", a.Key, a.Value)
	}
	return b.String()
}

// LogValue makes slog print the redacted form.
func (c Config) LogValue() slog.Value { return slog.GroupValue(c.redactedAttrs()...) }

// GoString keeps %#v from printing secrets too.
func (c Config) GoString() string { return "config.Config{" + c.String() + "}" }

func (c Config) redactedAttrs() []slog.Attr {
	attrs := make([]slog.Attr, len(options))
	for i, o := range options {
		attrs[i] = slog.Attr{Key: o.name, Value: o.value(&c)}
	}
	return attrs
}

// redact says whether a secret is set without showing any of it.
func redact(s string) string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// redactBasic keeps the user name, which helps operators, and hides the password.
func redactBasic(s string) string {
	if s == "" {
		return ""
	}
	user, _, _ := strings.Cut(s, ":")
	return user + ":[redacted]"
}
