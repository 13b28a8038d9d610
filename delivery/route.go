package delivery

import (
	"fmt"
	"strings"

	"github.com/aloware-kendo/aloware-kendo/mapping"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// route decides the Kendo team of a ready call (the teams file's first matching team,
// else its default); why says what was looked at when none matched.
func (s *Service) route(c mapping.Call) (team string, routed bool, why string) {
	f := teams.Fields{CampaignID: c.Comm.CampaignID, RingGroupID: c.Comm.RingGroupID, UserID: c.Comm.UserID, UserEmail: c.Comm.UserEmail}
	if t, ok := s.opts.Teams.Route(f); ok {
		return t.Name, true, ""
	}
	var seen []string
	for _, kv := range [][2]string{{"campaign", f.CampaignID}, {"ring group", f.RingGroupID}, {"user", f.UserID}} {
		if kv[1] != "" {
			seen = append(seen, kv[0]+" "+kv[1])
		}
	}
	if f.UserEmail != "" {
		seen = append(seen, "the agent's e-mail")
	}
	what := "the call carries no campaign, ring group or user"
	if len(seen) > 0 {
		what = "looked at " + strings.Join(seen, ", ")
	}
	return "", false, fmt.Sprintf("no team's match holds and the teams file names no default (%s); fix the file, then redeliver", what)
}
