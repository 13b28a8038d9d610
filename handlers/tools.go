package handlers

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/mapping"
)

// rawInput takes the body as bytes: Aloware's JSON is open-ended and huma would refuse
// unknown fields of a struct. The OpenAPI request body is described by hand. huma does
// not fill it (fromBody does, with the bytes the bodies middleware read), so each body is
// held in memory once.
type rawInput struct {
	RawBody []byte
}

// fromBody adapts a handler of the raw body to huma: the operation declares no body
// field, so huma reads nothing, and the handler gets the bytes the bodies middleware read.
func fromBody[O any](h func(context.Context, *rawInput) (*O, error)) func(context.Context, *struct{}) (*O, error) {
	return func(ctx context.Context, _ *struct{}) (*O, error) {
		return h(ctx, &rawInput{RawBody: requestBody(ctx)})
	}
}

type mapOutput struct {
	Body mapping.Result
}

// Validity is /validate's 200 body.
type Validity struct {
	Valid bool `json:"valid" doc:"always true; an invalid payload gets a 422 problem" example:"true"`
}

type validOutput struct {
	Body Validity
}

func registerTools(api huma.API, s *server) {
	huma.Register(api, huma.Operation{
		OperationID: "map-events",
		Method:      http.MethodPost,
		Path:        "/map",
		Summary:     "Map Aloware events to a Kendo payload",
		Description: "Parses one raw Aloware webhook delivery, or a JSON array of the deliveries of one call, " +
			"merges them and answers the Kendo Push payload they make, whether it is ready to send and, " +
			"if not, why. Nothing is stored or sent. A payload is shown as a preview even while the call " +
			"is not ready. Input that is not an Aloware event at all gets a 400 (not JSON) or 422 problem.",
		Tags:         []string{"tools"},
		MaxBodyBytes: bodyLimit,
		Errors:       append([]int{http.StatusUnauthorized}, bodyErrors...),
		Security:     protected,
	}, fromBody(s.mapEvents))
	describeBody(api, "/map", "One Aloware webhook delivery, or an array of the deliveries of one call.",
		&huma.Schema{OneOf: []*huma.Schema{
			{Ref: "#/components/schemas/" + alowareEventSchema},
			{Type: "array", MinItems: intPtr(1), Items: &huma.Schema{Ref: "#/components/schemas/" + alowareEventSchema}},
		}}, alowareEventExamples(true))

	huma.Register(api, huma.Operation{
		OperationID: "validate-payload",
		Method:      http.MethodPost,
		Path:        "/validate",
		Summary:     "Check a payload against Kendo's Push API rules",
		Description: "Answers 200 `{\"valid\": true}` when Kendo would accept the payload, else a 422 problem " +
			"listing every violation at once, each with its `location` (`body.repEmail`, `body.metadata.x` …) " +
			"and `message`. The rules are Kendo's documented ones: at least one of transcript and audioUrl, " +
			"a valid e-mail, an ISO 8601 date, a numeric duration, a flat metadata object, at most 5 MB.\n\n" +
			"The point of this route is payloads that break those rules, so the body is not held to the schema " +
			"before it is checked. For example `" + exampleBadKendoPayload + "` answers 422 with one error for " +
			"each problem: `body` (neither transcript nor audioUrl), `body.duration` (a string, not a number), " +
			"`body.metadata.nested` (not a string, number or boolean) and `body.repEmail` (not an e-mail address); " +
			"the 422 example below is that answer.",
		Tags:         []string{"tools"},
		MaxBodyBytes: bodyLimit,
		Errors:       append([]int{http.StatusUnauthorized}, bodyErrors...),
		Security:     protected,
	}, fromBody(s.validatePayload))
	describeBody(api, "/validate", "A Kendo Push API payload.",
		&huma.Schema{Ref: "#/components/schemas/" + kendoPushPayloadSchema},
		map[string]*huma.Example{
			"valid": example("A payload built from a completed Aloware call", exampleKendoPayload),
		})
	answerExample(api.OpenAPI().Paths["/validate"].Post, http.StatusUnprocessableEntity,
		example("The answer to the invalid payload shown in the description", exampleBadKendoAnswer))
}

// Mapper maps as POST /map does, with what a running service knows beyond the events:
// its rep lookup and its teams file (*delivery.Service implements it).
type Mapper interface {
	MapRaw(raw []byte) (mapping.Result, error)
}

func (s *server) mapEvents(ctx context.Context, in *rawInput) (*mapOutput, error) {
	// One pass over the body: the parser checks UTF-8, syntax and depth as it reads, and
	// its error tells input that is not JSON at all from JSON that is not an event.
	mapRaw := mapping.MapRaw
	if s.deps.Mapper != nil {
		mapRaw = s.deps.Mapper.MapRaw // with the service's rep lookup and teams: what would be sent
	}
	var res mapping.Result
	var err error
	if werr := s.bodies.working(ctx, in.RawBody, func() { res, err = mapRaw(in.RawBody) }); werr != nil {
		// The client went away while its events waited their turn.
		return nil, unavailable("the request ended before its events could be read")
	}
	if err != nil {
		return nil, inputProblem(err)
	}
	return &mapOutput{Body: res}, nil
}

func (s *server) validatePayload(_ context.Context, in *rawInput) (*validOutput, error) {
	vs := kendo.Validate(in.RawBody)
	if why := jsonProblem(in.RawBody); why != "" {
		if len(vs) == 0 {
			vs = []kendo.Violation{{Location: "body", Message: why}}
		}
		return nil, huma.Error400BadRequest("the body is not JSON", violationErrors(vs)...)
	}
	if len(vs) > 0 {
		return nil, violationsProblem(vs)
	}
	return &validOutput{Body: Validity{Valid: true}}, nil
}

// describeBody replaces the request body huma derives from RawBody (a binary string)
// with the JSON schema and examples clients should see. It runs right after Register,
// before the document is ever served.
func describeBody(api huma.API, path, description string, s *huma.Schema, examples map[string]*huma.Example) {
	op := api.OpenAPI().Paths[path].Post
	op.RequestBody = &huma.RequestBody{
		Description: description,
		Required:    true,
		Content: map[string]*huma.MediaType{
			"application/json": {Schema: s, Examples: examples},
		},
	}
}

func intPtr(n int) *int { return &n }
