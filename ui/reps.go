package ui

import (
	"net/http"
	"net/url"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/mask"
	"github.com/aloware-kendo/aloware-kendo/reps"
)

// The reps page: every Aloware agent the calls name and what is sent to Kendo for it, so
// an operator fixes --rep-email-map once per agent.

type repsPage struct {
	layout
	Agents      []agentView
	Unavailable bool
}

type agentView struct {
	UserID, Name, RepEmail string
	State, StateClass      string
	Fix                    string // what to do, for an agent Kendo cannot credit
	Calls                  int
	Mapped, Missing        int
	Invalid, Mismatch      int
	LastCall               string
	CallsLink              string // the agent's calls without a rep, or mismatched
}

func (s *server) reps(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	p := repsPage{layout: s.frame("Reps", "reps", r)}
	agents, err := s.engine.Reps(ctx)
	if err != nil {
		s.log.Warn("ops page: the engine failed", "what", "reps", "error", err)
		p.Unavailable = true
	}
	for _, a := range agents {
		p.Agents = append(p.Agents, agentViewOf(a))
	}
	s.render(w, r, http.StatusOK, "reps", p)
}

func agentViewOf(a delivery.Agent) agentView {
	v := agentView{UserID: a.AlowareUserID, Name: mask.Text(a.Name), RepEmail: a.RepEmail, State: string(a.State),
		StateClass: "ok", Calls: a.Calls, Mapped: a.ByState[reps.Mapped], Missing: a.ByState[reps.Missing],
		Invalid: a.ByState[reps.Invalid], Mismatch: a.ByState[reps.Mismatch], LastCall: fmtTime(a.LastCallAt)}
	key := "the agent's e-mail"
	if a.AlowareUserID != "" {
		key = a.AlowareUserID
	}
	switch a.State {
	case reps.Missing, reps.Invalid:
		v.StateClass = "bad"
		v.Fix = "Add " + key + " to --rep-email-map with the rep's Kendo e-mail."
	case reps.Mismatch:
		v.StateClass = "warn"
		v.Fix = "Kendo credited another agent or none: check that the e-mail sent is the rep's in Kendo, or map " + key + " to the right one."
	}
	if v.Missing+v.Invalid+v.Mismatch > 0 {
		q := url.Values{"rep": {string(reps.Missing), string(reps.Invalid), string(reps.Mismatch)}}
		v.CallsLink = "/ui?" + q.Encode() + "#calls"
	}
	return v
}

// repFlag is the calls list's flag for a rep Kendo cannot credit; "" when the rep is
// mapped or the call is not to be sent.
func repFlag(status lifecycle.Status, state string) string {
	switch status {
	case lifecycle.Ignored, lifecycle.Skipped, lifecycle.Erased:
		return ""
	}
	switch reps.State(state) {
	case reps.Missing, reps.Invalid:
		return "no rep"
	case reps.Mismatch:
		return "rep mismatch"
	}
	return ""
}
