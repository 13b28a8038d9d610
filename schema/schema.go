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
func KendoPayloadSchema() *jsonschema.Schema { return kendoPayloadSchema() }

var kendoPayloadSchema = sync.OnceValue(func() *jsonschema.Schema {
	return mustCompile(kendoPayloadURL, KendoPayload)
})

// emailSchema lets the mapper check an address with exactly the rule Validate applies.
var emailSchema = sync.OnceValue(func() *jsonschema.Schema {
	return mustCompile("mem://email.schema.json", []byte(`{"type":"string","format":"email"}`))
})

// IsEmail reports whether s passes the schema's "email" format (the check Kendo's
// repEmail gets in Validate).
func IsEmail(s string) bool { return emailSchema().Validate(s) == nil }

// mustCompile panics: the schemas are embedded, so a failure is a build defect that the
// package tests catch.
func mustCompile(url string, src []byte) *jsonschema.Schema {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(src))
	if err != nil {
		panic("schema: " + url + ": " + err.Error())
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.RegisterFormat(&jsonschema.Format{Name: "email", Validate: validateEmail})
	if err := c.AddResource(url, doc); err != nil {
		panic("schema: " + url + ": " + err.Error())
	}
	s, err := c.Compile(url)
	if err != nil {
		panic("schema: " + url + ": " + err.Error())
	}
	return s
}
