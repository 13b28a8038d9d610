package teams

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/aloware-kendo/aloware-kendo/schema"
)

// maxShapeDepth bounds how deep plain follows the document: a valid file nests five
// levels, and a YAML alias may point back at its own ancestor.
const maxShapeDepth = 16

// plain is the document as the schema sees it: mappings, lists, null, and every other
// scalar as its text (so an id may be written 81422 or "81422", and 12.5 is text the
// id pattern refuses). A key given twice, or a key that is not a plain name, is a
// problem here: a decoded mapping cannot show either.
func (l *loader) plain(n *yaml.Node, path []string, depth int) any {
	n = deref(n)
	if depth > maxShapeDepth {
		return "" // refused by the schema wherever it sits: no value nests this deep
	}
	switch n.Kind {
	case yaml.MappingNode:
		out := map[string]any{}
		seen := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				l.problem(k, "%s: keys must be plain names", l.what(path))
				continue
			}
			if first, dup := seen[k.Value]; dup {
				l.problem(k, "%s: `%s` is given twice (first on line %d)", l.what(path), k.Value, first.Line)
				continue
			}
			seen[k.Value] = k
			out[k.Value] = l.plain(n.Content[i+1], append(slices.Clip(path), k.Value), depth+1)
		}
		return out
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, item := range n.Content {
			out[i] = l.plain(item, append(slices.Clip(path), strconv.Itoa(i)), depth+1)
		}
		return out
	}
	if isNull(n) {
		return nil
	}
	return n.Value
}

// shapeLeaves words each failure the schema found. The schema says what is wrong; the
// words say it about this file: which team, which field, and what was wanted. A value
// that may be a pasted secret (apiKeyEnv, webhookSecretEnv) is never quoted.
func (l *loader) shapeLeaves(ve *jsonschema.ValidationError) {
	path := ve.InstanceLocation
	n := nodeAt(l.root, path)
	switch k := ve.ErrorKind.(type) {
	case *kind.Required:
		for _, name := range k.Missing {
			l.markBad(append(slices.Clip(path), name))
			if len(path) == 0 && name == "teams" {
				l.problem(n, "no `teams:` list; want at least one team")
				continue
			}
			l.problem(n, "%s: `%s` is missing%s", l.what(path), name, missingHint[name])
		}
		return
	case *kind.AdditionalProperties:
		for _, name := range k.Properties {
			l.markBad(append(slices.Clip(path), name))
			l.problem(keyNode(n, name), "%s: unknown field `%s` (%s)", l.what(path), name, suggest(name, propertiesAt(ve.SchemaURL)))
		}
		return
	case *kind.MinItems:
		l.markBad(path)
		l.problem(n, "%s is empty; want at least one team", l.what(path))
		return
	case *kind.Type:
		l.markBad(path)
		l.problem(n, "%s", l.typeMessage(path, ve.SchemaURL, k))
		return
	case *kind.Pattern:
		l.markBad(path)
		l.problem(n, "%s", l.patternMessage(path, k.Got))
		return
	}
	if len(ve.Causes) == 0 {
		l.markBad(path)
		l.problem(n, "%s: %s", l.what(path), ve.ErrorKind.LocalizedString(message.NewPrinter(language.English)))
		return
	}
	for _, c := range ve.Causes {
		l.shapeLeaves(c)
	}
}

// missingHint says what a required field is for.
var missingHint = map[string]string{
	"apiKeyEnv": " (the environment variable that holds the team's Kendo key)",
}

func (l *loader) typeMessage(path []string, schemaURL string, k *kind.Type) string {
	switch {
	case k.Got == "null" && last(path) == "name":
		return l.what(path[:len(path)-1]) + ": `name` is empty"
	case slices.Contains(k.Want, "object"):
		return l.what(path) + " must be a mapping of " + strings.Join(propertiesAt(schemaURL), ", ")
	case slices.Equal(path, []string{"teams"}):
		return "`teams` must be a list of teams"
	case slices.Contains(k.Want, "array"):
		return l.what(path) + ` must be a list, e.g. ["81422"]`
	}
	return l.what(path) + " must be a single value"
}

// secretOf names what an environment variable field holds.
var secretOf = map[string]string{"apiKeyEnv": "Kendo key", "webhookSecretEnv": "webhook secret"}

// itemWant says what each item of a list must be.
var itemWant = map[string]string{
	"campaignIds": "a numeric id", "ringGroupIds": "a numeric id", "userIds": "a numeric id",
	"userEmails": "an e-mail address", "directions": "inbound or outbound", "skipDispositions": "a disposition name or status",
}

