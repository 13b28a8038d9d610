package teams_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/teams"
)

// TestLoadShapeProblems pins how each failure of the schema reads: the team, the field,
// what was wanted, at the line of the value (or key) it is about.
func TestLoadShapeProblems(t *testing.T) {
	const sales = "teams:\n  - name: sales\n    apiKeyEnv: KENDO_KEY_SALES\n"
	tests := []struct {
		name, file string
		want       []string
	}{
		{"not a mapping", "- a\n- b\n", []string{"line 1: the file must be a mapping of teams, default"}},
		{"teams null", "teams: null\n", []string{"line 1: `teams` must be a list of teams"}},
		{"teams empty", "teams: []\n", []string{"line 1: `teams` is empty; want at least one team"}},
		{"key given twice", sales + "    name: other\n", []string{"line 4: team \"sales\": `name` is given twice (first on line 2)"}},
		{"key not a name", sales + "    ? [a]\n    : b\n", []string{"line 4: team \"sales\": keys must be plain names"}},
		{"name null", "teams:\n  - name:\n    apiKeyEnv: KENDO_KEY_SALES\n", []string{"line 2: teams[0]: `name` is empty"}},
		{"name not allowed", "teams:\n  - name: \"bad name!\"\n    apiKeyEnv: KENDO_KEY_SALES\n",
			[]string{`line 2: team "bad name!": name "bad name!": use letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit)`}},
		{"apiKeyEnv null", "teams:\n  - name: sales\n    apiKeyEnv:\n", []string{"line 3: team \"sales\": `apiKeyEnv` must be a single value"}},
		{"apiKeyEnv blank", "teams:\n  - name: sales\n    apiKeyEnv: \"  \"\n",
			[]string{"line 3: team \"sales\": `apiKeyEnv` is empty; name the environment variable that holds the Kendo key"}},
		{"list items not values", sales + "    match: {campaignIds: [[1]], userEmails: [null]}\n", []string{
			"line 4: team \"sales\": match.campaignIds[0] must be a single value",
			"line 4: team \"sales\": match.userEmails[0] must be a single value"}},
		{"ids YAML reads as numbers", sales + "    match: {userIds: [1e3, 0x10, -1]}\n", []string{
			`line 4: team "sales": match.userIds[0]: "1e3" is not a numeric id`,
			`line 4: team "sales": match.userIds[1]: "0x10" is not a numeric id`,
			`line 4: team "sales": match.userIds[2]: "-1" is not a numeric id`}},
		{"send shapes", sales + "    send: {minTalkTime: [1], directions: inbound, skipDispositions: [\" \"]}\n", []string{
			"line 4: team \"sales\": `send.minTalkTime` must be a single value",
			`line 4: team "sales": send.directions must be a list, e.g. ["81422"]`,
			`line 4: team "sales": send.skipDispositions[0]: " " is not a disposition name or status`}},
		{"default not a value", sales + "default: [sales]\n", []string{"line 4: `default` must be a single value"}},
		{"unknown top-level field", "x: 1\n" + sales, []string{"line 1: the file: unknown field `x` (known: teams, default)"}},
		{"key twice inside an unknown field", "x: {a: 1, a: 2}\n" + sales, []string{
			"line 1: the file: unknown field `x` (known: teams, default)",
			"line 1: `x`: `a` is given twice (first on line 1)"}},
		{"alias to its own list", "x: &a [*a]\n" + sales, []string{"line 1: the file: unknown field `x` (known: teams, default)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "teams.yaml")
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := teams.Load(path, getenv, thirtyPerMin)
			var te *teams.Error
			if !errors.As(err, &te) || !slices.Equal(te.Problems, tt.want) {
				t.Errorf("Load = %v\nwant problems %q", err, tt.want)
			}
		})
	}
}
