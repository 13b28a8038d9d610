package kendo

// MaxBodyBytes is Kendo's documented request body limit (5 MB = 5 × 1024 × 1024 bytes).
const MaxBodyBytes = 5 << 20

// Payload is the body of a Kendo Push API ingest request (camelCase spelling; Kendo
// also accepts snake_case aliases, which Validate allows but we never send).
type Payload struct {
	CallTitle  string            `json:"callTitle,omitempty" doc:"Title shown in Kendo; Kendo generates one with AI when omitted" example:"Outbound - Renewal Follow-up"`
	RepName    string            `json:"repName,omitempty" doc:"Name of the rep (Aloware agent)" example:"Sam Carter"`
	RepEmail   string            `json:"repEmail,omitempty" format:"email" doc:"E-mail of the rep; Kendo matches it to a team member" example:"sam@example.com"`
	CallDate   string            `json:"callDate,omitempty" format:"date-time" doc:"When the call started, RFC 3339 UTC" example:"2026-08-05T20:58:49Z"`
	Duration   *int              `json:"duration,omitempty" minimum:"0" doc:"Call length in seconds (talk time when known)" example:"63"`
	AudioURL   string            `json:"audioUrl,omitempty" format:"uri" doc:"Public http(s) URL of the recording; Kendo downloads and transcribes it" example:"https://app.aloware.io/static/recording/32c1a2f8-0000-4000-8000-000000000000"`
	Transcript string            `json:"transcript,omitempty" doc:"Plain-text transcript, one 'Rep: …' / 'Customer: …' line per utterance" example:"Rep: Hi, this is Sam.\nCustomer: Hello?"`
	Metadata   map[string]string `json:"metadata,omitempty" doc:"Flat key/value metadata: source, alowareCallId, alowareContactId, alowareCampaignId, alowareDirection, syncMethod"`
}
