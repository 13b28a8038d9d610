package delivery

import (
	"context"
	"time"

	"github.com/aloware-kendo/aloware-kendo/reps"
)

// Agent is one Aloware agent seen in the calls, as GET /reps lists it: what is sent to
// Kendo for it and how its calls were attributed, so an operator fixes --rep-email-map
// once for the agent instead of call by call.
type Agent struct {
	AlowareUserID string // "" for the calls whose events named no Aloware user
	Name          string // the newest rep name sent for the agent
	RepEmail      string // the e-mail the agent's newest call sends (or sent); "" when none
	// State is the newest call's (mismatch when Kendo's newest analysis of the agent's
	// calls credited another agent or none).
	State      reps.State
	Calls      int
	ByState    map[reps.State]int
	LastCallAt time.Time
}

// Reps lists every agent the calls name, by Aloware user id (the calls with none last).
func (s *Service) Reps(ctx context.Context) ([]Agent, error) {
	rows, err := s.db.Agents(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Agent, 0, len(rows))
	for _, r := range rows {
		a := Agent{AlowareUserID: r.AgentID, Name: r.RepName, RepEmail: r.RepEmail, State: reps.State(r.State),
			Calls: r.Calls, ByState: make(map[reps.State]int, len(r.ByState)), LastCallAt: r.LastCall}
		for st, n := range r.ByState {
			a.ByState[reps.State(st)] = n
		}
		out = append(out, a)
	}
	return out, nil
}
