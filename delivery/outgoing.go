package delivery

import (
	"github.com/aloware-kendo/aloware-kendo/mapping"
)

// outgoing is what will be sent for a merged call: mapping's verdict and payload, with the
// rep from the Users API or the e-mail map when the events lacked one (rule P3 applies to
// it as to the events' own fields) and the team the call is routed to. The delivery job,
// the ops page's preview and POST /map all use it, so /map shows exactly what is sent.
func (s *Service) outgoing(c mapping.Call) mapping.Result {
	res := mapping.Map(c)
	if res.Payload != nil && s.opts.Reps != nil {
		rep := s.opts.Reps.Resolve(c.Comm.UserID, res.Payload.RepName, res.Payload.RepEmail)
		res.Warnings = append(res.Warnings, mapping.ApplyRep(res.Payload, rep.Name, rep.Email)...)
		if rep.Warning != "" {
			res.Warnings = append(res.Warnings, rep.Warning)
		}
	}
	if res.Ready {
		team, routed, why := s.route(c)
		if routed {
			res.Team = team
		} else {
			res.Warnings = append(res.Warnings, why)
		}
	}
	return res
}

// MapRaw is POST /map on a running service: the pure mapping of one event or of an array
// of one call's events, plus the service's rep lookup, teams file and send rules —
// exactly what would be sent, or why not (state filtered and the rule's reason, so a
// rule can be tried before it is turned on). Nothing is stored.
func (s *Service) MapRaw(raw []byte) (mapping.Result, error) {
	c, err := mapping.MergeRaw(raw)
	if err != nil {
		return mapping.Result{}, err
	}
	res := s.outgoing(c)
	team, routed, _ := s.route(c)
	mapping.ApplySendRules(&res, c, s.sendRules(team, routed))
	return res, nil
}
