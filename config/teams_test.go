package config

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/teams"
)

func writeTeams(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "teams.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTeams(t *testing.T) {
	path := writeTeams(t, `
teams:
  - name: sales
    apiKeyEnv: KENDO_KEY_SALES
    webhookSecretEnv: KENDO_WEBHOOK_SECRET_SALES
    match: {campaignIds: [81422]}
  - name: support
    apiKeyEnv: KENDO_KEY_SUPPORT
    rate: 5/s
    match: {ringGroupIds: [4410]}
default: sales
`)
	getenv := env("KENDO_KEY_SALES", "pk_sales_secret", "KENDO_KEY_SUPPORT", "pk_support_secret",
		"KENDO_WEBHOOK_SECRET_SALES", "whsec_sales_secret", "ALOWARE_KENDO_KENDO_WEBHOOK_SECRET", "whsec_global_secret",
		"KENDO_API_KEY", "pk_unused_single_key")
	c, err := Parse([]string{"--teams", path, "--kendo-rate", "20/min"}, getenv)
	if err != nil {
		t.Fatal(err)
	}
	all := c.Router.Teams()
	if len(all) != 2 || all[0].Name != "sales" || all[0].Rate.String() != "20/min" || all[1].Rate.String() != "5/s" || all[1].APIKey != "pk_support_secret" {
		t.Fatalf("teams %v", all)
	}
	if got := fmt.Sprintf("%q", c.WebhookSecrets()); got != `["whsec_global_secret" "whsec_sales_secret"]` {
		t.Errorf("WebhookSecrets = %s", got)
	}

	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "config", c)
	for _, out := range []string{c.String(), fmt.Sprintf("%#v", c), logged.String()} {
		for _, secret := range []string{"pk_sales_secret", "pk_support_secret", "whsec_sales_secret", "whsec_global_secret"} {
			if strings.Contains(out, secret) {
				t.Errorf("leaks %s: %s", secret, out)
			}
		}
		if !strings.Contains(out, "teams="+path) && !strings.Contains(out, `"teams":"`+path+`"`) {
			t.Errorf("does not show the teams file: %s", out)
		}
	}
}

func TestTeamsWithoutFile(t *testing.T) {
	c, err := Parse([]string{"--kendo-webhook-secret", "whsec_only"}, env("KENDO_API_KEY", "pk_single"))
	if err != nil {
		t.Fatal(err)
	}
	team, ok := c.Router.Route(teams.Fields{CampaignID: "81422"})
	if !ok || team.Name != "default" || team.APIKey != "pk_single" {
		t.Errorf("single key: %v %v", team, ok)
	}
	if got := fmt.Sprintf("%q", c.WebhookSecrets()); got != `["whsec_only"]` {
		t.Errorf("WebhookSecrets = %s", got)
	}
	if c, _ := Parse(nil, nil); len(c.WebhookSecrets()) != 0 {
		t.Error("secrets without any configured")
	}
}

// A broken teams file is one problem per line, each naming --teams, next to the other
// flags' problems; secrets pasted into it are never echoed.
func TestTeamsProblems(t *testing.T) {
	path := writeTeams(t, `
teams:
  - name: sales
    apiKeyEnv: KENDO_KEY_SALES
  - name: sales
    apiKeyEnv: pk_live_pasted_secret
default: marketing
`)
	_, err := Parse([]string{"--teams", path, "--kendo-rate", "fast"}, nil)
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		"--kendo-rate:",
		"--teams: " + path + ": line 4: team \"sales\": environment variable KENDO_KEY_SALES",
		"--teams: " + path + ": line 5: team name \"sales\" is used twice",
		"--teams: " + path + ": line 6: team \"sales\": `apiKeyEnv` must name an environment variable",
		"--teams: " + path + ": line 7: default \"marketing\" is not a team",
	}
	if len(ce.Problems) != len(want) {
		t.Fatalf("problems:\n%s", strings.Join(ce.Problems, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(ce.Problems[i], w) {
			t.Errorf("problem %d = %q, want %q…", i, ce.Problems[i], w)
		}
	}
	if strings.Contains(err.Error(), "pk_live_pasted_secret") {
		t.Error("echoes a pasted key")
	}
	if _, err := Parse([]string{"--teams", filepath.Join(t.TempDir(), "missing.yaml")}, nil); err == nil || !strings.Contains(err.Error(), "--teams: ") {
		t.Errorf("missing file: %v", err)
	}
}
