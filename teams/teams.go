// Package teams decides which Kendo team, and so which Push API key, a call goes to.
// A Kendo key belongs to one Kendo team; a company with a sales and a support team in
// Kendo has two keys, and the teams file (--teams) says which Aloware calls go where.
// Without a file the single --kendo-api-key is the one team, named "default".
package teams

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/mapping"
)

// SingleName names the one team of a service run without --teams.
const SingleName = "default"

// Team is one Kendo team: its name (shown in calls, logs and metrics), the Push API key
// that delivers to it, the secret of its outbound webhook, its pacing, and which calls
// are its. APIKey and WebhookSecret never print: String, LogValue, GoString and JSON
// show the name and the key's id only.
type Team struct {
	Name          string
	APIKey        string
	WebhookSecret string
	Rate          kendo.Rate
	Match
	Send *Send // the team's own send rules; nil: the flags'
}

// Send is a team's `send:` in the teams file. A rule it gives replaces the flag's for
// the team's calls; a rule it leaves out (nil) is the flag's.
type Send struct {
	MinTalkTime      *time.Duration
	Directions       []string
	SkipDispositions []string
}

// SendRules are the send rules of the team's calls: the team's own where it gives them,
// else base (the flags). Reasons name where each rule came from.
func (t Team) SendRules(base mapping.SendRules) mapping.SendRules {
	if t.Send == nil {
		return base
	}
	from := "team " + t.Name + "'s send."
	if d := t.Send.MinTalkTime; d != nil {
		base.MinTalkTime, base.MinTalkTimeFrom = *d, from+"minTalkTime"
	}
	if d := t.Send.Directions; d != nil {
		base.Directions, base.DirectionsFrom = d, from+"directions"
	}
	if d := t.Send.SkipDispositions; d != nil {
		base.SkipDispositions, base.SkipDispositionsFrom = d, from+"skipDispositions"
	}
	return base
}

// KeyID names the team's key without revealing it (kendo.KeyID).
func (t Team) KeyID() string { return kendo.KeyID(t.APIKey) }

// String is "sales (key_…, 30/min)"; "no key" stands in for a missing key.
func (t Team) String() string {
	key := "no key"
	if t.APIKey != "" {
		key = t.KeyID()
	}
	return fmt.Sprintf("%s (%s, %s)", t.Name, key, t.Rate)
}

// GoString keeps %#v from printing the key.
func (t Team) GoString() string { return "teams.Team{" + t.String() + "}" }

// MarshalJSON gives the String form: a team has no JSON shape of its own (it is read
// from YAML and never answered), and a team that ends up in JSON must not carry its key.
func (t Team) MarshalJSON() ([]byte, error) { return json.Marshal(t.String()) }

// LogValue makes slog print the name, key id and rate only.
func (t Team) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("name", t.Name), slog.String("rate", t.Rate.String())}
	if t.APIKey != "" {
		attrs = append(attrs, slog.String("keyId", t.KeyID()))
	}
	return slog.GroupValue(attrs...)
}

// Match lists the Aloware values that make a call a team's: its line (campaign_id),
// its inbox or ring group (ring_group_id), or its agent (user_id, user_email). Ids
// are canonical decimal strings, e-mails lower case.
type Match struct {
	CampaignIDs  []string
	RingGroupIDs []string
	UserIDs      []string
	UserEmails   []string
}

// Empty reports whether m lists nothing, so it matches no call.
func (m Match) Empty() bool {
	return len(m.CampaignIDs) == 0 && len(m.RingGroupIDs) == 0 && len(m.UserIDs) == 0 && len(m.UserEmails) == 0
}

// Holds reports whether any listed value of any listed field is the call's.
func (m Match) Holds(f Fields) bool {
	has := func(list []string, v string, ok bool) bool { return ok && slices.Contains(list, v) }
	campaign, okC := canonicalID(f.CampaignID)
	ringGroup, okR := canonicalID(f.RingGroupID)
	user, okU := canonicalID(f.UserID)
	email, okE := canonicalEmail(f.UserEmail)
	return has(m.CampaignIDs, campaign, okC) || has(m.RingGroupIDs, ringGroup, okR) ||
		has(m.UserIDs, user, okU) || has(m.UserEmails, email, okE)
}

// Fields are the values of a call that routing reads, as Aloware sends them: ids as
// decimal text (leading zeros and spaces do not matter), the e-mail in any case.
type Fields struct {
	CampaignID  string
	RingGroupID string
	UserID      string
	UserEmail   string
}

// Router holds the teams in file order and the default team, if any. It is immutable
// and safe for concurrent use.
type Router struct {
	teams    []Team
	def      int // index into teams; -1 without a default
	warnings []string
}

// Single is the router of a service run without --teams: the one key is the one team,
// named SingleName, and every call is its.
func Single(apiKey string, rate kendo.Rate) *Router {
	return &Router{teams: []Team{{Name: SingleName, APIKey: strings.TrimSpace(apiKey), Rate: rate}}, def: 0}
}

// Teams returns the teams in file order (a copy).
func (r *Router) Teams() []Team { return slices.Clone(r.teams) }

// Lookup finds a team by its name.
func (r *Router) Lookup(name string) (Team, bool) {
	for _, t := range r.teams {
		if t.Name == name {
			return t, true
		}
	}
	return Team{}, false
}

// Default returns the team that takes the calls no team's match holds, if there is one.
func (r *Router) Default() (Team, bool) {
	if r.def < 0 {
		return Team{}, false
	}
	return r.teams[r.def], true
}

// Route picks the call's team: the first team whose match holds, else the default
// team. false means no team takes the call (it is unrouted).
func (r *Router) Route(f Fields) (Team, bool) {
	for _, t := range r.teams {
		if t.Holds(f) {
			return t, true
		}
	}
	return r.Default()
}

// WebhookSecrets returns the teams' non-empty webhook secrets, each once.
func (r *Router) WebhookSecrets() [][]byte {
	var out [][]byte
	seen := map[string]bool{}
	for _, t := range r.teams {
		if t.WebhookSecret != "" && !seen[t.WebhookSecret] {
			seen[t.WebhookSecret] = true
			out = append(out, []byte(t.WebhookSecret))
		}
	}
	return out
}

// Warnings lists what in the file is allowed but probably not meant (a team that can
// receive no call, one key shared by two teams, a value two teams list). One line each.
func (r *Router) Warnings() []string { return slices.Clone(r.warnings) }

// String is "sales (key_…, 30/min), support (key_…, 5/s); default sales", without secrets.
func (r *Router) String() string {
	names := make([]string, len(r.teams))
	for i, t := range r.teams {
		names[i] = t.String()
	}
	s := strings.Join(names, ", ")
	if d, ok := r.Default(); ok {
		s += "; default " + d.Name
	} else {
		s += "; no default"
	}
	return s
}

// GoString keeps %#v from printing the keys.
func (r *Router) GoString() string { return "&teams.Router{" + r.String() + "}" }

// LogValue makes slog print each team's name, key id and rate, and the default:
// {"teams": {"sales": {…}, …}, "default": "sales"}.
func (r *Router) LogValue() slog.Value {
	each := make([]any, 0, len(r.teams))
	for _, t := range r.teams {
		each = append(each, slog.Any(t.Name, t))
	}
	attrs := []slog.Attr{slog.Group("teams", each...)}
	if d, ok := r.Default(); ok {
		attrs = append(attrs, slog.String("default", d.Name))
	}
	return slog.GroupValue(attrs...)
}
