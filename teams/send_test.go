package teams_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/mapping"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// TestTeamSendRules: a team's `send:` replaces the flag of each rule it gives, for its
// calls only, and the reason names the team's rule.
func TestTeamSendRules(t *testing.T) {
	r := load(t, "send-rules.yaml")
	flags := mapping.SendRules{MinTalkTime: 10 * time.Second, Directions: []string{"inbound", "outbound"}, SkipDispositions: []string{"DNC"}}
	rules := func(name string) mapping.SendRules {
		team, ok := r.Lookup(name)
		if !ok {
			t.Fatalf("no team %s", name)
		}
		return team.SendRules(flags)
	}
	sales := rules("sales")
	if sales.MinTalkTime != 30*time.Second || sales.MinTalkTimeFrom != "team sales's send.minTalkTime" ||
		strings.Join(sales.Directions, ",") != "outbound" || strings.Join(sales.SkipDispositions, ",") != "DNC" {
		t.Errorf("sales: %+v", sales)
	}
	support := rules("support")
	if support.MinTalkTime != 0 || strings.Join(support.Directions, ",") != "inbound,outbound" ||
		strings.Join(support.SkipDispositions, ",") != "Voicemail,Wrong number" || support.SkipDispositionsFrom != "team support's send.skipDispositions" {
		t.Errorf("support: %+v", support)
	}
	if smb := rules("smb"); smb.String() != flags.String() || smb.MinTalkTimeFrom != "" {
		t.Errorf("smb (no send:) has %+v, want the flags'", smb)
	}
}

func TestTeamSendProblems(t *testing.T) {
	_, err := teams.Load(filepath.Join("testdata", "send-problems.yaml"), getenv, thirtyPerMin)
	var te *teams.Error
	if !errors.As(err, &te) {
		t.Fatalf("err = %v", err)
	}
	got := strings.Join(te.Problems, "\n")
	for _, want := range []string{
		"line 4: team \"sales\": `send`: unknown field `skipDisposition` (did you mean `skipDispositions`?)",
		"line 4: team \"sales\": send.minTalkTime: -5s is negative",
		"line 4: team \"sales\": send.directions[0]: \"sideways\" is not inbound or outbound",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing problem %q in:\n%s", want, got)
		}
	}
}
