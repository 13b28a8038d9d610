package teams

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/mapping"
)

// Error lists every problem of a teams file, one line each, each with its line number
// where it has one. A service never starts on a file with problems.
type Error struct {
	Path     string
	Problems []string
}

func (e *Error) Error() string {
	return fmt.Sprintf("teams file %s: %d problem(s):\n  %s", e.Path, len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// The file's keys, as docs/configuration.md documents them.
var (
	fileKeys  = []string{"teams", "default"}
	teamKeys  = []string{"name", "apiKeyEnv", "webhookSecretEnv", "rate", "match", "send"}
	matchKeys = []string{"campaignIds", "ringGroupIds", "userIds", "userEmails"}
	sendKeys  = []string{"minTalkTime", "directions", "skipDispositions"}
)

// envName is what apiKeyEnv and webhookSecretEnv may hold. Upper case only: a value in
// another form is most likely the key or secret pasted in by mistake, and must then
// never be echoed in an error.
var envName = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)

// teamName keeps names usable as metric labels, in logs and in URLs of the ops page.
var teamName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// Load reads a teams file (YAML, or JSON, which is YAML too):
//
//	teams:
//	  - name: sales
//	    apiKeyEnv: KENDO_KEY_SALES            # the key is read from this variable
//	    webhookSecretEnv: KENDO_WEBHOOK_SECRET_SALES   # optional
//	    rate: 30/min                          # optional, else defaultRate
//	    match: {campaignIds: ["81422"], ringGroupIds: [], userIds: [], userEmails: []}
//	    send: {minTalkTime: 30s, directions: [inbound], skipDispositions: [Voicemail]}  # optional
//	default: sales                            # optional
//
// Keys and secrets come from the environment (getenv), never from the file. Unknown
// fields are problems, so a typo cannot silently route nothing. Every problem is
// reported at once in an *Error. What is allowed but probably not meant is a warning
// (Router.Warnings): a team with no match that is not the default receives no call,
// which is a harmless state (a team set up before its rules), not a reason to refuse
// to start.
func Load(path string, getenv func(string) string, defaultRate kendo.Rate) (*Router, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Path: path, Problems: []string{fmt.Sprintf("cannot read the file: %v", unwrapPath(err))}}
	}
	l := &loader{getenv: getenv, rate: defaultRate}
	r := l.file(raw)
	if len(l.problems) > 0 {
		return nil, &Error{Path: path, Problems: l.problems}
	}
	return r, nil
}

// unwrapPath drops the path from an *os.PathError: Error already names the file.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

type loader struct {
	getenv   func(string) string
	rate     kendo.Rate
	problems []string
	warnings []string
}

func (l *loader) problem(n *yaml.Node, format string, args ...any) {
	l.problems = append(l.problems, at(n)+fmt.Sprintf(format, args...))
}

func (l *loader) warn(n *yaml.Node, format string, args ...any) {
	l.warnings = append(l.warnings, at(n)+fmt.Sprintf(format, args...))
}

func at(n *yaml.Node) string {
	if n == nil || n.Line == 0 {
		return ""
	}
	return fmt.Sprintf("line %d: ", n.Line)
}

// placed is a team as read, with the nodes its later checks point at.
type placed struct {
	Team
	node, nameNode *yaml.Node
	label          string // `team "sales"`, or `teams[2]` while it has no name
}

