package handlers

import (
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
)

// bodyErrors are the client and availability errors of every operation that takes a
// body: not JSON (400), too slow (408), too large (413), not what the route wants (422),
// the body budget spent or the database unavailable (503, with Retry-After).
var bodyErrors = []int{http.StatusBadRequest, http.StatusRequestTimeout, http.StatusRequestEntityTooLarge,
	http.StatusUnprocessableEntity, http.StatusServiceUnavailable}

// servers is where the document says the API is: the address `serve` listens on by
// default. Clients use their deployment's URL instead.
var servers = []*huma.Server{{
	URL:         "http://localhost:8080",
	Description: "`aloware-kendo serve` on this machine with the default --listen; use your deployment's URL",
}}

// open is the security requirement of the routes that never ask for credentials: the
// empty requirement, said explicitly so that no tool assumes a default.
var open = []map[string][]string{{}}

// noRetryAfter lists the operations whose 503 is a state, not a request to try again.
var noRetryAfter = map[string]bool{"get-readiness": true}

// finishSpec adds what huma cannot derive from the operations: Retry-After on the 503
// answers that carry it, and component schemas that OpenAPI 3.0 tools read too.
func finishSpec(oapi *huma.OpenAPI) {
	for _, item := range oapi.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Put, item.Patch, item.Delete} {
			if op == nil || noRetryAfter[op.OperationID] {
				continue
			}
			if resp := op.Responses[strconv.Itoa(http.StatusServiceUnavailable)]; resp != nil {
				if resp.Headers == nil {
					resp.Headers = map[string]*huma.Param{}
				}
				resp.Headers["Retry-After"] = &huma.Param{
					Description: "seconds to wait before sending the request again",
					Schema:      &huma.Schema{Type: huma.TypeInteger, Minimum: floatPtr(1)},
				}
			}
		}
	}
	if oapi.Components != nil && oapi.Components.Schemas != nil {
		for _, s := range oapi.Components.Schemas.Map() {
			refsWithoutSiblings(s)
		}
	}
}

// refsWithoutSiblings rewrites {$ref, description …} as {allOf: [{$ref}], description …}:
// huma puts a field's doc next to the $ref of its type, which OpenAPI 3.0 ignores (and
// its linters refuse). The allOf form means the same in 3.1 and reads the same in 3.0.
func refsWithoutSiblings(s *huma.Schema) {
	if s == nil {
		return
	}
	for _, p := range s.Properties {
		if p.Ref != "" && (p.Description != "" || p.Title != "" || len(p.Examples) > 0 || p.Default != nil) {
			p.AllOf = []*huma.Schema{{Ref: p.Ref}}
			p.Ref = ""
			p.PrecomputeMessages()
		}
		refsWithoutSiblings(p)
	}
	refsWithoutSiblings(s.Items)
	for _, sub := range append(append(append([]*huma.Schema{}, s.AllOf...), s.AnyOf...), s.OneOf...) {
		refsWithoutSiblings(sub)
	}
}

// answerExample puts one example on an operation's answer with that status.
func answerExample(op *huma.Operation, status int, ex *huma.Example) {
	resp := op.Responses[strconv.Itoa(status)]
	for _, mt := range resp.Content {
		mt.Examples = map[string]*huma.Example{"example": ex}
	}
}

func floatPtr(f float64) *float64 { return &f }
