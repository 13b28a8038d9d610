package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/schema"
)

// APIVersion is the version of the HTTP contract in the OpenAPI document. It is not
// the build version, so the committed openapi.yaml does not change with every build.
const APIVersion = "1.0.0"

// Security scheme names in the OpenAPI document.
const (
	bearerScheme = "bearerAuth"
	basicScheme  = "basicAuth"
)

// Component names the edge adds by hand.
const (
	kendoPushPayloadSchema = "KendoPushPayload" // schema.KendoPayload: what Kendo accepts
	alowareEventSchema     = "AlowareEvent"
)

// bodyLimit lets through a body of exactly kendo.MaxBodyBytes: huma answers 413 as
// soon as the bytes read reach its limit, so the limit is one past the largest size.
const bodyLimit = kendo.MaxBodyBytes + 1

const apiDescription = `Gets Aloware phone calls into the KendoAI Push API.

Point an Aloware webhook (directly, or through n8n, Make or Zapier) at **POST /push**. Every
event is stored durably before the answer; the events of one call are merged, and the call
is delivered to Kendo exactly once, paced to Kendo's rate limit and retried on transient
failures. **POST /map** and **POST /validate** are pure: they show what would be sent and
whether Kendo would accept it, without storing anything.

Errors are RFC 9457 ` + "`application/problem+json`" + `; every client error lists the offending
fields in ` + "`errors[]`" + ` (` + "`location`" + ` such as ` + "`body.body.talk_time`" + `, and ` + "`message`" + `).

Authentication: when the service runs with ` + "`--inbound-token`" + ` or ` + "`--inbound-basic`" + `, every
route except /healthz, /readyz, /docs and /openapi.* (and /metrics unless ` + "`--metrics-auth`" + `)
needs ` + "`Authorization: Bearer …`" + ` or ` + "`Authorization: Basic …`" + `. Without them the service is open.`

// Arrays in answers are never null: the wire types turn a nil slice into an empty one.
// huma's default (arrays nullable) would type every list "T[] | null" in generated
// clients. This is huma's documented package setting; it applies before any schema is
// built.
func init() { huma.DefaultArrayNullable = false }

// schemaNames gives the edge's response types self-explaining component names.
var schemaNames = map[string]string{
	"mapping.Result": "MapResult",
	"kendo.Payload":  "KendoPayload",
}

func schemaNamer(t reflect.Type, hint string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if name, ok := schemaNames[t.String()]; ok {
		return name
	}
	return huma.DefaultSchemaNamer(t, hint)
}

// Config is the huma configuration of the service's API: title, description, security
// schemes and the hand-made schema components. No link transformer: answers carry
// exactly the documented fields, no "$schema".
func Config() huma.Config {
	registry := huma.NewMapRegistry("#/components/schemas/", schemaNamer)
	cfg := huma.DefaultConfig("aloware-kendo", APIVersion)
	cfg.CreateHooks = nil
	cfg.SchemasPath = ""
	cfg.DocsPath = "" // huma's page loads its renderer from a CDN; /docs is package apidocs
	cfg.Components = &huma.Components{
		Schemas: registry,
		SecuritySchemes: map[string]*huma.SecurityScheme{
			bearerScheme: {Type: "http", Scheme: "bearer", Description: "The token given to `--inbound-token` (only when the service runs with it)."},
			basicScheme:  {Type: "http", Scheme: "basic", Description: "The user:pass given to `--inbound-basic` (only when the service runs with it)."},
		},
	}
	cfg.Info.Description = apiDescription
	cfg.Servers = servers
	cfg.Tags = []*huma.Tag{
		{Name: "calls", Description: "Take Aloware events in and follow each call to Kendo."},
		{Name: "tools", Description: "Pure helpers: map and validate without storing anything."},
		{Name: "operations", Description: "Health, readiness and metrics."},
	}
	schemas := registry.Map()
	schemas[kendoPushPayloadSchema] = kendoPushPayload()
	schemas[alowareEventSchema] = &huma.Schema{
		Type:                 "object",
		Description:          "One raw Aloware webhook delivery, in any of its shapes: the envelope `{\"event\": …, \"body\": {…}}`, a bare communication object, Zapier's flattened Title-Case form, or Aloware's test `{\"test_payload\": true}`. Fields are open-ended; unknown ones are ignored.",
		AdditionalProperties: true,
		Properties: map[string]*huma.Schema{
			"event": {Type: "string", Description: "Aloware event name as delivered (OutboundPhoneCall-DispositionCompleted, Recording-Saved, Transcription-Saved …)", Examples: []any{"Recording-Saved"}},
			"body":  {Type: "object", Description: "The communication (or, for transcription.* events, an object holding it)", AdditionalProperties: true},
		},
	}
	return cfg
}

