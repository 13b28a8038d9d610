package schema

import (
	"bytes"
	_ "embed"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TeamsFile is the JSON Schema (Draft 2020-12) of the teams file (--teams): its shape,
// the names it allows and the text of its ids. The teams package validates the file
// with it and reads what a schema cannot check itself.
//
//go:embed teams.schema.json
var TeamsFile []byte

// TeamsFileURL is the schema's id: a validation error's SchemaURL starts with it.
const TeamsFileURL = "https://github.com/aloware-kendo/aloware-kendo/schema/teams.schema.json"

// TeamsFileSchema returns the compiled teams file schema (compiled once; safe for
// concurrent use).
var TeamsFileSchema = sync.OnceValue(func() *jsonschema.Schema {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(TeamsFile))
	must(err)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	must(c.AddResource(TeamsFileURL, doc))
	return mustCompile(c, TeamsFileURL)
})
