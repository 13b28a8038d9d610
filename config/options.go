package config

import (
	"cmp"
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/mapping"
	"github.com/aloware-kendo/aloware-kendo/reps"
	"github.com/aloware-kendo/aloware-kendo/store/location"
)

// option declares one flag, once: its name (its environment variable follows from it,
// see EnvName), its default as the flag takes it, its help, its validation rule
// (go-playground/validator, see validate.go) and the Config field it sets. The flag set,
// the environment, Usage, Flags (docs/configuration.md) and the logged form all read it.
type option struct {
	name, def, usage, rule string
	field                  func(*Config) any   // a pointer: *string, *time.Duration, *int, *int64 or *bool
	secret                 bool                // has no default and never prints
	show                   func(string) string // how the logs show the value; nil: as it is
}

// options lists every flag once; Parse, Usage and the table of docs/configuration.md follow this order.
var options = []option{
	{name: "listen", def: DefaultListen, usage: "address to serve on", rule: "required,listen",
		field: func(c *Config) any { return &c.Listen }},
	{name: "kendo-url", def: DefaultKendoURL, usage: "where payloads are POSTed (Kendo's Push API ingest URL)", rule: "required,httpurl",
		field: func(c *Config) any { return &c.KendoURL }},
	{name: "kendo-api-key", usage: "Kendo Push API key, pk_... (also " + KendoKeyEnv + "); never logged", rule: "omitempty,printascii,excludes= ",
		field: func(c *Config) any { return &c.KendoAPIKey }, secret: true, show: redact},
	{name: "kendo-rate", def: kendo.DefaultRate.String(), usage: "pacing per API key, N/min or N/s", rule: "required,rate",
		field: func(c *Config) any { return &c.KendoRate }},
	{name: "teams", usage: "YAML/JSON file of Kendo teams, each with its key's variable and the calls it takes (then --kendo-api-key is not used)",
		field: func(c *Config) any { return &c.Teams }},
	{name: "kendo-webhook-secret", usage: "secret of Kendo's outbound webhook (Integrations > Webhooks); POST /kendo/webhook is refused without one; never logged", rule: "omitempty,printascii,excludes= ",
		field: func(c *Config) any { return &c.KendoWebhookSecret }, secret: true, show: redact},
	{name: "db", def: DefaultDB, usage: "durable state: sqlite:PATH, or postgres://... for several replicas", rule: "required,dburl",
		field: func(c *Config) any { return &c.DB }, show: location.Redact},
	{name: "settle", def: delivery.DefaultSettle.String(), usage: "how long a ready call waits for more of its events before delivery", rule: "gte=0",
		field: func(c *Config) any { return &c.Settle }},
	{name: "inbound-token", usage: "require Authorization: Bearer TOKEN on every route but health, docs (and metrics)", rule: "omitempty,printascii,excludes= ",
		field: func(c *Config) any { return &c.InboundToken }, secret: true, show: redact},
	{name: "inbound-basic", usage: "require Authorization: Basic for user:pass on every route but health, docs (and metrics)", rule: "omitempty,userpass",
		field: func(c *Config) any { return &c.InboundBasic }, secret: true, show: redactBasic},
	{name: "aloware-api-url", def: reps.DefaultBaseURL, usage: "base of Aloware's public API (Users API lookups)", rule: "required,httpurl",
		field: func(c *Config) any { return &c.AlowareAPIURL }},
	{name: "aloware-api-token", usage: "Aloware API token; enables rep lookups by user_id; never logged", rule: "omitempty,printascii,excludes= ",
		field: func(c *Config) any { return &c.AlowareAPIToken }, secret: true, show: redact},
	{name: "rep-email-map", usage: "file mapping Aloware user id or email to Kendo member email",
		field: func(c *Config) any { return &c.RepEmailMap }},
	{name: "artifact-wait", def: delivery.DefaultArtifactWait.String(), usage: "how long a finished call waits for a recording or transcript before it is skipped", rule: "gte=0",
		field: func(c *Config) any { return &c.ArtifactWait }},
	{name: "analysis-expected-within", def: delivery.DefaultAnalysisExpectedWithin.String(), usage: "a delivered call with no call.uploaded from Kendo by then is flagged not_analyzed in the ledger and told once as calls.not_analyzed (only with a webhook secret)", rule: "gt=0",
		field: func(c *Config) any { return &c.AnalysisExpectedWithin }},
	{name: "retry-horizon", def: delivery.DefaultRetryHorizon.String(), usage: "how long a delivery is retried before the call is marked failed", rule: "gt=0",
		field: func(c *Config) any { return &c.RetryHorizon }},
	{name: "kendo-timeout", def: delivery.DefaultKendoTimeout.String(), usage: "timeout of one request to Kendo", rule: "gt=0",
		field: func(c *Config) any { return &c.KendoTimeout }},
	{name: "rescue-after", def: delivery.DefaultRescueAfter.String(), usage: "a delivery still running after this long (its process died) is picked up again", rule: "gt=0",
		field: func(c *Config) any { return &c.RescueAfter }},
	{name: "shutdown-timeout", def: DefaultShutdownTimeout.String(), usage: "on SIGTERM/SIGINT, how long in-flight requests and deliveries get to finish", rule: "gt=0",
		field: func(c *Config) any { return &c.ShutdownTimeout }},
	{name: "log-level", def: "info", usage: "debug, info, warn or error", rule: "oneof=debug info warn error",
		field: func(c *Config) any { return &c.LogLevel }},
	{name: "metrics-auth", def: "false", usage: "when true, /metrics needs the inbound credentials too",
		field: func(c *Config) any { return &c.MetricsAuth }},
	{name: "retain", def: delivery.DefaultRetain.String(), usage: "how long the content (raw events, payload) of finished calls is kept before it is purged", rule: "gt=0",
		field: func(c *Config) any { return &c.Retain }},
	{name: "key-probe-interval", def: delivery.DefaultProbeEvery.String(), usage: "while Kendo rejects a key (401/403), how often one request tests it", rule: "gt=0",
		field: func(c *Config) any { return &c.KeyProbeInterval }},
	{name: "quarantine-max-mb", def: strconv.Itoa(delivery.DefaultQuarantineMaxMiB), usage: "the quarantine of unusable events never takes more than this many MB of the database (bodies, problems and rows counted); past it they are refused (422)", rule: "gte=1",
		field: func(c *Config) any { return &c.QuarantineMaxMB }},
	{name: "body-memory-mb", def: strconv.Itoa(DefaultBodyMemoryMB), usage: "MiB that request bodies may hold in memory at once; a body that does not fit gets 503 with Retry-After, unread",
		rule:  "min=" + strconv.Itoa(kendo.MaxBodyBytes>>20+1), // room for one body of Kendo's largest at least
		field: func(c *Config) any { return &c.BodyMemoryMB }},
	{name: "min-talk-time", def: mapping.DefaultMinTalkTime.String(), usage: "calls with less talk time are skipped by rule (0 sends every call; a call whose talk time is unknown is not filtered)", rule: "gte=0",
		field: func(c *Config) any { return &c.MinTalkTime }},
	{name: "send-directions", def: strings.Join(mapping.DefaultSendDirections, ","), usage: "directions of the calls that are sent: inbound, outbound or both, comma-separated", rule: "directions",
		field: func(c *Config) any { return &c.SendDirections }},
	{name: "skip-dispositions", usage: "comma-separated call disposition names (e.g. Voicemail,Wrong number) or disposition statuses (e.g. voicemail, 12) whose calls are skipped by rule",
		field: func(c *Config) any { return &c.SkipDispositions }},
	{name: "migrate", def: "true", usage: "run the database migrations at start; false when a one-shot `aloware-kendo migrate` step does (serve then refuses a database that lacks one)",
		field: func(c *Config) any { return &c.Migrate }},
	{name: "ui-basic", usage: "user:pass for the ops page /ui (else the inbound credentials; else loopback clients only)", rule: "omitempty,userpass",
		field: func(c *Config) any { return &c.UIBasic }, secret: true, show: redactBasic},
	{name: "allowed-hosts", usage: "comma-separated Host names (also *.suffix, addresses, CIDR ranges) answered besides loopback ones while no inbound credentials are set", rule: "omitempty,hostlist",
		field: func(c *Config) any { return &c.AllowedHosts }},
	{name: "notify-slack-url", usage: "Slack-compatible incoming webhook (also Mattermost, Rocket.Chat) for grouped notifications; never logged", rule: "omitempty,httpurl",
		field: func(c *Config) any { return &c.NotifySlackURL }, secret: true, show: redact},
	{name: "notify-url", usage: "JSON webhook for grouped notifications, signed per Standard Webhooks with --notify-secret; never logged", rule: "omitempty,httpurl",
		field: func(c *Config) any { return &c.NotifyURL }, secret: true, show: redact},
	{name: "notify-secret", usage: "whsec_... secret that signs the --notify-url messages; never logged",
		field: func(c *Config) any { return &c.NotifySecret }, secret: true, show: redact},
	{name: "notify-interval", def: delivery.DefaultNotifyInterval.String(), usage: "at most one notification per type and team per this interval", rule: "gt=0",
		field: func(c *Config) any { return &c.NotifyInterval }},
	{name: "public-url", usage: "the service's external URL, for links to the ops page in notifications", rule: "omitempty,httpurl",
		field: func(c *Config) any { return &c.PublicURL }},
}