func (l *loader) patternMessage(path []string, got string) string {
	owner := l.what(path[:min(len(path), 2)])
	key := last(path)
	if secret, ok := secretOf[key]; ok {
		if strings.TrimSpace(got) == "" {
			return fmt.Sprintf("%s: `%s` is empty; name the environment variable that holds the %s", owner, key, secret)
		}
		return fmt.Sprintf("%s: `%s` must name an environment variable (A-Z, 0-9 and _), not hold the %s itself; its value is not shown", owner, key, secret)
	}
	if key == "name" {
		if got == "" {
			return owner + ": `name` is empty"
		}
		return fmt.Sprintf("%s: name %q: use letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit)", owner, got)
	}
	if len(path) >= 2 {
		if want, ok := itemWant[path[len(path)-2]]; ok {
			return fmt.Sprintf("%s: %q is not %s", l.what(path), got, want)
		}
	}
	return fmt.Sprintf("%s: %q is not allowed here", l.what(path), got)
}

// what names the place path points at, as the problems say it: "the file", "`teams`",
// `team "sales"` (teams[2] while it has no usable name), "team \"sales\": `match`",
// "team \"sales\": match.campaignIds[0]".
func (l *loader) what(path []string) string {
	switch {
	case len(path) == 0:
		return "the file"
	case path[0] != "teams" || len(path) == 1:
		return "`" + dotted(path) + "`"
	}
	i, _ := strconv.Atoi(path[1])
	label := teamLabel(i, nodeAt(l.root, path[:2]))
	rest := path[2:]
	switch {
	case len(rest) == 0:
		return label
	case len(rest) >= 2 && itemWant[rest[1]] != "":
		return label + ": " + dotted(rest) // a list or its item: named bare, as in "match.userIds[0]"
	}
	return label + ": `" + dotted(rest) + "`"
}

// dotted writes path as "send.directions[0]".
func dotted(path []string) string {
	var b strings.Builder
	for j, p := range path {
		if _, err := strconv.Atoi(p); err == nil {
			b.WriteString("[" + p + "]")
			continue
		}
		if j > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// teamLabel is `team "sales"`, or `teams[2]` while the team has no name to show.
func teamLabel(i int, n *yaml.Node) string {
	if name, ok := scalarValue(field(n, "name")); ok && name != "" {
		return fmt.Sprintf("team %q", name)
	}
	return fmt.Sprintf("teams[%d]", i)
}

func (l *loader) markBad(path []string) { l.shapeBad = append(l.shapeBad, strings.Join(path, "/")) }

// shaped reports whether the schema found nothing wrong at path, inside it or around
// it, so the value there can be read.
func (l *loader) shaped(path ...string) bool {
	p := strings.Join(path, "/")
	for _, bad := range l.shapeBad {
		if bad == p || strings.HasPrefix(bad, p+"/") || strings.HasPrefix(p, bad+"/") {
			return false
		}
	}
	return true
}

// propertiesAt lists, in the schema's order, the fields of the object schema at url (a
// validation error's SchemaURL).
func propertiesAt(url string) []string {
	_, pointer, _ := strings.Cut(url, "#")
	return schemaProperties()[pointer]
}

// schemaProperties maps each object schema of the teams file schema (by its JSON
// pointer) to its property names in the order the schema lists them; a compiled schema
// keeps them in a map, and the problems list them as the documentation does.
var schemaProperties = sync.OnceValue(func() map[string][]string {
	var doc yaml.Node
	if err := yaml.Unmarshal(schema.TeamsFile, &doc); err != nil {
		panic("teams: the embedded schema is not JSON: " + err.Error())
	}
	out := map[string][]string{}
	var walk func(n *yaml.Node, pointer string)
	walk = func(n *yaml.Node, pointer string) {
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i].Value, n.Content[i+1]
			if key == "properties" && val.Kind == yaml.MappingNode {
				for j := 0; j+1 < len(val.Content); j += 2 {
					out[pointer] = append(out[pointer], val.Content[j].Value)
				}
			}
			walk(val, pointer+"/"+key)
		}
	}
	walk(doc.Content[0], "")
	return out
})

// nodeAt is the value at path (an instance location), or the deepest node on the way.
func nodeAt(n *yaml.Node, path []string) *yaml.Node {
	for _, p := range path {
		n = deref(n)
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			next = field(n, p)
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(p); err == nil && i < len(n.Content) {
				next = deref(n.Content[i])
			}
		}
		if next == nil {
			return n
		}
		n = next
	}
	return deref(n)
}

// keyNode is the key node of name in mapping n (for a problem about the key itself).
func keyNode(n *yaml.Node, name string) *yaml.Node {
	if n != nil && n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == name {
				return n.Content[i]
			}
		}
	}
	return n
}

func last(path []string) string {
	if len(path) == 0 {
		return ""
	}
	return path[len(path)-1]
}