func (l *loader) file(raw []byte) *Router {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		l.problem(nil, "not YAML or JSON: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		return nil
	}
	if doc.Kind == 0 || len(doc.Content) == 0 || isNull(doc.Content[0]) {
		l.problem(nil, "the file is empty; want `teams:` with at least one team")
		return nil
	}
	root := deref(doc.Content[0])
	fields := l.object(root, "the file", fileKeys)
	if fields == nil {
		return nil
	}

	var teams []placed
	switch list := fields["teams"]; {
	case list == nil:
		l.problem(root, "no `teams:` list; want at least one team")
	case list.Kind != yaml.SequenceNode:
		l.problem(list, "`teams` must be a list of teams")
	case len(list.Content) == 0:
		l.problem(list, "`teams` is empty; want at least one team")
	default:
		for i, n := range list.Content {
			if t, ok := l.team(i, deref(n)); ok {
				teams = append(teams, t)
			}
		}
	}
	l.uniqueNames(teams)

	def := -1
	if n := fields["default"]; n != nil {
		name, ok := l.scalar(n, "`default`")
		if ok {
			for i, t := range teams {
				if t.Name == name {
					def = i
				}
			}
			if def < 0 {
				l.problem(n, "default %q is not a team (teams: %s)", name, namesOf(teams))
			}
		}
	}
	if len(l.problems) > 0 {
		return nil
	}
	l.warnAmbiguities(teams, def)

	r := &Router{def: def, warnings: l.warnings}
	for _, t := range teams {
		r.teams = append(r.teams, t.Team)
	}
	return r
}

// team reads one entry of `teams`; false when it is too broken to check further.
func (l *loader) team(i int, n *yaml.Node) (placed, bool) {
	p := placed{node: n, label: fmt.Sprintf("teams[%d]", i)}
	if nameNode := field(n, "name"); nameNode != nil {
		if name, ok := scalarValue(nameNode); ok && name != "" {
			p.label = fmt.Sprintf("team %q", name)
		}
	}
	fields := l.object(n, p.label, teamKeys)
	if fields == nil {
		return p, false
	}

	switch n := fields["name"]; {
	case n == nil:
		l.problem(p.node, "%s: `name` is missing", p.label)
	case isNull(n):
		l.problem(n, "%s: `name` is empty", p.label)
	default:
		p.nameNode = n
		if name, ok := l.scalar(n, p.label+": `name`"); ok {
			switch {
			case name == "":
				l.problem(n, "%s: `name` is empty", p.label)
			case !teamName.MatchString(name):
				l.problem(n, "%s: name %q: use letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit)", p.label, name)
			default:
				p.Name = name
			}
		}
	}

	if n := fields["apiKeyEnv"]; n == nil {
		l.problem(p.node, "%s: `apiKeyEnv` is missing (the environment variable that holds the team's Kendo key)", p.label)
	} else {
		p.APIKey = l.secret(n, p.label, "apiKeyEnv", "Kendo key")
	}
	if n := fields["webhookSecretEnv"]; n != nil && !isNull(n) {
		p.WebhookSecret = l.secret(n, p.label, "webhookSecretEnv", "webhook secret")
	}

	p.Rate = l.rate
	if n := fields["rate"]; n != nil && !isNull(n) {
		if s, ok := l.scalar(n, p.label+": `rate`"); ok {
			rate, err := kendo.ParseRate(s)
			if err != nil {
				l.problem(n, "%s: %v", p.label, err)
			} else {
				p.Rate = rate
			}
		}
	}

	if n := fields["match"]; n != nil && !isNull(n) {
		p.Match = l.match(n, p.label)
	}
	if n := fields["send"]; n != nil && !isNull(n) {
		p.Send = l.send(n, p.label)
	}
	return p, true
}

// secret reads the variable a team names in key (apiKeyEnv or webhookSecretEnv). The
// messages name the variable, never its value; a value that is not a variable name is
// not echoed either (it may be the secret itself).
func (l *loader) secret(n *yaml.Node, label, key, what string) string {
	name, ok := l.scalar(n, label+": `"+key+"`")
	if !ok {
		return ""
	}
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		l.problem(n, "%s: `%s` is empty; name the environment variable that holds the %s", label, key, what)
		return ""
	case !envName.MatchString(name):
		l.problem(n, "%s: `%s` must name an environment variable (A-Z, 0-9 and _), not hold the %s itself; its value is not shown", label, key, what)
		return ""
	}
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

