package delivery

import (
	"github.com/aloware-kendo/aloware-kendo/mapping"
)

// outgoing is what goes to Kendo for a merged call, and the one place that decides it:
// mapping's verdict and payload; the rep from the Users API or the e-mail map when the
// events lacked one (rule P3 applies to it as to the events' own fields); and, once Kendo
// answered 413 (shrunk), the payload shrunk — shrunkHow says how ("" when it was not).
// The delivery job sends it; before a call's first request its record shows it and its
// listing reads the rep's e-mail off it; POST /map answers it.
func (s *Service) outgoing(c mapping.Call, shrunk bool) (res mapping.Result, shrunkHow string) {
	res = mapping.Map(c)
	if res.Payload == nil {
		return res, ""
	}
	if s.opts.Reps != nil {
		rep := s.opts.Reps.Resolve(c.Comm.UserID, res.Payload.RepName, res.Payload.RepEmail)
		res.Warnings = append(res.Warnings, mapping.ApplyRep(res.Payload, rep.Name, rep.Email)...)
		if rep.Warning != "" {
			res.Warnings = append(res.Warnings, rep.Warning)
		}
	}
	if shrunk {
		shrunkHow = mapping.ShrinkAfter413(res.Payload)
	}
	return res, shrunkHow
}

// MapRaw is POST /map on a running service: the pure mapping of one event or of an array
// of one call's events, plus the service's rep lookup, teams file and send rules —
// exactly what would be sent, the team it would go to, or why not (state filtered and
// the rule's reason, so a rule can be tried before it is turned on). Nothing is stored.
func (s *Service) MapRaw(raw []byte) (mapping.Result, error) {
	c, err := mapping.MergeRaw(raw)
	if err != nil {
		return mapping.Result{}, err
	}
	res, _ := s.outgoing(c, false)
	team, routed, unrouted := s.route(c)
	if res.Ready {
		if routed {
			res.Team = team
		} else {
			res.Warnings = append(res.Warnings, unrouted)
		}
	}
	mapping.ApplySendRules(&res, c, s.sendRules(team, routed))
	return res, nil
}
