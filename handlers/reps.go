package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/aloware-kendo/aloware-kendo/mask"
	"github.com/aloware-kendo/aloware-kendo/reps"
)

// Agent is one Aloware agent in GET /reps.
type Agent struct {
	AlowareUserID string         `json:"alowareUserId,omitempty" doc:"the agent's Aloware user id, the key for --rep-email-map; absent on the one row of calls whose events named no Aloware user" example:"120776"`
	Name          string         `json:"name,omitempty" doc:"the newest rep name sent for the agent" example:"Sam Carter"`
	RepEmail      string         `json:"repEmail,omitempty" doc:"the e-mail the agent's newest call sends (or sent) as repEmail; absent when none" example:"sam@example.com"`
	State         string         `json:"state" enum:"mapped,missing,invalid,mismatch" doc:"the newest call's rep state; mismatch when Kendo's newest analysis of the agent's calls credited another agent or none"`
	Calls         int            `json:"calls" doc:"the agent's calls"`
	ByState       map[string]int `json:"byState" doc:"the agent's calls per rep state"`
	LastCallAt    time.Time      `json:"lastCallAt" doc:"when the agent's newest call was first seen"`
}

// RepsPage answers GET /reps.
type RepsPage struct {
	Items []Agent `json:"items" doc:"by Aloware user id; the calls that named no Aloware user last"`
}

type repsOutput struct {
	Body RepsPage
}

func registerReps(api huma.API, s *server) {
	huma.Register(api, huma.Operation{
		OperationID: "list-reps",
		Method:      http.MethodGet,
		Path:        "/reps",
		Summary:     "List the Aloware agents and what is sent for them",
		Description: "Every Aloware agent the calls name: its user id, the rep name and e-mail sent to Kendo, the state " +
			"of its newest call's rep (`mapped`, `missing`, `invalid`, `mismatch`) and its calls per state — so an " +
			"agent Kendo cannot credit is fixed once in --rep-email-map (by user id) rather than found call by call.",
		Tags:     []string{"calls"},
		Errors:   []int{http.StatusUnauthorized, http.StatusServiceUnavailable},
		Security: protected,
	}, s.listReps)
}

func (s *server) listReps(ctx context.Context, _ *struct{}) (*repsOutput, error) {
	if s.deps.Operator == nil {
		return nil, unavailable("delivery is not configured in this process")
	}
	agents, err := s.deps.Operator.Reps(ctx)
	if err != nil {
		s.log.Error("list-reps: database error", "error", err)
		return nil, unavailable("the reps could not be read; try again")
	}
	page := RepsPage{Items: make([]Agent, 0, len(agents))}
	for _, a := range agents {
		w := Agent{AlowareUserID: a.AlowareUserID, Name: mask.Text(a.Name), RepEmail: a.RepEmail, State: string(a.State),
			Calls: a.Calls, ByState: map[string]int{}, LastCallAt: a.LastCallAt}
		for _, st := range reps.States {
			w.ByState[string(st)] = a.ByState[st]
		}
		page.Items = append(page.Items, w)
	}
	return &repsOutput{Body: page}, nil
}

func repStatesOf(ss []string) []reps.State {
	out := make([]reps.State, 0, len(ss))
	for _, s := range ss {
		out = append(out, reps.State(s))
	}
	return out
}