func (l *loader) match(n *yaml.Node, label string) Match {
	fields := l.object(deref(n), label+": `match`", matchKeys)
	var m Match
	if fields == nil {
		return m
	}
	m.CampaignIDs = l.values(fields["campaignIds"], label, "match.campaignIds", canonicalID, "a numeric id")
	m.RingGroupIDs = l.values(fields["ringGroupIds"], label, "match.ringGroupIds", canonicalID, "a numeric id")
	m.UserIDs = l.values(fields["userIds"], label, "match.userIds", canonicalID, "a numeric id")
	m.UserEmails = l.values(fields["userEmails"], label, "match.userEmails", canonicalEmail, "an e-mail address")
	return m
}

// send reads a team's own send rules; a rule it leaves out is the flag's.
func (l *loader) send(n *yaml.Node, label string) *Send {
	fields := l.object(deref(n), label+": `send`", sendKeys)
	if fields == nil {
		return nil
	}
	var s Send
	if n := fields["minTalkTime"]; n != nil && !isNull(n) {
		if v, ok := l.scalar(n, label+": `send.minTalkTime`"); ok {
			d, err := mapping.ParseMinTalkTime(v)
			if err != nil {
				l.problem(n, "%s: send.minTalkTime: %v", label, err)
			} else {
				s.MinTalkTime = &d
			}
		}
	}
	if n := fields["directions"]; n != nil && !isNull(n) {
		s.Directions = l.values(n, label, "send.directions", mapping.CanonicalDirection, "inbound or outbound")
		if s.Directions == nil {
			s.Directions = []string{} // an empty list sends no direction: the team takes none
		}
	}
	if n := fields["skipDispositions"]; n != nil && !isNull(n) {
		s.SkipDispositions = l.values(n, label, "send.skipDispositions", func(v string) (string, bool) {
			v = strings.TrimSpace(v)
			return v, v != ""
		}, "a disposition name or status")
		if s.SkipDispositions == nil {
			s.SkipDispositions = []string{}
		}
	}
	return &s
}

// values reads one match list. A number and a numeric string are the same id; a
// fractional or hexadecimal number is a problem, whatever YAML would make of it.
func (l *loader) values(n *yaml.Node, label, key string, canon func(string) (string, bool), want string) []string {
	if n == nil || isNull(n) {
		return nil
	}
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		l.problem(n, "%s: %s must be a list, e.g. [\"81422\"]", label, key)
		return nil
	}
	var out []string
	for i, item := range n.Content {
		item = deref(item)
		s, ok := scalarValue(item)
		if !ok {
			l.problem(item, "%s: %s[%d] must be a single value", label, key, i)
			continue
		}
		v, ok := canon(s)
		if !ok {
			l.problem(item, "%s: %s[%d]: %q is not %s", label, key, i, s, want)
			continue
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// object reads a mapping, reporting unknown and repeated keys; nil when n is not one.
func (l *loader) object(n *yaml.Node, label string, known []string) map[string]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		l.problem(n, "%s must be a mapping of %s", label, strings.Join(known, ", "))
		return nil
	}
	out := map[string]*yaml.Node{}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			l.problem(k, "%s: keys must be plain names", label)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			l.problem(k, "%s: `%s` is given twice (first on line %d)", label, k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		if !slices.Contains(known, k.Value) {
			l.problem(k, "%s: unknown field `%s` (%s)", label, k.Value, suggest(k.Value, known))
			continue
		}
		out[k.Value] = deref(v)
	}
	return out
}

// scalar reads a single value; what names it in the problem when it is not one.
func (l *loader) scalar(n *yaml.Node, what string) (string, bool) {
	s, ok := scalarValue(n)
	if !ok {
		l.problem(n, "%s must be a single value", what)
	}
	return s, ok
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
			field := matchKeys[i]
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

// field finds key in a mapping node without reporting anything.
func field(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
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
	if n.Kind != yaml.ScalarNode || isNull(n) {
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
