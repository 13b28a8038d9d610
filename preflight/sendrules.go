package preflight

import (
	"strings"

	"github.com/aloware-kendo/aloware-kendo/mapping"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// SendRules says which finished calls are sent: the flags' rules and each team's own,
// so an operator sees before starting what will be skipped. It always passes: any rule
// is a valid choice, and a wrong value never gets this far (configuration refuses it).
func SendRules(flags mapping.SendRules, all []teams.Team) Check {
	detail := []string{flags.String()}
	for _, t := range all {
		if t.Send != nil {
			detail = append(detail, "team "+t.Name+": "+t.SendRules(flags).String())
		}
	}
	return pass("send rules", "%s", strings.Join(detail, " | "))
}
