package delivery

import (
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/mapping"
	"github.com/aloware-kendo/aloware-kendo/reps"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// attribution is what outgoing's payload says of a call's rep: the one place the call's
// row learns its agent, the rep it sends and the rep's state.
type attribution struct {
	agentID, repName, repEmail string
	state                      reps.State
}

// attributionOf reads the rep off outgoing's result for the merged call c: the e-mail
// sent is the payload's; an e-mail the events or the rep lookup knew and the payload
// lacks was dropped (Kendo would refuse it). A result without a payload (not a call)
// has no attribution.
func (s *Service) attributionOf(c mapping.Call, res mapping.Result) (attribution, bool) {
	if res.Payload == nil {
		return attribution{}, false
	}
	known := c.Comm.UserEmail
	if known == "" && s.opts.Reps != nil {
		known = s.opts.Reps.Resolve(c.Comm.UserID, "", "").Email
	}
	return attribution{agentID: c.Comm.UserID, repName: res.Payload.RepName, repEmail: res.Payload.RepEmail,
		state: reps.Attribute(res.Payload.RepEmail, known)}, true
}

func (a attribution) setOn(call *store.Call) {
	call.AgentID, call.RepName, call.RepEmail, call.RepState = store.Text(a.agentID, 40), a.repName, a.repEmail, string(a.state)
}

// creditedBy records what Kendo's call.uploaded said of a call sent with a rep: a mismatch
// when it credited another agent or none (the state can go back: Kendo may re-analyse).
// Kendo names the member it matched by the rep's e-mail; besides the name sent, the name
// the rep lookup knows for that e-mail is the same person.
func (s *Service) creditedBy(call *store.Call, kendoAgentName string) {
	switch reps.State(call.RepState) {
	case reps.Mapped, reps.Mismatch:
		call.RepState = string(reps.Mapped)
		var also []string
		if n, ok := s.opts.Reps.(repNamer); ok && call.RepEmail != "" {
			also = append(also, n.NameOf(call.RepEmail))
		}
		if !reps.Credited(call.RepName, kendoAgentName, also...) {
			call.RepState = string(reps.Mismatch)
		}
	}
}

// repNamer is a rep lookup that can name the person an e-mail belongs to.
type repNamer interface {
	NameOf(email string) string
}

// repWarning is what a call's record and the /push answer say of its rep; "" when the
// rep is mapped, or the call is not a call or not to be sent (ignored, skipped: missed,
// filtered or stopped; erased), as nothing is credited then.
func repWarning(status lifecycle.Status, state, agentID, kendoAgentName string) string {
	switch status {
	case lifecycle.Ignored, lifecycle.Skipped, lifecycle.Erased:
		return ""
	}
	return reps.Warning(reps.State(state), agentID, kendoAgentName)
}
