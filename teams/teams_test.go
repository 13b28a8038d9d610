package teams_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// The environment the testdata files name. The values are what must never print.
var env = map[string]string{
	"KENDO_KEY_SALES":            "pk_sales_secret_key",
	"KENDO_KEY_SUPPORT":          "pk_support_secret_key",
	"KENDO_KEY_ENTERPRISE":       "pk_enterprise_secret_key",
	"KENDO_KEY_SMB":              " pk_smb_secret_key\n", // as read from a file: trimmed
	"KENDO_WEBHOOK_SECRET_SALES": "whsec_sales_secret",
}

func getenv(name string) string { return env[name] }

var thirtyPerMin = kendo.Rate{Limit: 30, Period: time.Minute}

func load(t *testing.T, file string) *teams.Router {
	t.Helper()
	r, err := teams.Load(filepath.Join("testdata", file), getenv, thirtyPerMin)
	if err != nil {
		t.Fatalf("Load(%s): %v", file, err)
	}
	return r
}

func TestLoadValidFiles(t *testing.T) {
	type team struct {
		name, key, secret, rate string
		match                   teams.Match
	}
	salesAndSupport := []team{
		{"sales", "pk_sales_secret_key", "whsec_sales_secret", "30/min", teams.Match{CampaignIDs: []string{"81422"}}},
		{"support", "pk_support_secret_key", "", "30/min", teams.Match{RingGroupIDs: []string{"4410"}}},
	}
	tests := []struct {
		file, def string
		want      []team
	}{
		{"two-teams.yaml", "sales", salesAndSupport},
		{"two-teams.json", "sales", salesAndSupport}, // JSON is YAML; ids as numbers
		{"by-agent.yaml", "", []team{
			{"enterprise", "pk_enterprise_secret_key", "", "5/s", teams.Match{UserIDs: []string{"120776", "120777"}, UserEmails: []string{"dana.lee@example.com"}}},
			{"smb", "pk_smb_secret_key", "", "30/min", teams.Match{CampaignIDs: []string{"63949"}, RingGroupIDs: []string{"29109"}}},
		}},
		{"only-default.yaml", "everyone", []team{{"everyone", "pk_sales_secret_key", "", "30/min", teams.Match{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r := load(t, tt.file)
			got := r.Teams()
			if len(got) != len(tt.want) {
				t.Fatalf("%d teams, want %d: %v", len(got), len(tt.want), r)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Name != w.name || g.APIKey != w.key || g.WebhookSecret != w.secret || g.Rate.String() != w.rate {
					t.Errorf("team %d = %s key %q secret %q, want %+v", i, g, g.APIKey, g.WebhookSecret, w)
				}
				if fmt.Sprint(g.Match) != fmt.Sprint(w.match) {
					t.Errorf("team %s match = %+v, want %+v", g.Name, g.Match, w.match)
				}
				if g.KeyID() != kendo.KeyID(w.key) {
					t.Errorf("KeyID = %s", g.KeyID())
				}
			}
			d, ok := r.Default()
			if ok != (tt.def != "") || d.Name != tt.def {
				t.Errorf("default = %q %v, want %q", d.Name, ok, tt.def)
			}
			if w := r.Warnings(); len(w) != 0 {
				t.Errorf("warnings: %q", w)
			}
		})
	}
}

func TestLoadProblems(t *testing.T) {
	tests := []struct {
		file string
		want []string // one per problem, in the order of the file's lines; each a substring of its line
	}{
		{"many-problems.yaml", []string{
			"line 3: team \"sales\": environment variable KENDO_KEY_MISSING (its `apiKeyEnv`) is not set or empty",
			"line 4: team \"sales\": rate \"fast\": want N/unit",
			"line 5: team \"sales\": `match`: unknown field `campaignId` (did you mean `campaignIds`?)",
			"line 6: team name \"Sales\" is used twice (also on line 2); names must differ, ignoring case",
			"line 7: team \"Sales\": `apiKeyEnv` must name an environment variable (A-Z, 0-9 and _), not hold the Kendo key itself; its value is not shown",
			"line 8: team \"Sales\": match.ringGroupIds[0]: \"44x0\" is not a numeric id",
			"line 8: team \"Sales\": match.userEmails[0]: \"not-an-email\" is not an e-mail address",
			"line 9: teams[2]: `name` is missing",
			"line 10: teams[2]: environment variable KENDO_WEBHOOK_SECRET_UNSET (its `webhookSecretEnv`) is not set or empty",
			"line 11: teams[2]: unknown field `colour`",
			"line 12: teams[3]: `name` is empty",
			"line 13: teams[3]: `apiKeyEnv` is empty",
			"line 14: teams[3]: match.userIds[0]: \"12.5\" is not a numeric id",
			"line 15: default \"marketing\" is not a team (teams: sales, Sales)",
		}},
		{"typo-top.yaml", []string{
			"line 1: no `teams:` list",
			"line 1: the file: unknown field `team` (did you mean `teams`?)",
			"line 4: the file: unknown field `defualt`",
		}},
		{"wrong-shapes.yaml", []string{
			"line 2: teams[0] must be a mapping of name, apiKeyEnv, webhookSecretEnv, rate, match",
			"line 3: teams[1]: `name` must be a single value",
			"line 5: teams[1]: `match` must be a mapping of campaignIds, ringGroupIds, userIds, userEmails",
			"line 8: team \"ops\": match.ringGroupIds must be a list",
		}},
		{"empty.yaml", []string{"the file is empty"}},
		{"not-yaml.yaml", []string{"not YAML or JSON"}},
		{"no-such-file.yaml", []string{"cannot read the file: no such file or directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			r, err := teams.Load(path, getenv, thirtyPerMin)
			var te *teams.Error
			if r != nil || !errors.As(err, &te) {
				t.Fatalf("Load = %v, %v; want a *teams.Error", r, err)
			}
			if te.Path != path {
				t.Errorf("Path = %q", te.Path)
			}
			for i, p := range te.Problems {
				if i >= len(tt.want) || !strings.Contains(p, tt.want[i]) {
					t.Errorf("problem %d = %q", i, p)
					continue
				}
			}
			if len(te.Problems) != len(tt.want) {
				t.Errorf("%d problems, want %d:\n%s", len(te.Problems), len(tt.want), err)
			}
			if lines := strings.Split(err.Error(), "\n"); len(lines) != len(tt.want)+1 {
				t.Errorf("Error() is not one header plus one line per problem:\n%s", err)
			}
			assertNoSecret(t, err.Error())
			if strings.Contains(err.Error(), "pk_live_pasted_by_mistake") {
				t.Error("a key pasted into apiKeyEnv is echoed")
			}
		})
	}
}

func TestLoadWarnings(t *testing.T) {
	r := load(t, "warnings.yaml")
	want := []string{
		"line 5: teams \"sales\" and \"renewals\" use the same Kendo key (key_",
		"line 5: match.campaignIds 81422 is listed by teams \"sales\" and \"renewals\"; the first, \"sales\", takes those calls",
		"line 8: team \"later\" has no match and is not the default: it receives no call",
	}
	got := r.Warnings()
	if len(got) != len(want) {
		t.Fatalf("warnings %q", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("warning %d = %q, want %q…", i, got[i], want[i])
		}
		assertNoSecret(t, got[i])
	}
}

func TestRoute(t *testing.T) {
	twoTeams := load(t, "two-teams.yaml")
	byAgent := load(t, "by-agent.yaml")
	single := teams.Single("pk_single_secret_key", thirtyPerMin)
	tests := []struct {
		name   string
		router *teams.Router
		fields teams.Fields
		want   string // "" = unrouted
	}{
		{"campaign", twoTeams, teams.Fields{CampaignID: "81422", RingGroupID: "4410"}, "sales"}, // first match wins
		{"ring group", twoTeams, teams.Fields{CampaignID: "1", RingGroupID: "4410"}, "support"},
		{"leading zeros and spaces", twoTeams, teams.Fields{RingGroupID: " 04410 "}, "support"},
		{"nothing matches: default", twoTeams, teams.Fields{CampaignID: "999", UserEmail: "a@b.co"}, "sales"},
		{"no fields: default", twoTeams, teams.Fields{}, "sales"},
		{"user id as listed number", byAgent, teams.Fields{UserID: "120776"}, "enterprise"},
		{"user id listed with a leading zero", byAgent, teams.Fields{UserID: "120777"}, "enterprise"},
		{"e-mail in other case", byAgent, teams.Fields{UserEmail: "DANA.LEE@example.COM"}, "enterprise"},
		{"ring group of the second team", byAgent, teams.Fields{RingGroupID: "29109", UserID: "5"}, "smb"},
		{"agent before line", byAgent, teams.Fields{CampaignID: "63949", UserID: "120776"}, "enterprise"},
		{"no default: unrouted", byAgent, teams.Fields{CampaignID: "1", RingGroupID: "2", UserID: "3", UserEmail: "x@y.z"}, ""},
		{"not an id never matches", byAgent, teams.Fields{UserID: "120776x"}, ""},
		{"empty list matches nothing", load(t, "only-default.yaml"), teams.Fields{CampaignID: "0"}, "everyone"},
		{"single key: every call", single, teams.Fields{CampaignID: "81422"}, teams.SingleName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.router.Route(tt.fields)
			if ok != (tt.want != "") || got.Name != tt.want {
				t.Errorf("Route(%+v) = %q %v, want %q", tt.fields, got.Name, ok, tt.want)
			}
		})
	}
}

func TestSingle(t *testing.T) {
	r := teams.Single(" pk_single_secret_key ", kendo.Rate{Limit: 5, Period: time.Second})
	all := r.Teams()
	if len(all) != 1 || all[0].Name != "default" || all[0].APIKey != "pk_single_secret_key" || all[0].Rate.String() != "5/s" || !all[0].Empty() {
		t.Fatalf("Single = %#v", all)
	}
	if d, ok := r.Default(); !ok || d.Name != "default" {
		t.Errorf("default = %v %v", d, ok)
	}
	if s := r.WebhookSecrets(); len(s) != 0 {
		t.Errorf("secrets %q", s)
	}
	if got := teams.Single("", kendo.DefaultRate).String(); got != "default (no key, 30/min); default default" {
		t.Errorf("String without a key = %q", got)
	}
}

func TestLookupAndSecrets(t *testing.T) {
	r := load(t, "two-teams.yaml")
	if team, ok := r.Lookup("support"); !ok || team.APIKey != "pk_support_secret_key" {
		t.Errorf("Lookup(support) = %v %v", team, ok)
	}
	if _, ok := r.Lookup("Support"); ok {
		t.Error("Lookup is exact")
	}
	s := r.WebhookSecrets()
	if len(s) != 1 || string(s[0]) != "whsec_sales_secret" {
		t.Errorf("WebhookSecrets = %q", s)
	}
}

// Keys and secrets never print, whatever prints the team or the router.
func TestSecretsNeverPrint(t *testing.T) {
	r := load(t, "two-teams.yaml")
	team, _ := r.Lookup("sales")
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	log.Info("router", "teams", r, "team", team)
	log.Info("teams", "list", r.Teams())
	teamJSON, _ := json.Marshal(team)
	outputs := map[string]string{
		"%v router": fmt.Sprintf("%v", r), "%+v router": fmt.Sprintf("%+v", r), "%#v router": fmt.Sprintf("%#v", r),
		"%v team": fmt.Sprintf("%v", team), "%+v team": fmt.Sprintf("%+v", team), "%#v team": fmt.Sprintf("%#v", team),
		"%v teams": fmt.Sprintf("%v", r.Teams()), "%#v teams": fmt.Sprintf("%#v", r.Teams()),
		"slog": logs.String(), "json": string(teamJSON),
	}
	for how, out := range outputs {
		assertNoSecret(t, out)
		if !strings.Contains(out, "sales") {
			t.Errorf("%s does not name the team: %s", how, out)
		}
	}
	if want := "sales (" + kendo.KeyID("pk_sales_secret_key") + ", 30/min), support (" + kendo.KeyID("pk_support_secret_key") + ", 30/min); default sales"; r.String() != want {
		t.Errorf("String = %q, want %q", r.String(), want)
	}
	if !strings.Contains(logs.String(), `"keyId":"`+team.KeyID()+`"`) {
		t.Errorf("slog lacks the key id: %s", logs.String())
	}
}

func assertNoSecret(t *testing.T, s string) {
	t.Helper()
	for _, v := range env {
		if strings.Contains(s, strings.TrimSpace(v)) {
			t.Errorf("prints a secret: %s", s)
		}
	}
}
