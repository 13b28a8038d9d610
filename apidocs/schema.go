package apidocs

import (
	"cmp"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"sort"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// schemaView is a JSON Schema as the page shows it: a type line, a description, the facts
// that constrain the value, and the fields of an object (or of an array's items).
type schemaView struct {
	Type        template.HTML // "string", "array of <a>EventSeen</a>", "object" …
	Description template.HTML
	Facts       []string
	Fields      []fieldView
	Combos      []comboView
}

// comboView is an allOf, anyOf or oneOf: the value matches all, at least one, or exactly
// one of the alternatives.
type comboView struct {
	Kind         string // "all of", "at least one of", "exactly one of"
	Alternatives []schemaView
}

type fieldView struct {
	Name     string
	Required bool
	Schema   schemaView
}

// maxDepth bounds inline nesting; references are linked, never expanded past the top,
// so only a pathological inline schema reaches it.
const maxDepth = 8

// schemas turns huma schemas into views, resolving $refs against the document's components.
type schemas struct {
	components map[string]*huma.Schema
}

const refPrefix = "#/components/schemas/"

func refName(ref string) string { return strings.TrimPrefix(ref, refPrefix) }

// SchemaAnchor is the fragment of a component's section on the page.
func schemaAnchor(name string) string { return "schema-" + name }

func (s schemas) resolve(sc *huma.Schema) *huma.Schema {
	if sc != nil && sc.Ref != "" {
		if c, ok := s.components[refName(sc.Ref)]; ok {
			return c
		}
	}
	return sc
}

// top views a body's schema: a reference is named and also expanded one level, so an
// operation can be read without jumping to the schema section.
func (s schemas) top(sc *huma.Schema) schemaView {
	if sc == nil {
		return schemaView{}
	}
	v := s.view(s.resolve(sc), 0)
	if sc.Ref != "" {
		v.Type = refLink(sc.Ref) + " (" + v.Type + ")"
	}
	return v
}

func (s schemas) view(sc *huma.Schema, depth int) schemaView {
	if sc == nil {
		return schemaView{Type: "any"}
	}
	if sc.Ref != "" {
		return schemaView{Type: refLink(sc.Ref), Description: markdown(sc.Description)}
	}
	if ref := describedRef(sc); ref != "" {
		v := schemaView{Type: refLink(ref), Description: markdown(sc.Description), Facts: facts(sc)}
		if sc.Nullable {
			v.Type += " or null"
		}
		return v
	}
	sc = flattenAllOf(sc)
	v := schemaView{Type: typeLabel(sc), Description: markdown(sc.Description), Facts: facts(sc)}
	if depth >= maxDepth {
		return v
	}
	if sc.Type == "array" && sc.Items != nil && sc.Items.Ref == "" && len(sc.Items.Properties) > 0 {
		v.Fields = s.fields(sc.Items, depth+1)
	} else {
		v.Fields = s.fields(sc, depth+1)
	}
	for _, group := range []struct {
		kind string
		alts []*huma.Schema
	}{{"all of", sc.AllOf}, {"at least one of", sc.AnyOf}, {"exactly one of", sc.OneOf}} {
		if len(group.alts) == 0 {
			continue
		}
		c := comboView{Kind: group.kind}
		for _, a := range group.alts {
			c.Alternatives = append(c.Alternatives, s.alternative(a, depth+1))
		}
		v.Combos = append(v.Combos, c)
	}
	return v
}

// describedRef is the reference of a schema that is only a reference with a description
// of its own: {allOf: [{$ref}], description}, the form handlers' finishSpec gives a
// field's doc beside its type (OpenAPI 3.0 ignores a $ref's siblings). "" for others.
func describedRef(sc *huma.Schema) string {
	if len(sc.AllOf) == 1 && sc.AllOf[0].Ref != "" && sc.Type == "" && len(sc.Properties) == 0 && len(sc.AnyOf)+len(sc.OneOf) == 0 {
		return sc.AllOf[0].Ref
	}
	return ""
}

// flattenAllOf reads an allOf of plain members as the one schema it amounts to — their
// fields, required lists and rules together — which is how a reader thinks of it
// ("these fields, and at least one of transcript and audioUrl"). A referenced member, or
// a second anyOf/oneOf, stays a combination of its own.
func flattenAllOf(sc *huma.Schema) *huma.Schema {
	if len(sc.AllOf) == 0 {
		return sc
	}
	out := *sc
	out.AllOf = nil
	out.Properties = map[string]*huma.Schema{}
	for k, p := range sc.Properties {
		out.Properties[k] = p
	}
	for _, m := range sc.AllOf {
		if m.Ref != "" || (len(m.AnyOf) > 0 && len(out.AnyOf) > 0) || (len(m.OneOf) > 0 && len(out.OneOf) > 0) {
			out.AllOf = append(out.AllOf, m)
			continue
		}
		for k, p := range m.Properties {
			out.Properties[k] = p
		}
		out.Required = append(out.Required, m.Required...)
		out.AnyOf = append(out.AnyOf, m.AnyOf...)
		out.OneOf = append(out.OneOf, m.OneOf...)
		out.Type = cmp.Or(out.Type, m.Type)
		out.Description = cmp.Or(out.Description, m.Description)
		if out.AdditionalProperties == nil {
			out.AdditionalProperties = m.AdditionalProperties
		}
	}
	if len(out.Properties) > 0 && out.Type == "" {
		out.Type = "object"
	}
	return &out
}

// alternative views one branch of anyOf/oneOf/allOf. Branches are often partial
// schemas ("requires transcript"), so what they require is spelled out.
func (s schemas) alternative(a *huma.Schema, depth int) schemaView {
	v := s.view(a, depth)
	if a.Ref == "" && a.Type == "" && len(a.Required) > 0 {
		v.Type = template.HTML("requires " + html.EscapeString(strings.Join(a.Required, ", ")))
		v.Fields = nil
		for _, name := range a.Required {
			if p := a.Properties[name]; p != nil {
				for _, f := range facts(p) {
					v.Facts = append(v.Facts, name+": "+f)
				}
			}
		}
	}
	return v
}

func (s schemas) fields(sc *huma.Schema, depth int) []fieldView {
	if len(sc.Properties) == 0 {
		return nil
	}
	required := map[string]bool{}
	for _, r := range sc.Required {
		required[r] = true
	}
	names := make([]string, 0, len(sc.Properties))
	for n := range sc.Properties {
		names = append(names, n)
	}
	// Required fields first, each group alphabetical: what a caller must send comes first.
	sort.Slice(names, func(i, j int) bool {
		if required[names[i]] != required[names[j]] {
			return required[names[i]]
		}
		return names[i] < names[j]
	})
	out := make([]fieldView, 0, len(names))
	for _, n := range names {
		out = append(out, fieldView{Name: n, Required: required[n], Schema: s.view(sc.Properties[n], depth)})
	}
	return out
}

func refLink(ref string) template.HTML {
	name := html.EscapeString(refName(ref))
	return template.HTML(`<a href="#` + schemaAnchor(name) + `">` + name + `</a>`)
}

func typeLabel(sc *huma.Schema) template.HTML {
	var t template.HTML
	switch {
	case sc.Type == "array" && sc.Items != nil:
		if sc.Items.Ref != "" {
			t = "array of " + refLink(sc.Items.Ref)
		} else {
			t = "array of " + typeLabel(sc.Items)
		}
	case sc.Type == "object" || (sc.Type == "" && len(sc.Properties) > 0):
		t = "object"
		if m, ok := sc.AdditionalProperties.(*huma.Schema); ok && len(sc.Properties) == 0 {
			t = "object of " + mapValueLabel(m)
		}
	case sc.Type != "":
		t = template.HTML(html.EscapeString(sc.Type))
	case len(sc.AnyOf)+len(sc.OneOf) > 0:
		t = "see below"
	default:
		t = "any"
	}
	if sc.Nullable {
		t += " or null"
	}
	return t
}

// mapValueLabel names what an object used as a map holds: "string, number or boolean values".
func mapValueLabel(m *huma.Schema) template.HTML {
	if m.Ref != "" {
		return refLink(m.Ref) + " values"
	}
	alts := m.AnyOf
	if len(alts) == 0 {
		alts = m.OneOf
	}
	if len(alts) == 0 {
		return typeLabel(m) + " values"
	}
	names := make([]string, len(alts))
	for i, a := range alts {
		names[i] = string(typeLabel(a))
	}
	if len(names) == 1 {
		return template.HTML(names[0] + " values")
	}
	return template.HTML(strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1] + " values")
}

