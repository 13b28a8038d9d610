// Package schema embeds the JSON Schemas the service publishes and validates with.
package schema

import (
	"bytes"
	_ "embed"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// KendoPayload is the Kendo Push payload JSON Schema (Draft 2020-12), as published in the
// OpenAPI document.
//
//go:embed kendo-payload.schema.json
var KendoPayload []byte

const kendoPayloadURL = "https://github.com/aloware-kendo/aloware-kendo/schema/kendo-payload.schema.json"

// KendoPayloadSchema returns the compiled Kendo payload schema (compiled once; safe for
// concurrent use). Formats (email, date-time, uri) are asserted, not just annotated.
func KendoPayloadSchema() *jsonschema.Schema { return compiled().payload }

// IsEmail reports whether s is acceptable as repEmail: the mapper checks addresses with
// exactly the rule Validate applies, by validating against the schema's own property.
func IsEmail(s string) bool { return compiled().repEmail.Validate(s) == nil }

// IsAudioURL reports whether s is acceptable as audioUrl (an http(s) URI), by the
// schema's own definition.
func IsAudioURL(s string) bool { return compiled().audioURL.Validate(s) == nil }

type schemas struct {
	payload, repEmail, audioURL *jsonschema.Schema
}

var compiled = sync.OnceValue(func() schemas {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(KendoPayload))
	must(err)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.RegisterFormat(&jsonschema.Format{Name: "email", Validate: validateEmail})
	must(c.AddResource(kendoPayloadURL, doc))
	return schemas{
		payload:  mustCompile(c, kendoPayloadURL),
		repEmail: mustCompile(c, kendoPayloadURL+"#/properties/repEmail"),
		audioURL: mustCompile(c, kendoPayloadURL+"#/$defs/audioUrl"),
	}
})

// The schemas are embedded, so a failure here is a build defect that the package tests
// catch; panicking keeps the accessors simple.
func mustCompile(c *jsonschema.Compiler, url string) *jsonschema.Schema {
	s, err := c.Compile(url)
	must(err)
	return s
}

func must(err error) {
	if err != nil {
		panic("schema: " + err.Error())
	}
}
