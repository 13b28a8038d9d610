package aloware

import "testing"

// TestTranscriptEventsNameTheirCall: a transcript or summary event names its call in
// communication_id, then communication.id; body.id only when neither is there (the early
// shape, whose body is the communication). In the nested shape body.id is the
// transcription's own id: taking it splits one call into two in Kendo.
func TestTranscriptEventsNameTheirCall(t *testing.T) {
	const transcript = `"parsed_transcription":{"messages":[{"speaker":"AGENT","text":"hi","start":1,"end":2}]}`
	tests := []struct {
		name, in, callID string
	}{
		{"Transcription-Saved, communication_id", `{"event":"Transcription-Saved","body":{"id":88121,"transcription_id":"5e0c","driver":"deepgram","communication_id":940868616,` + transcript + `}}`, "940868616"},
		{"Transcription-Saved, communication.id", `{"event":"Transcription-Saved","body":{"id":88121,"communication":{"id":940868616},` + transcript + `}}`, "940868616"},
		{"communication_id before communication.id", `{"event":"Transcription-Saved","body":{"id":88121,"communication_id":"940868616","communication":{"id":940868616},` + transcript + `}}`, "940868616"},
		{"early shape: body.id is the call", `{"event":"Transcription-Saved","body":{"id":940868616,"direction":2,` + transcript + `}}`, "940868616"},
		{"dotted name", `{"event":"transcription.saved","body":{"id":88121,"communication_id":940868616,` + transcript + `}}`, "940868616"},
		{"spaced name", `{"event":"Transcription Saved","body":{"id":88121,"communication_id":940868616,` + transcript + `}}`, "940868616"},
		{"summary with communication_id", `{"event":"transcription.call.summarized","body":{"id":5,"communication_id":940868616,"summary":"s"}}`, "940868616"},
		{"Call Summarized label", `{"event":"Call Summarized","body":{"id":5,"communication_id":940868616,"summary":"s"}}`, "940868616"},
		{"transcription.* early shape with only body.id", `{"event":"transcription.open_search.saved","body":{"id":940868616,` + transcript + `}}`, "940868616"},
		{"flat form", `{"event":"Transcription-Saved","id":88121,"communication_id":940868616,` + transcript + `}`, "940868616"},
		{"Zapier form", `{"Event":"Transcription-Saved","ID":88121,"Communication ID":940868616,"Type":1}`, "940868616"},
		{"Zapier form, nested communication", `{"Event":"Transcription-Saved","ID":88121,"Communication":{"ID":940868616}}`, "940868616"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := Parse([]byte(tc.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if ev.AlowareCallID != tc.callID || ev.Kind != KindCall || len(ev.Warnings) != 0 {
				t.Errorf("id=%q kind=%q warnings %v, want %q call, none", ev.AlowareCallID, ev.Kind, ev.Warnings, tc.callID)
			}
		})
	}
}

// TestTranscriptionRecordKeepsTheCallsFields: the nested body is the transcription's own
// record; its type, times and duration are not the call's and must not replace them, while
// its transcript, summary and agent are read.
func TestTranscriptionRecordKeepsTheCallsFields(t *testing.T) {
	ev, err := Parse([]byte(`{"event":"Transcription-Saved","body":{"id":88121,"type":4,"communication_id":940868616,
		"created_at":"2026-08-05 21:00:41","updated_at":"2026-08-05 21:00:42","duration":12,"user_id":120776,
		"parsed_transcription":{"messages":[{"speaker":"AGENT","text":"hi","start":1,"end":2}]},
		"communication":{"id":940868616,"type":1,"direction":2,"created_at":"2026-08-05 20:58:49","duration":66}}}`))
	if err != nil {
		t.Fatal(err)
	}
	c := ev.Comm
	eqStr(t, "call id", ev.AlowareCallID, "940868616")
	eqInt(t, "Type", c.Type, intp(1))
	eqInt(t, "Duration", c.Duration, intp(66))
	eqTime(t, "CreatedAt", c.CreatedAt, "2026-08-05T20:58:49Z")
	eqStr(t, "UserID", c.UserID, "120776")
	if len(c.Transcript) != 1 {
		t.Errorf("transcript not read: %+v", c.Transcript)
	}
	if !c.UpdatedAt.IsZero() {
		t.Errorf("UpdatedAt = %v: the transcription's own time was read as the call's", c.UpdatedAt)
	}
}

// TestTranscriptCallIDUnreadable: a communication_id that cannot be read costs the event
// (quarantine) rather than falling back to body.id, which would name the wrong call.
func TestTranscriptCallIDUnreadable(t *testing.T) {
	_, err := Parse([]byte(`{"event":"Transcription-Saved","body":{"id":88121,"communication_id":"abc"}}`))
	ie, ok := err.(*InputError)
	if !ok || !ie.IsObject || len(ie.Problems) == 0 || ie.Problems[0].Field != "body.body.communication_id" {
		t.Fatalf("err = %#v, want an object InputError at body.body.communication_id", err)
	}
}
