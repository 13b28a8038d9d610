package handlers

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// KendoWebhookPath receives Kendo's outbound webhook. It needs no inbound credentials
// (OpenPath): the signature is Kendo's authentication.
const KendoWebhookPath = "/kendo/webhook"

// kendoWebhookMaxBytes: Kendo's deliveries are a few hundred bytes; the route is open,
// so it takes no more than any open route (openBodyLimit).
const kendoWebhookMaxBytes = openBodyLimit + 1

// AnalysisRecorder applies one verified Kendo webhook delivery (*delivery.Service
// implements it): call.uploaded for a delivered call makes it analyzed; anything else
// is stored and counted. An error means nothing was recorded, and Kendo should retry.
type AnalysisRecorder interface {
	RecordAnalysis(ctx context.Context, ev kendo.WebhookEvent, raw []byte) (delivery.WebhookResult, error)
}

// KendoWebhook is what POST /kendo/webhook is built from. Without a secret the route
// refuses every delivery (404): an unsigned endpoint would let anyone mark calls analyzed.
type KendoWebhook struct {
	Recorder AnalysisRecorder
	Secrets  [][]byte // --kendo-webhook-secret and every team's secret; any of them verifies
}

type kendoWebhookInput struct {
	Signature  string `header:"X-Kendo-Signature" doc:"Hex HMAC-SHA256 of the raw body, keyed with the webhook secret set in Kendo (Integrations > Webhooks)." example:"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"`
	Event      string `header:"X-Kendo-Event" doc:"The event (call.uploaded, ai.training.completed), or test for a test delivery." example:"call.uploaded"`
	DeliveryID string `header:"X-Kendo-Delivery-Id" doc:"One id per delivery; a repeat changes nothing." example:"dlv_01J9Z6Q2W8"`
}

// KendoWebhookAnswer is what Kendo gets back for a verified delivery.
type KendoWebhookAnswer struct {
	Result delivery.WebhookResult `json:"result" enum:"matched,resolved,unmatched,duplicate,test,ignored" doc:"matched: the delivered call is analyzed now; resolved: no call had this callId, and its duration and agent matched one call whose outcome was unknown alone: that call is delivered and analyzed now (never sent again); unmatched: stored, no delivered call has that Kendo callId; duplicate: this delivery id was seen before; test: Kendo's test delivery, nothing changed; ignored: another event, stored" example:"matched"`
}

type kendoWebhookOutput struct {
	Body KendoWebhookAnswer
}

func registerKendoWebhook(api huma.API, s *server) {
	huma.Register(api, huma.Operation{
		OperationID: "receive-kendo-webhook",
		Method:      http.MethodPost,
		Path:        KendoWebhookPath,
		Summary:     "Receive Kendo's analysis webhook",
		Description: "Set this URL in Kendo (Integrations > Webhooks) with the secret given to `--kendo-webhook-secret` " +
			"(or a team's `webhookSecretEnv`). Needs no inbound credentials: `X-Kendo-Signature` authenticates Kendo, " +
			"and a missing or wrong signature gets a 401. `call.uploaded` for a delivered call makes it `analyzed` " +
			"(`GET /calls/{alowareCallId}` shows `analysis`). Every verified delivery gets a 200 with its `result`: " +
			"test deliveries change nothing, a repeated delivery id changes nothing, an unmatched call is stored and " +
			"counted, never an error to Kendo. 404 while no secret is configured; 503 (with Retry-After) when the " +
			"delivery could not be stored, so Kendo sends it again.",
		Tags:         []string{"calls"},
		MaxBodyBytes: kendoWebhookMaxBytes,
		Errors:       []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusNotFound, http.StatusRequestEntityTooLarge, http.StatusServiceUnavailable},
		Security:     open, // the signature is Kendo's authentication
	}, s.kendoWebhook)
	describeBody(api, KendoWebhookPath, "A Kendo webhook delivery, exactly as Kendo sends it (the signature covers these bytes).",
		&huma.Schema{
			Type:                 "object",
			AdditionalProperties: true,
			Properties: map[string]*huma.Schema{
				"id":         {Type: "string", Description: "Kendo's event id", Examples: []any{"evt_01J9Z6Q2W8K3M5N7P9R1T3V5X7"}},
				"event":      {Type: "string", Description: "call.uploaded, ai.training.completed …", Examples: []any{"call.uploaded"}},
				"created_at": {Type: "string", Format: "date-time"},
				"data":       {Type: "object", AdditionalProperties: true, Description: "For call.uploaded: callId (the callId the Push API answered), agentId, agentName, userId, teamMemberUserId, duration (number), aiScore (a string such as \"87\"), timestamp; `_isTest: true` in test deliveries."},
			},
		},
		map[string]*huma.Example{"callUploaded": example("An analysis is available for a call", exampleKendoWebhook)})
	// huma would answer a missing required header with its own 422; Kendo gets a 401
	// from the handler instead, and the document still says the header is required.
	for _, p := range api.OpenAPI().Paths[KendoWebhookPath].Post.Parameters {
		if p.In == "header" && p.Name == kendo.SignatureHeader {
			p.Required = true
		}
	}
}

