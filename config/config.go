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
	"github.com/aloware-kendo/aloware-kendo/reps"
	"github.com/aloware-kendo/aloware-kendo/store/location"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// EnvPrefix prefixes every option's environment variable: --kendo-url → ALOWARE_KENDO_KENDO_URL.
const EnvPrefix = "ALOWARE_KENDO_"

// KendoKeyEnv is the conventional variable for the Kendo key, read when neither
// --kendo-api-key nor ALOWARE_KENDO_KENDO_API_KEY is set.
const KendoKeyEnv = "KENDO_API_KEY"

// Default values, exported so the CLI help, docs/configuration.md and tests agree.
const (
	DefaultListen           = ":8080"
	DefaultKendoURL         = "https://app.kendo.ai/api/integrations/push-api/ingest"
	DefaultDB               = "sqlite:./data/aloware-kendo.db"
	DefaultSettle           = 60 * time.Second
	DefaultAlowareAPIURL    = reps.DefaultBaseURL
	DefaultArtifactWait     = 10 * time.Minute
	DefaultRetryHorizon     = 24 * time.Hour
	DefaultKendoTimeout     = 15 * time.Second
	DefaultRescueAfter      = 30 * time.Second
	DefaultShutdownTimeout  = 20 * time.Second
	DefaultLogLevel         = "info"
	DefaultRetain           = 720 * time.Hour
	DefaultKeyProbeInterval = 5 * time.Minute
	DefaultQuarantineMaxMB  = 100
	DefaultBodyMemoryMB     = 64
	DefaultNotifyInterval   = 5 * time.Minute
	// DefaultGrace is how long a ready call waits once nothing more is expected (it has
	// its recording, transcript and summary): room for a trailing Call-Disposed.
	DefaultGrace = 5 * time.Second
)

// DefaultKendoRate is Kendo's documented limit, spelt as the flag takes it.
var DefaultKendoRate = kendo.DefaultRate.String()

// Config is everything `aloware-kendo serve` can be told. The `flag` tag names the
// option in validation messages; `validate` holds the rules (go-playground/validator).
type Config struct {
	Listen           string        `flag:"listen" validate:"required,listen"`
	KendoURL         string        `flag:"kendo-url" validate:"required,httpurl"`
	KendoAPIKey      string        `flag:"kendo-api-key" validate:"omitempty,printascii,excludes= "`
	KendoRate        string        `flag:"kendo-rate" validate:"required,rate"`
	DB               string        `flag:"db" validate:"required,dburl"`
	Settle           time.Duration `flag:"settle" validate:"gte=0"`
	InboundToken     string        `flag:"inbound-token" validate:"omitempty,printascii,excludes= "`
	InboundBasic     string        `flag:"inbound-basic" validate:"omitempty,userpass"`
	AlowareAPIURL    string        `flag:"aloware-api-url" validate:"required,httpurl"`
	AlowareAPIToken  string        `flag:"aloware-api-token" validate:"omitempty,printascii,excludes= "`
	RepEmailMap      string        `flag:"rep-email-map"`
	ArtifactWait     time.Duration `flag:"artifact-wait" validate:"gte=0"`
	RetryHorizon     time.Duration `flag:"retry-horizon" validate:"gt=0"`
	KendoTimeout     time.Duration `flag:"kendo-timeout" validate:"gt=0"`
	RescueAfter      time.Duration `flag:"rescue-after" validate:"gt=0"`
	ShutdownTimeout  time.Duration `flag:"shutdown-timeout" validate:"gt=0"`
	LogLevel         string        `flag:"log-level" validate:"oneof=debug info warn error"`
	MetricsAuth      bool          `flag:"metrics-auth"`
	Retain           time.Duration `flag:"retain" validate:"gt=0"`
	KeyProbeInterval time.Duration `flag:"key-probe-interval" validate:"gt=0"`
	QuarantineMaxMB  int           `flag:"quarantine-max-mb" validate:"gte=1"`
	UIBasic          string        `flag:"ui-basic" validate:"omitempty,userpass"`
	AllowedHosts     string        `flag:"allowed-hosts" validate:"omitempty,hostlist"` // comma-separated; see AllowedHostList
	BodyMemoryMB     int64         `flag:"body-memory-mb" validate:"min=6"`             // room for one 5 MiB body at least
	Migrate          bool          `flag:"migrate"`

	// Send rules: which finished calls are worth sending (mapping's rule S4).
	MinTalkTime      time.Duration `flag:"min-talk-time" validate:"gte=0"`
	SendDirections   string        `flag:"send-directions" validate:"directions"`
	SkipDispositions string        `flag:"skip-dispositions"`

	// Kendo teams (the keys they name are read from the environment) and the secret of
	// Kendo's outbound webhook.
	Teams              string `flag:"teams"`
	KendoWebhookSecret string `flag:"kendo-webhook-secret" validate:"omitempty,printascii,excludes= "`

	// Notifications: a Slack-compatible webhook, a JSON one signed per Standard Webhooks
	// (the whsec_ secret), at most one message per type and team per interval, linking
	// the ops page under the public URL. The URLs are credentials (whoever has them can
	// post), so they are redacted like secrets.
	NotifySlackURL string        `flag:"notify-slack-url" validate:"omitempty,httpurl"`
	NotifyURL      string        `flag:"notify-url" validate:"omitempty,httpurl"`
	NotifySecret   string        `flag:"notify-secret"`
	NotifyInterval time.Duration `flag:"notify-interval" validate:"gt=0"`
	PublicURL      string        `flag:"public-url" validate:"omitempty,httpurl"`

	// Rate is KendoRate parsed; Parse fills it.
	Rate kendo.Rate `flag:"-"`
	// Router is the teams file loaded, or the single --kendo-api-key as the one team
	// (teams.Single) without --teams; Parse fills it.
	Router *teams.Router `flag:"-"`
}