// facts lists the constraints of a value in words.
func facts(sc *huma.Schema) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if sc.Format != "" {
		add("format %s", sc.Format)
	}
	if len(sc.Enum) > 0 {
		vals := make([]string, len(sc.Enum))
		for i, e := range sc.Enum {
			vals[i] = literal(e)
		}
		add("one of %s", strings.Join(vals, ", "))
	}
	if sc.MinLength != nil {
		add("at least %d characters", *sc.MinLength)
	}
	if sc.MaxLength != nil {
		add("at most %d characters", *sc.MaxLength)
	}
	if sc.Minimum != nil {
		add("≥ %s", num(*sc.Minimum))
	}
	if sc.ExclusiveMinimum != nil {
		add("> %s", num(*sc.ExclusiveMinimum))
	}
	if sc.Maximum != nil {
		add("≤ %s", num(*sc.Maximum))
	}
	if sc.ExclusiveMaximum != nil {
		add("< %s", num(*sc.ExclusiveMaximum))
	}
	if sc.MinItems != nil {
		add("at least %d items", *sc.MinItems)
	}
	if sc.MaxItems != nil {
		add("at most %d items", *sc.MaxItems)
	}
	if sc.Pattern != "" {
		desc := sc.PatternDescription
		if desc == "" {
			desc = sc.Pattern
		}
		add("matches %s", desc)
	}
	if sc.Default != nil {
		add("default %s", literal(sc.Default))
	}
	if sc.ReadOnly {
		add("read-only")
	}
	if sc.Deprecated {
		add("deprecated")
	}
	if (sc.Type == "object" || len(sc.Properties) > 0) && len(sc.Properties) > 0 {
		switch ap := sc.AdditionalProperties.(type) {
		case bool:
			if ap {
				add("other fields are allowed")
			} else {
				add("no other fields")
			}
		case *huma.Schema:
			add("other fields: %s", ap.Type)
		}
	} else if ap, ok := sc.AdditionalProperties.(bool); ok && ap && sc.Type == "object" {
		add("any fields")
	}
	if len(sc.Examples) > 0 {
		ex := make([]string, 0, 3)
		for _, e := range sc.Examples[:min(3, len(sc.Examples))] {
			ex = append(ex, literal(e))
		}
		add("e.g. %s", strings.Join(ex, ", "))
	}
	return out
}

func literal(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
