package handlers

import (
	"encoding/json"

	"github.com/danielgtaylor/huma/v2"
)

// Examples for the OpenAPI document, shaped like the captured Aloware deliveries in
// docs and testdata (values are illustrative; field names and types are the real ones).
const (
	exampleCompleted       = `{"event":"OutboundPhoneCall-DispositionCompleted","body":{"id":940868616,"type":1,"direction":2,"current_status":"completed","current_status2":9,"disposition_status":"completed","disposition_status2":4,"call_disposition_id":31227,"call_disposition":"Interested","talk_time":63,"wait_time":2,"hold_time":0,"duration":66,"created_at":"2026-08-05 20:58:49","updated_at":"2026-08-05 21:00:00","contact_id":155091981,"user_id":120776,"owner_id":120776,"user_email":"sam@example.com","campaign_id":63949,"ring_group_id":29109,"incoming_number":"+12025550142","lead_number":"+12025550177","has_recording":true,"has_transcription":false,"contact":{"id":155091981,"name":"Jane Doe","first_name":"Jane","last_name":"Doe","phone_number":"+12025550177"}}}`
	exampleRecording       = `{"event":"Recording-Saved","body":{"id":940868616,"type":1,"direction":2,"current_status2":9,"disposition_status2":4,"talk_time":63,"wait_time":2,"duration":66,"user_id":120776,"direct_recording_url":"https://app.aloware.io/static/recording/32c1a2f8-0000-4000-8000-000000000000","incoming_number":"+12025550142","lead_number":"+12025550177","created_at":"2026-08-05 20:58:49","updated_at":"2026-08-05 21:00:04","contact":{"id":155091981}}}`
	exampleTranscript      = `{"event":"Transcription-Saved","body":{"id":940868616,"type":1,"direction":2,"duration":66,"has_transcription":true,"parsed_transcription":{"messages":[{"speaker":"AGENT","text":"Hi, this is Sam from Acme.","start":1200,"end":3900},{"speaker":"CONTACT","text":"Hello? Yes, I was expecting your call.","start":4100,"end":6800}],"talk_time_analysis":{"AGENT":62.5,"CONTACT":37.5}},"contact":{"id":155091981,"name":"Jane Doe"}}}`
	exampleTestPayload     = `{"test_payload":true}`
	exampleKendoPayload    = `{"callTitle":"Outbound call with Jane Doe","repName":"Sam Carter","repEmail":"sam@example.com","callDate":"2026-08-05T20:58:49Z","duration":63,"audioUrl":"https://app.aloware.io/static/recording/32c1a2f8-0000-4000-8000-000000000000","transcript":"Rep: Hi, this is Sam from Acme.\nCustomer: Hello? Yes, I was expecting your call.","metadata":{"source":"aloware","alowareCallId":"940868616","alowareContactId":"155091981","alowareCampaignId":"63949","alowareDirection":"outbound","syncMethod":"webhook"}}`
	exampleBadKendoPayload = `{"callTitle":"Demo","repEmail":"not-an-email","duration":"66","metadata":{"nested":{"a":1}}}`
)

func jsonValue(s string) any {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		panic("handlers: bad example JSON: " + err.Error()) // constants above; a test covers them
	}
	return v
}

func example(summary, raw string) *huma.Example {
	return &huma.Example{Summary: summary, Value: jsonValue(raw)}
}

// alowareEventExamples are the request examples of /map and /push.
func alowareEventExamples(withArray bool) map[string]*huma.Example {
	ex := map[string]*huma.Example{
		"completed":   example("Outbound call finished (OutboundPhoneCall-DispositionCompleted)", exampleCompleted),
		"recording":   example("Recording saved for the same call (Recording-Saved)", exampleRecording),
		"transcript":  example("Transcript saved for the same call (Transcription-Saved)", exampleTranscript),
		"testPayload": example(`Aloware's "Save & Test Webhook" delivery`, exampleTestPayload),
	}
	if withArray {
		ex["lifecycle"] = example("Every event of one call, in arrival order", "["+exampleCompleted+","+exampleRecording+","+exampleTranscript+"]")
	}
	return ex
}

// exampleBadKendoAnswer is what /validate answers to exampleBadKendoPayload (a test
// holds it to the real answer).
const exampleBadKendoAnswer = `{"title":"Unprocessable Entity","status":422,"detail":"Kendo would refuse this payload (4 problem(s))","errors":[{"message":"at least one of transcript or audioUrl must be present and non-empty","location":"body"},{"message":"got string, want number","location":"body.duration"},{"message":"got object, want boolean or number or string","location":"body.metadata.nested"},{"message":"'not-an-email' is not valid email: missing @","location":"body.repEmail"}]}`