// option describes one flag: its name, help text and how it binds to Config.
type option struct {
	name, usage string
	bind        func(fs *flag.FlagSet, c *Config, name, usage string)
	secret      bool
}

func str(get func(*Config) *string, def string) func(*flag.FlagSet, *Config, string, string) {
	return func(fs *flag.FlagSet, c *Config, name, usage string) { fs.StringVar(get(c), name, def, usage) }
}

func dur(get func(*Config) *time.Duration, def time.Duration) func(*flag.FlagSet, *Config, string, string) {
	return func(fs *flag.FlagSet, c *Config, name, usage string) { fs.DurationVar(get(c), name, def, usage) }
}

// options lists every flag once; Parse, Usage and the table of docs/configuration.md follow this order.
var options = []option{
	{name: "listen", usage: "address to serve on", bind: str(func(c *Config) *string { return &c.Listen }, DefaultListen)},
	{name: "kendo-url", usage: "where payloads are POSTed (Kendo's Push API ingest URL)", bind: str(func(c *Config) *string { return &c.KendoURL }, DefaultKendoURL)},
	{name: "kendo-api-key", usage: "Kendo Push API key, pk_... (also " + KendoKeyEnv + "); never logged", secret: true, bind: str(func(c *Config) *string { return &c.KendoAPIKey }, "")},
	{name: "kendo-rate", usage: "pacing per API key, N/min or N/s", bind: str(func(c *Config) *string { return &c.KendoRate }, DefaultKendoRate)},
	{name: "teams", usage: "YAML/JSON file of Kendo teams, each with its key's variable and the calls it takes (then --kendo-api-key is not used)", bind: str(func(c *Config) *string { return &c.Teams }, "")},
	{name: "kendo-webhook-secret", usage: "secret of Kendo's outbound webhook (Integrations > Webhooks); POST /kendo/webhook is refused without one; never logged", secret: true, bind: str(func(c *Config) *string { return &c.KendoWebhookSecret }, "")},
	{name: "db", usage: "durable state: sqlite:PATH, or postgres://... for several replicas", bind: str(func(c *Config) *string { return &c.DB }, DefaultDB)},
	{name: "settle", usage: "how long a ready call waits for more of its events before delivery", bind: dur(func(c *Config) *time.Duration { return &c.Settle }, DefaultSettle)},
	{name: "inbound-token", usage: "require Authorization: Bearer TOKEN on every route but health, docs (and metrics)", secret: true, bind: str(func(c *Config) *string { return &c.InboundToken }, "")},
	{name: "inbound-basic", usage: "require Authorization: Basic for user:pass on every route but health, docs (and metrics)", secret: true, bind: str(func(c *Config) *string { return &c.InboundBasic }, "")},
	{name: "aloware-api-url", usage: "base of Aloware's public API (Users API lookups)", bind: str(func(c *Config) *string { return &c.AlowareAPIURL }, DefaultAlowareAPIURL)},
	{name: "aloware-api-token", usage: "Aloware API token; enables rep lookups by user_id; never logged", secret: true, bind: str(func(c *Config) *string { return &c.AlowareAPIToken }, "")},
	{name: "rep-email-map", usage: "file mapping Aloware user id or email to Kendo member email", bind: str(func(c *Config) *string { return &c.RepEmailMap }, "")},
	{name: "artifact-wait", usage: "how long a finished call waits for a recording or transcript before it is skipped", bind: dur(func(c *Config) *time.Duration { return &c.ArtifactWait }, DefaultArtifactWait)},
	{name: "retry-horizon", usage: "how long a delivery is retried before the call is marked failed", bind: dur(func(c *Config) *time.Duration { return &c.RetryHorizon }, DefaultRetryHorizon)},
	{name: "kendo-timeout", usage: "timeout of one request to Kendo", bind: dur(func(c *Config) *time.Duration { return &c.KendoTimeout }, DefaultKendoTimeout)},
	{name: "rescue-after", usage: "a delivery still running after this long (its process died) is picked up again", bind: dur(func(c *Config) *time.Duration { return &c.RescueAfter }, DefaultRescueAfter)},
	{name: "shutdown-timeout", usage: "on SIGTERM/SIGINT, how long in-flight requests and deliveries get to finish", bind: dur(func(c *Config) *time.Duration { return &c.ShutdownTimeout }, DefaultShutdownTimeout)},
	{name: "log-level", usage: "debug, info, warn or error", bind: str(func(c *Config) *string { return &c.LogLevel }, DefaultLogLevel)},
	{name: "metrics-auth", usage: "when true, /metrics needs the inbound credentials too", bind: func(fs *flag.FlagSet, c *Config, name, usage string) {
		fs.BoolVar(&c.MetricsAuth, name, false, usage)
	}},
	{name: "retain", usage: "how long the content (raw events, payload) of finished calls is kept before it is purged", bind: dur(func(c *Config) *time.Duration { return &c.Retain }, DefaultRetain)},
	{name: "key-probe-interval", usage: "while Kendo rejects a key (401/403), how often one request tests it", bind: dur(func(c *Config) *time.Duration { return &c.KeyProbeInterval }, DefaultKeyProbeInterval)},
	{name: "quarantine-max-mb", usage: "the quarantine of unusable events never takes more than this many MB of the database (bodies, problems and rows counted); past it they are refused (422)", bind: func(fs *flag.FlagSet, c *Config, name, usage string) {
		fs.IntVar(&c.QuarantineMaxMB, name, DefaultQuarantineMaxMB, usage)
	}},
	{name: "body-memory-mb", usage: "MiB that request bodies may hold in memory at once; a body that does not fit gets 503 with Retry-After, unread", bind: func(fs *flag.FlagSet, c *Config, name, usage string) {
		fs.Int64Var(&c.BodyMemoryMB, name, DefaultBodyMemoryMB, usage)
	}},
	{name: "min-talk-time", usage: "calls with less talk time are skipped by rule (0 sends every call; a call whose talk time is unknown is not filtered)", bind: dur(func(c *Config) *time.Duration { return &c.MinTalkTime }, mapping.DefaultMinTalkTime)},
	{name: "send-directions", usage: "directions of the calls that are sent: inbound, outbound or both, comma-separated", bind: str(func(c *Config) *string { return &c.SendDirections }, strings.Join(mapping.DefaultSendDirections, ","))},
	{name: "skip-dispositions", usage: "comma-separated call disposition names (e.g. Voicemail,Wrong number) or disposition statuses (e.g. voicemail, 12) whose calls are skipped by rule", bind: str(func(c *Config) *string { return &c.SkipDispositions }, "")},
	{name: "migrate", usage: "run the database migrations at start; false when a one-shot `aloware-kendo migrate` step does (serve then refuses a database that lacks one)", bind: func(fs *flag.FlagSet, c *Config, name, usage string) {
		fs.BoolVar(&c.Migrate, name, true, usage)
	}},
	{name: "ui-basic", usage: "user:pass for the ops page /ui (else the inbound credentials; else loopback clients only)", secret: true, bind: str(func(c *Config) *string { return &c.UIBasic }, "")},
	{name: "notify-slack-url", usage: "Slack-compatible incoming webhook (also Mattermost, Rocket.Chat) for grouped notifications; never logged", secret: true, bind: str(func(c *Config) *string { return &c.NotifySlackURL }, "")},
	{name: "notify-url", usage: "JSON webhook for grouped notifications, signed per Standard Webhooks with --notify-secret; never logged", secret: true, bind: str(func(c *Config) *string { return &c.NotifyURL }, "")},
	{name: "notify-secret", usage: "whsec_... secret that signs the --notify-url messages; never logged", secret: true, bind: str(func(c *Config) *string { return &c.NotifySecret }, "")},
	{name: "notify-interval", usage: "at most one notification per type and team per this interval", bind: dur(func(c *Config) *time.Duration { return &c.NotifyInterval }, DefaultNotifyInterval)},
	{name: "public-url", usage: "the service's external URL, for links to the ops page in notifications", bind: str(func(c *Config) *string { return &c.PublicURL }, "")},
	{name: "allowed-hosts", usage: "comma-separated Host names (also *.suffix, addresses, CIDR ranges) answered besides loopback ones while no inbound credentials are set", bind: str(func(c *Config) *string { return &c.AllowedHosts }, "")},
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
		o.bind(fs, c, o.name, o.usage)
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
	return []slog.Attr{
		slog.String("listen", c.Listen),
		slog.String("kendo-url", c.KendoURL),
		slog.String("kendo-api-key", redact(c.KendoAPIKey)),
		slog.String("kendo-rate", c.KendoRate),
		slog.String("teams", c.Teams),
		slog.String("kendo-webhook-secret", redact(c.KendoWebhookSecret)),
		slog.String("db", location.Redact(c.DB)),
		slog.String("settle", c.Settle.String()),
		slog.String("inbound-token", redact(c.InboundToken)),
		slog.String("inbound-basic", redactBasic(c.InboundBasic)),
		slog.String("aloware-api-url", c.AlowareAPIURL),
		slog.String("aloware-api-token", redact(c.AlowareAPIToken)),
		slog.String("rep-email-map", c.RepEmailMap),
		slog.String("artifact-wait", c.ArtifactWait.String()),
		slog.String("retry-horizon", c.RetryHorizon.String()),
		slog.String("kendo-timeout", c.KendoTimeout.String()),
		slog.String("rescue-after", c.RescueAfter.String()),
		slog.String("shutdown-timeout", c.ShutdownTimeout.String()),
		slog.String("log-level", c.LogLevel),
		slog.Bool("metrics-auth", c.MetricsAuth),
		slog.String("retain", c.Retain.String()),
		slog.String("key-probe-interval", c.KeyProbeInterval.String()),
		slog.Int("quarantine-max-mb", c.QuarantineMaxMB),
		slog.String("ui-basic", redactBasic(c.UIBasic)),
		slog.Int64("body-memory-mb", c.BodyMemoryMB),
		slog.String("min-talk-time", c.MinTalkTime.String()),
		slog.String("send-directions", c.SendDirections),
		slog.String("skip-dispositions", c.SkipDispositions),
		slog.Bool("migrate", c.Migrate),
		slog.String("allowed-hosts", c.AllowedHosts),
		slog.String("notify-slack-url", redact(c.NotifySlackURL)),
		slog.String("notify-url", redact(c.NotifyURL)),
		slog.String("notify-secret", redact(c.NotifySecret)),
		slog.String("notify-interval", c.NotifyInterval.String()),
		slog.String("public-url", c.PublicURL),
	}
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