const exampleKendoWebhook = `{"id":"evt_01J9Z6Q2W8K3M5N7P9R1T3V5X7","event":"call.uploaded","created_at":"2026-08-05T21:02:11.482Z","data":{"callId":"5f0c6a2e-8d4b-4c1e-9a7f-3b2d1e0f9c8a","agentId":"agt_7Hk2Lm9Qx","agentName":"Sam Carter","userId":"usr_3Fp8Rt1Wz","teamMemberUserId":"tmu_9Bn4Cv6Xs","duration":245.5,"aiScore":"87","timestamp":"2026-08-05T21:02:10Z"}}`

func (s *server) kendoWebhook(ctx context.Context, in *kendoWebhookInput) (*kendoWebhookOutput, error) {
	raw := requestBody(ctx) // read once, under the body budget
	hook := s.deps.KendoWebhook
	if len(hook.Secrets) == 0 {
		s.log.Warn("kendo webhook refused: no secret configured (set --kendo-webhook-secret)")
		return nil, huma.Error404NotFound("Kendo's webhook is not enabled on this service: set --kendo-webhook-secret to the secret set in Kendo")
	}
	log := s.log.With("deliveryId", in.DeliveryID, "event", in.Event)
	if in.Signature == "" {
		log.Warn("kendo webhook refused: no signature")
		return nil, huma.Error401Unauthorized("missing " + kendo.SignatureHeader)
	}
	if !kendo.VerifySignature(hook.Secrets, raw, in.Signature) {
		log.Warn("kendo webhook refused: the signature does not match any configured secret")
		return nil, huma.Error401Unauthorized(kendo.SignatureHeader + " does not match the body under any configured webhook secret")
	}
	header := http.Header{}
	header.Set(kendo.EventHeader, in.Event)
	header.Set(kendo.DeliveryIDHeader, in.DeliveryID)
	ev, err := kendo.ParseWebhook(header, raw)
	if err != nil { // only kendo.ErrWebhookBody: there is nothing to read
		return nil, huma.Error400BadRequest("the body is not a JSON object", &huma.ErrorDetail{Location: "body", Message: err.Error()})
	}
	if len(ev.Dropped) > 0 {
		log.Warn("kendo webhook: unreadable fields dropped", "fields", ev.Dropped)
	}
	if ev.Test {
		// The engine counts it (result="test") and changes nothing; whatever it says, a
		// verified test delivery is answered as one.
		if hook.Recorder != nil {
			if _, err := hook.Recorder.RecordAnalysis(ctx, ev, raw); err != nil {
				log.Warn("kendo webhook: test delivery not counted", "error", err)
			}
		}
		log.Info("kendo webhook: test delivery verified")
		return &kendoWebhookOutput{Body: KendoWebhookAnswer{Result: delivery.WebhookTest}}, nil
	}
	if hook.Recorder == nil {
		return nil, unavailable("analysis is not recorded in this process")
	}
	res, err := hook.Recorder.RecordAnalysis(ctx, ev, raw)
	if err != nil {
		log.Error("kendo webhook: not recorded; Kendo will retry", "kendoCallId", ev.Data.KendoCallID, "error", err)
		return nil, unavailable("the delivery could not be stored; send it again")
	}
	log.Info("kendo webhook recorded", "kendoCallId", ev.Data.KendoCallID, "result", string(res))
	return &kendoWebhookOutput{Body: KendoWebhookAnswer{Result: res}}, nil
}