// NewAPI creates the huma API on a ServeMux. humago (the stdlib adapter) is enough: Go's
// ServeMux routes by method and path parameters, so no router dependency is needed.
func NewAPI(mux *http.ServeMux) huma.API {
	return humago.New(mux, Config())
}

// OpenAPIYAML renders the service's OpenAPI 3.1 document without starting anything;
// `aloware-kendo openapi` prints it and the committed openapi.yaml equals it.
func OpenAPIYAML() ([]byte, error) { return specOnly().YAML() }

// OpenAPI30YAML is the same document downgraded to OpenAPI 3.0.3, as /openapi-3.0.yaml
// serves it, for generators without 3.1 support (oapi-codegen).
func OpenAPI30YAML() ([]byte, error) { return specOnly().DowngradeYAML() }

func specOnly() *huma.OpenAPI {
	api := NewAPI(http.NewServeMux())
	Register(api, Deps{})
	return api.OpenAPI()
}

// kendoPushPayload converts the embedded JSON Schema (Draft 2020-12) into a component
// that OpenAPI 3.0 tools understand too: $defs references are inlined and type arrays
// become anyOf. Keywords huma.Schema has no field for are dropped ($schema, $id).
func kendoPushPayload() *huma.Schema {
	var doc map[string]any
	if err := json.Unmarshal(schema.KendoPayload, &doc); err != nil {
		panic(fmt.Sprintf("handlers: schema.KendoPayload is not JSON: %v", err)) // embedded; tests catch it
	}
	defs, _ := doc["$defs"].(map[string]any)
	plain := portable(doc, defs)
	b, err := json.Marshal(plain)
	if err != nil {
		panic(err)
	}
	var s huma.Schema
	if err := json.Unmarshal(b, &s); err != nil {
		panic(fmt.Sprintf("handlers: schema.KendoPayload does not fit an OpenAPI schema: %v", err))
	}
	// Kendo accepts snake_case aliases (audio_url beside audioUrl). Generators derive the
	// same identifier from both; x-go-name keeps generated Go code compiling.
	for name, p := range s.Properties {
		if strings.Contains(name, "_") {
			p.Extensions = map[string]any{"x-go-name": goName(name) + "Snake"}
		}
	}
	return requireOneOf(&s)
}

// requireOneOf restates "the fields, and at least one of transcript, audioUrl and
// audio_url" as allOf [the fields, anyOf [each requirement]]. The JSON Schema's form (the
// anyOf beside the properties) means the same, but generators read it as "the fields, or
// one of the requirements", which types every field optional and the required ones as
// unknown. Each requirement names its property's type, so it reads as that type.
func requireOneOf(s *huma.Schema) *huma.Schema {
	alternatives := s.AnyOf
	s.AnyOf = nil
	for _, alt := range alternatives {
		for name, p := range alt.Properties {
			if base, ok := s.Properties[name]; ok && p.Type == "" {
				p.Type = base.Type
			}
		}
	}
	outer := &huma.Schema{Title: s.Title, Description: s.Description,
		AllOf: []*huma.Schema{s, {AnyOf: alternatives}}}
	s.Title, s.Description = "", ""
	return outer
}

// goName turns audio_url into AudioUrl.
func goName(snake string) string {
	parts := strings.Split(snake, "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}

func portable(v any, defs map[string]any) any {
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok && len(ref) > len("#/$defs/") && ref[:len("#/$defs/")] == "#/$defs/" {
			if def, ok := defs[ref[len("#/$defs/"):]]; ok {
				return portable(def, defs)
			}
		}
		out := make(map[string]any, len(v))
		for k, val := range v {
			switch k {
			case "$schema", "$id", "$defs", "$comment":
				continue
			case "type":
				if types, ok := val.([]any); ok {
					alts := make([]any, len(types))
					for i, t := range types {
						alts[i] = map[string]any{"type": t}
					}
					out["anyOf"] = alts
					continue
				}
			}
			out[k] = portable(val, defs)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = portable(item, defs)
		}
		return out
	}
	return v
}
