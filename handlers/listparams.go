package handlers

import (
	"cmp"

	"github.com/danielgtaylor/huma/v2"

	"github.com/aloware-kendo/aloware-kendo/delivery"
)

// The list parameters' bounds are the engine's (delivery.DefaultListLimit, MaxListLimit,
// MaxListQuery, MaxListCursor): these types put them in the schema, which a struct tag
// could only repeat as a literal.

// pageSize is the limit parameter of a list.
type pageSize int

// orDefault is the page size asked for, or the engine's default when the parameter was
// absent (huma applies only a default written in a tag).
func (p pageSize) orDefault() int { return cmp.Or(int(p), delivery.DefaultListLimit) }

// Schema implements huma.SchemaProvider.
func (pageSize) Schema(huma.Registry) *huma.Schema {
	minimum, maximum := 1.0, float64(delivery.MaxListLimit)
	return precomputed(&huma.Schema{Type: huma.TypeInteger, Format: "int64", Minimum: &minimum, Maximum: &maximum,
		Default: delivery.DefaultListLimit})
}

// listQuery is the q parameter of GET /calls.
type listQuery string

// Schema implements huma.SchemaProvider.
func (listQuery) Schema(huma.Registry) *huma.Schema {
	return precomputed(&huma.Schema{Type: huma.TypeString, MaxLength: ptrTo(delivery.MaxListQuery)})
}

// listCursor is the cursor parameter of a list: the next value of the previous page.
type listCursor string

// Schema implements huma.SchemaProvider.
func (listCursor) Schema(huma.Registry) *huma.Schema {
	return precomputed(&huma.Schema{Type: huma.TypeString, MaxLength: ptrTo(delivery.MaxListCursor)})
}

// precomputed readies a schema's validation messages, as huma does for the schemas it
// builds itself.
func precomputed(s *huma.Schema) *huma.Schema {
	s.PrecomputeMessages()
	return s
}

func ptrTo[T any](v T) *T { return &v }
