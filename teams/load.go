package teams

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/schema"
)

// Error lists every problem of a teams file, one line each, in the order of the lines
// they are on, each with its line number where it has one. A service never starts on a
// file with problems.
type Error struct {
	Path     string
	Problems []string
}

func (e *Error) Error() string {
	return fmt.Sprintf("teams file %s: %d problem(s):\n  %s", e.Path, len(e.Problems), strings.Join(e.Problems, "\n  "))
}

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
// Its shape is checked by schema/teams.schema.json, the rest here: the variables are
// set, rates and talk times parse, names differ, default names a team. Keys and secrets
// come from the environment (getenv), never from the file. Unknown fields are problems,
// so a typo cannot silently route nothing. Every problem is reported at once in an
// *Error. What is allowed but probably not meant is a warning (Router.Warnings): a team
// with no match that is not the default receives no call, which is a harmless state (a
// team set up before its rules), not a reason to refuse to start.
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
		return nil, &Error{Path: path, Problems: l.sorted(l.problems)}
	}
	r.warnings = l.sorted(l.warnings)
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
	root     *yaml.Node // the document's top-level value
	problems []finding
	warnings []finding
	shapeBad []string // where the schema found a problem (joined instance locations)
}

// finding is a problem or a warning and the node it is about (nil: the whole file).
type finding struct {
	node *yaml.Node
	text string
}

func (l *loader) problem(n *yaml.Node, format string, args ...any) {
	l.problems = append(l.problems, finding{n, fmt.Sprintf(format, args...)})
}

func (l *loader) warn(n *yaml.Node, format string, args ...any) {
	l.warnings = append(l.warnings, finding{n, fmt.Sprintf(format, args...)})
}

// sorted orders findings as the file reads, top to bottom (those about the whole file
// first), and prefixes each with its line.
func (l *loader) sorted(fs []finding) []string {
	var none yaml.Node // line 0: the whole file
	for i := range fs {
		fs[i].node = cmp.Or(fs[i].node, &none)
	}
	slices.SortStableFunc(fs, func(a, b finding) int {
		return cmp.Or(cmp.Compare(a.node.Line, b.node.Line), cmp.Compare(a.node.Column, b.node.Column))
	})
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.text
		if f.node.Line > 0 {
			out[i] = fmt.Sprintf("line %d: %s", f.node.Line, f.text)
		}
	}
	return out
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
	l.root = deref(doc.Content[0])
	l.checkShape()
	if l.root.Kind != yaml.MappingNode {
		return nil // nothing further to read
	}
	var teams []placed
	if list := field(l.root, "teams"); list != nil && list.Kind == yaml.SequenceNode {
		for i, n := range list.Content {
			if t, ok := l.team(i, deref(n)); ok {
				teams = append(teams, t)
			}
		}
	}
	l.uniqueNames(teams)
	def := l.defaultTeam(teams)
	if len(l.problems) > 0 {
		return nil
	}
	l.warnAmbiguities(teams, def)
	r := &Router{def: def}
	for _, t := range teams {
		r.teams = append(r.teams, t.Team)
	}
	return r
}

// checkShape validates the file against its schema, reporting each failure at the line
// of the value (or key) it is about.
func (l *loader) checkShape() {
	err := schema.TeamsFileSchema().Validate(l.plain(l.root, nil, 0))
	var ve *jsonschema.ValidationError
	switch {
	case errors.As(err, &ve):
		l.shapeLeaves(ve)
	case err != nil:
		l.problem(nil, "%v", err)
	}
}
