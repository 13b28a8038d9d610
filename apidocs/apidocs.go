// Package apidocs renders the service's API reference page (/docs) from its own OpenAPI
// document, on the server: no CDN, no script, nothing fetched from anywhere, so it works
// on a network without internet. It shows every operation with its method, path,
// summary, description, parameters, request and response schemas (as readable field
// lists, not JSON) and security, then every schema of the document.
package apidocs

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
)

//go:embed page.html page.css
var files embed.FS

var (
	page = template.Must(template.New("page.html").Funcs(template.FuncMap{
		"markdown": markdown, "inline": inlineMarkdown, "lower": strings.ToLower, "anchor": schemaAnchor,
	}).ParseFS(files, "page.html"))
	css = template.CSS(mustRead("page.css"))
	// The stylesheet is inline; the Content-Security-Policy allows exactly it and nothing else.
	policy = "default-src 'none'; style-src 'sha256-" + cssHash() + "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

func mustRead(name string) string {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func cssHash() string {
	sum := sha256.Sum256([]byte(css))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Handler serves the page for doc. It renders once, at the first request: by then every
// operation is registered, and the document does not change while the service runs.
func Handler(doc *huma.OpenAPI) http.Handler {
	render := sync.OnceValues(func() ([]byte, error) { return Render(doc) })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := render()
		h := w.Header()
		if err != nil {
			http.Error(w, "the API reference could not be rendered; /openapi.yaml has the document", http.StatusInternalServerError)
			return
		}
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", policy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
}

// Render writes the whole page for doc.
func Render(doc *huma.OpenAPI) ([]byte, error) {
	var b bytes.Buffer
	if err := page.Execute(&b, build(doc)); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

type pageView struct {
	Title, Version string
	Description    string
	CSS            template.CSS
	Schemes        []schemeView
	Tags           []tagView
	Schemas        []namedSchema
}

type schemeView struct {
	Name, Kind, Description string
}

type tagView struct {
	Name, Description string
	Operations        []operationView
}

type operationView struct {
	ID, Method, Path, Summary, Description string
	Security                               string
	Parameters                             []paramView
	Body                                   *bodyView
	Responses                              []responseView
}

type paramView struct {
	Name, In string
	Required bool
	Schema   schemaView
	Doc      string
}

type bodyView struct {
	Description string
	Required    bool
	Media       []mediaView
}

type responseView struct {
	Status, Description string
	Media               []mediaView
}

type mediaView struct {
	Type     string
	Schema   schemaView
	HasShape bool
	Examples []exampleView
}

type exampleView struct {
	Name, JSON string
}

type namedSchema struct {
	Name   string
	Schema schemaView
}

var methods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"}

func build(doc *huma.OpenAPI) pageView {
	v := pageView{CSS: css}
	if doc.Info != nil {
		v.Title, v.Version, v.Description = doc.Info.Title, doc.Info.Version, doc.Info.Description
	}
	s := schemas{}
	if doc.Components != nil {
		if doc.Components.Schemas != nil {
			s.components = doc.Components.Schemas.Map()
		}
		for name, sc := range doc.Components.SecuritySchemes {
			kind := sc.Type
			if sc.Scheme != "" {
				kind += " " + sc.Scheme
			}
			v.Schemes = append(v.Schemes, schemeView{Name: name, Kind: kind, Description: sc.Description})
		}
		sort.Slice(v.Schemes, func(i, j int) bool { return v.Schemes[i].Name < v.Schemes[j].Name })
	}

	// Operations grouped by their first tag, in the document's tag order; untagged last.
	groups := map[string]*tagView{}
	var order []string
	for _, t := range doc.Tags {
		groups[t.Name] = &tagView{Name: t.Name, Description: t.Description}
		order = append(order, t.Name)
	}
	paths := make([]string, 0, len(doc.Paths))
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		item := doc.Paths[p]
		for _, m := range methods {
			op := operationOf(item, m)
			if op == nil || op.Hidden {
				continue
			}
			tag := "other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			g, ok := groups[tag]
			if !ok {
				g = &tagView{Name: tag}
				groups[tag] = g
				order = append(order, tag)
			}
			g.Operations = append(g.Operations, s.operation(doc, m, p, op))
		}
	}
	for _, name := range order {
		if g := groups[name]; len(g.Operations) > 0 {
			v.Tags = append(v.Tags, *g)
		}
	}

	names := make([]string, 0, len(s.components))
	for n := range s.components {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v.Schemas = append(v.Schemas, namedSchema{Name: n, Schema: s.view(s.components[n], 0)})
	}
	return v
}

func operationOf(item *huma.PathItem, method string) *huma.Operation {
	switch method {
	case "GET":
		return item.Get
	case "POST":
		return item.Post
	case "PUT":
		return item.Put
	case "PATCH":
		return item.Patch
	case "DELETE":
		return item.Delete
	case "HEAD":
		return item.Head
	case "OPTIONS":
		return item.Options
	case "TRACE":
		return item.Trace
	}
	return nil
}

func (s schemas) operation(doc *huma.OpenAPI, method, path string, op *huma.Operation) operationView {
	v := operationView{
		ID: op.OperationID, Method: method, Path: path, Summary: op.Summary, Description: op.Description,
		Security: security(doc, op),
	}
	if v.ID == "" {
		v.ID = strings.ToLower(method) + strings.NewReplacer("/", "-", "{", "", "}", "").Replace(path)
	}
	for _, p := range op.Parameters {
		pv := paramView{Name: p.Name, In: p.In, Required: p.Required, Doc: p.Description, Schema: s.view(p.Schema, 0)}
		if p.Example != nil {
			pv.Schema.Facts = append(pv.Schema.Facts, "e.g. "+literal(p.Example))
		}
		v.Parameters = append(v.Parameters, pv)
	}
	if rb := op.RequestBody; rb != nil {
		v.Body = &bodyView{Description: rb.Description, Required: rb.Required, Media: s.media(rb.Content)}
	}
	codes := make([]string, 0, len(op.Responses))
	for c := range op.Responses {
		codes = append(codes, c)
	}
	slices.SortFunc(codes, func(a, b string) int { return strings.Compare(statusKey(a), statusKey(b)) })
	for _, c := range codes {
		r := op.Responses[c]
		v.Responses = append(v.Responses, responseView{Status: c, Description: r.Description, Media: s.media(r.Content)})
	}
	return v
}

// statusKey sorts "default" after every numbered status.
func statusKey(code string) string {
	if code == "default" {
		return "999"
	}
	return code
}

func (s schemas) media(content map[string]*huma.MediaType) []mediaView {
	types := make([]string, 0, len(content))
	for t := range content {
		types = append(types, t)
	}
	sort.Strings(types)
	out := make([]mediaView, 0, len(types))
	for _, t := range types {
		mt := content[t]
		mv := mediaView{Type: t}
		switch {
		case mt.Schema == nil:
		case t == "application/problem+json":
			// Every error has the one problem shape: named here, described once below.
			mv.Schema, mv.HasShape = s.view(mt.Schema, 0), true
		default:
			mv.Schema, mv.HasShape = s.top(mt.Schema), true
		}
		if mt.Example != nil {
			mv.Examples = append(mv.Examples, exampleView{Name: "Example", JSON: pretty(mt.Example)})
		}
		names := make([]string, 0, len(mt.Examples))
		for n := range mt.Examples {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			ex := mt.Examples[n]
			if ex == nil || ex.Value == nil {
				continue
			}
			title := ex.Summary
			if title == "" {
				title = n
			}
			mv.Examples = append(mv.Examples, exampleView{Name: title, JSON: pretty(ex.Value)})
		}
		out = append(out, mv)
	}
	return out
}

func pretty(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return ""
	}
	return string(b)
}

// security says in words which credentials an operation takes: the alternatives of its
// requirement list ("none" for the empty requirement), or the document's default.
func security(doc *huma.OpenAPI, op *huma.Operation) string {
	reqs := op.Security
	if reqs == nil {
		reqs = doc.Security
	}
	if len(reqs) == 0 {
		return "none: open to every caller"
	}
	alts := make([]string, 0, len(reqs))
	optional := false
	for _, r := range reqs {
		if len(r) == 0 {
			optional = true
			continue
		}
		names := make([]string, 0, len(r))
		for n := range r {
			names = append(names, n)
		}
		sort.Strings(names)
		alts = append(alts, strings.Join(names, " and "))
	}
	s := strings.Join(alts, " or ")
	switch {
	case len(alts) == 0: // only the empty requirement: declared open
		return "none: open to every caller"
	case optional:
		return "optional: " + s + " (or none)"
	}
	return s
}