// bind adds the option's flag to fs, writing to its field of c, and sets its default.
func (o option) bind(fs *flag.FlagSet, c *Config) {
	switch p := o.field(c).(type) {
	case *string:
		fs.StringVar(p, o.name, "", o.usage)
	case *time.Duration:
		fs.DurationVar(p, o.name, 0, o.usage)
	case *int:
		fs.IntVar(p, o.name, 0, o.usage)
	case *int64:
		fs.Int64Var(p, o.name, 0, o.usage)
	case *bool:
		fs.BoolVar(p, o.name, false, o.usage)
	default:
		panic(fmt.Sprintf("config: --%s: no flag for a field of type %T", o.name, p)) // TestOptionsTable catches it
	}
	f := fs.Lookup(o.name)
	if o.def != "" {
		must(f.Value.Set(o.def)) // a default that does not parse fails every test
	}
	f.DefValue = f.Value.String()
}

// value is the option's field of c as the logs show it.
func (o option) value(c *Config) slog.Value {
	var text string
	switch p := o.field(c).(type) {
	case *bool:
		return slog.BoolValue(*p)
	case *int:
		return slog.IntValue(*p)
	case *int64:
		return slog.Int64Value(*p)
	case *time.Duration:
		text = p.String()
	case *string:
		text = *p
	}
	if o.show != nil {
		text = o.show(text)
	}
	return slog.StringValue(text)
}

// BindDB adds serve's --db to another command's flags (backup, restore): the same name,
// environment variable and default, with that command's help.
func BindDB(fs *flag.FlagSet, getenv func(string) string, usage string) *string {
	db := new(string)
	fs.StringVar(db, "db", cmp.Or(getenv(EnvName("db")), DefaultDB), usage)
	return db
}
