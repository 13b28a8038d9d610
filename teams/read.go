package teams

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/mapping"
)

// What the schema cannot check is read here, from the values it found well shaped (a
// value it refused is not read again, so a problem is reported once): the variables a
// team names are set, rates and talk times parse, ids and e-mails in canonical form,
// names differ ignoring case, default names a team.

// placed is a team as read, with the nodes its later checks point at.
type placed struct {
	Team
	node, nameNode *yaml.Node
}

// team reads one entry of `teams`; false when it is not a mapping at all.
func (l *loader) team(i int, n *yaml.Node) (placed, bool) {
	if n.Kind != yaml.MappingNode {
		return placed{}, false
	}
	at := func(key ...string) []string { return append([]string{"teams", strconv.Itoa(i)}, key...) }
	p := placed{node: n}
	label := teamLabel(i, n)
	if v := field(n, "name"); v != nil && l.shaped(at("name")...) {
		p.Name, p.nameNode = v.Value, v
	}
	if v := field(n, "apiKeyEnv"); v != nil && l.shaped(at("apiKeyEnv")...) {
		p.APIKey = l.secret(v, label, "apiKeyEnv", "Kendo key")
	}
	if v := field(n, "webhookSecretEnv"); v != nil && !isNull(v) && l.shaped(at("webhookSecretEnv")...) {
		p.WebhookSecret = l.secret(v, label, "webhookSecretEnv", "webhook secret")
	}
	p.Rate = l.rate
	if v := field(n, "rate"); v != nil && !isNull(v) && l.shaped(at("rate")...) {
		if rate, err := kendo.ParseRate(v.Value); err != nil {
			l.problem(v, "%s: %v", label, err)
		} else {
			p.Rate = rate
		}
	}
	if v := field(n, "match"); v != nil && !isNull(v) { // values skips what the schema refused
		p.Match = Match{
			CampaignIDs:  values(field(v, "campaignIds"), canonicalID),
			RingGroupIDs: values(field(v, "ringGroupIds"), canonicalID),
			UserIDs:      values(field(v, "userIds"), canonicalID),
			UserEmails:   values(field(v, "userEmails"), canonicalEmail),
		}
	}
	if v := field(n, "send"); v != nil && !isNull(v) {
		p.Send = l.send(v, label, func(key string) bool { return l.shaped(at("send", key)...) })
	}
	return p, true
}

// secret reads the variable a team names in key (apiKeyEnv or webhookSecretEnv). The
// messages name the variable, never its value.
func (l *loader) secret(n *yaml.Node, label, key, what string) string {
	name := strings.TrimSpace(n.Value)
	v := strings.TrimSpace(l.getenv(name))
	switch {
	case v == "":
		l.problem(n, "%s: environment variable %s (its `%s`) is not set or empty", label, name, key)
	case !printable(v):
		l.problem(n, "%s: the %s in %s must be printable ASCII without spaces", label, what, name)
	default:
		return v
	}
	return ""
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// send reads a team's own send rules; a rule it leaves out is the flag's. shaped says
// which rules the schema accepted.
func (l *loader) send(n *yaml.Node, label string, shaped func(key string) bool) *Send {
	var s Send
	if v := field(n, "minTalkTime"); v != nil && !isNull(v) && shaped("minTalkTime") {
		d, err := mapping.ParseMinTalkTime(v.Value)
		if err != nil {
			l.problem(v, "%s: send.minTalkTime: %v", label, err)
		} else {
			s.MinTalkTime = &d
		}
	}
	if v := field(n, "directions"); v != nil && !isNull(v) {
		s.Directions = values(v, mapping.CanonicalDirection)
		if s.Directions == nil {
			s.Directions = []string{} // an empty list sends no direction: the team takes none
		}
	}
	if v := field(n, "skipDispositions"); v != nil && !isNull(v) {
		s.SkipDispositions = values(v, func(v string) (string, bool) { return strings.TrimSpace(v), true })
		if s.SkipDispositions == nil {
			s.SkipDispositions = []string{}
		}
	}
	return &s
}

// values reads one list in canonical form and without repeats (a number and a numeric
// string are the same id), skipping the items canon refuses: the schema reported them.
func values(n *yaml.Node, canon func(string) (string, bool)) []string {
	if n == nil || isNull(n) {
		return nil
	}
	var out []string
	for _, item := range n.Content {
		if v, ok := canon(deref(item).Value); ok && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func (l *loader) uniqueNames(teams []placed) {
	first := map[string]placed{}
	for _, t := range teams {
		if t.Name == "" {
			continue
		}
		key := strings.ToLower(t.Name)
		if f, dup := first[key]; dup {
			l.problem(t.nameNode, "team name %q is used twice (also on line %d); names must differ, ignoring case", t.Name, f.nameNode.Line)
			continue
		}
		first[key] = t
	}
}

// defaultTeam is the index of the team `default` names, -1 without one.
func (l *loader) defaultTeam(teams []placed) int {
	n := field(l.root, "default")
	if n == nil || !l.shaped("default") {
		return -1
	}
	for i, t := range teams {
		if t.Name == n.Value {
			return i
		}
	}
	l.problem(n, "default %q is not a team (teams: %s)", n.Value, namesOf(teams))
	return -1
}

// warnAmbiguities warns about what routes differently than it reads: a team no call
// can reach, a key two teams share (one Kendo team, one pacing window), and a value
// two teams list (the first team wins).
func (l *loader) warnAmbiguities(teams []placed, def int) {
	keys := map[string]string{}
	for i, t := range teams {
		if t.Empty() && i != def {
			l.warn(t.node, "team %q has no match and is not the default: it receives no call", t.Name)
		}
		if other, shared := keys[t.APIKey]; shared {
			l.warn(t.node, "teams %q and %q use the same Kendo key (%s): they deliver to one Kendo team and share one pacing window", other, t.Name, t.KeyID())
		} else {
			keys[t.APIKey] = t.Name
		}
	}
	type listed struct{ field, value string }
	owner := map[listed]string{}
	for _, t := range teams {
		for i, values := range [][]string{t.CampaignIDs, t.RingGroupIDs, t.UserIDs, t.UserEmails} {
			field := propertiesAt("#/$defs/team/properties/match")[i]
			for _, v := range values {
				k := listed{field, v}
				if first, ok := owner[k]; ok {
					l.warn(t.node, "match.%s %s is listed by teams %q and %q; the first, %q, takes those calls", field, v, first, t.Name, first)
					continue
				}
				owner[k] = t.Name
			}
		}
	}
}

// suggest proposes the known key a typo most likely meant (the same letters ignoring
// case, separators and a missing or extra plural s), else lists the known keys.
func suggest(key string, known []string) string {
	norm := func(s string) string {
		s = strings.ToLower(strings.NewReplacer("_", "", "-", "", " ", "").Replace(s))
		return strings.TrimSuffix(s, "s")
	}
	for _, k := range known {
		if norm(k) == norm(key) {
			return fmt.Sprintf("did you mean `%s`?", k)
		}
	}
	return "known: " + strings.Join(known, ", ")
}

func namesOf(teams []placed) string {
	var names []string
	for _, t := range teams {
		if t.Name != "" {
			names = append(names, t.Name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// field finds key in a mapping node (the first, when it is given twice).
func field(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return deref(n.Content[i+1])
		}
	}
	return nil
}

func scalarValue(n *yaml.Node) (string, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || isNull(n) {
		return "", false
	}
	return n.Value, true
}

func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// deref follows YAML aliases (*anchor) to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}
