package aloware

import (
	"testing"
)

// TestParseZapierKeySpellings: Zapier has spelled the same field several ways ("User
// ID", "User Id", …); every spelling reads the same field (rule I1).
func TestParseZapierKeySpellings(t *testing.T) {
	for _, key := range []string{"User ID", "User Id", "user id", "USER ID", "User_Id", "user_id", "UserId"} {
		ev, err := Parse([]byte(`{"ID":1,"Type":1,"` + key + `":123260,"Contact Id":"55","Owner Id":9,"Current Status 2":9,"Disposition Status 2":4,"Has Recording":true,"Wait Time":"25","Hold Time":3,"Ring Group Id":29114}`))
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		c := ev.Comm
		eqStr(t, key, c.UserID, "123260")
		eqStr(t, "ContactID", c.ContactID, "55")
		eqInt(t, "CurrentStatus2", c.CurrentStatus2, intp(9))
		eqInt(t, "DispositionStatus2", c.DispositionStatus2, intp(4))
		eqInt(t, "WaitTime", c.WaitTime, intp(25))
		eqInt(t, "HoldTime", c.HoldTime, intp(3))
		eqStr(t, "RingGroupID", c.RingGroupID, "29114")
		if c.HasRecording == nil || !*c.HasRecording {
			t.Errorf("%s: HasRecording not read", key)
		}
	}
	// A warning names the key as Zapier spelled it.
	ev, err := Parse([]byte(`{"ID":1,"Type":1,"Wait Time":{"s":1}}`))
	if err != nil || len(ev.Warnings) != 1 || ev.Warnings[0].Field != "body.Wait Time" {
		t.Errorf("warnings %+v (%v), want one at body.Wait Time", ev.Warnings, err)
	}
}

// TestParseFixturesOfIssue11 reads the real shapes issue 11 describes.
func TestParseFixturesOfIssue11(t *testing.T) {
	ev, err := Parse(readFixture(t, "aloware/zapier-call-ringing-sms-name.json"))
	if err != nil {
		t.Fatal(err)
	}
	eqStr(t, "CurrentStatus", ev.Comm.CurrentStatus, "ringing")
	eqInt(t, "CurrentStatus2", ev.Comm.CurrentStatus2, intp(1))
	eqStr(t, "DispositionStatus", ev.Comm.DispositionStatus, "in-progress")
	eqInt(t, "DispositionStatus2", ev.Comm.DispositionStatus2, intp(1))
	eqStr(t, "UserID", ev.Comm.UserID, "123260")
	eqStr(t, "UserName", ev.Comm.UserName, "Oscar Villanueva")
	eqStr(t, "ContactID", ev.Comm.ContactID, "169745494")

	ev, err = Parse(readFixture(t, "aloware/zapier-real-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	eqStr(t, "UserEmail", ev.Comm.UserEmail, "oscar.villanueva@example.com")
	eqStr(t, "RecordingURL", ev.Comm.RecordingURL, "https://app.aloware.io/static/recording/5d0c7e4a-2b1f-4c3e-9a8d-6f7e8d9c0b1a")
	eqStr(t, "CallDisposition", ev.Comm.CallDisposition, "Appointment Set")
	eqStr(t, "ContactName", ev.Comm.ContactName, "Priya Raman")
	eqInt(t, "HoldTime", ev.Comm.HoldTime, intp(14))

	evs, err := ParseBatch(readFixture(t, "aloware/n8n-trigger-flat-lifecycle.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.AlowareCallID != "940880001" || ev.Kind != KindCall || len(ev.Warnings) != 0 {
			t.Errorf("%s: id %q kind %q warnings %v", ev.Name, ev.AlowareCallID, ev.Kind, ev.Warnings)
		}
	}
}

// TestParseFlatEnvelope: Aloware's n8n trigger flattens {"event", "body": {…}} into
// {"event", …body} by default; that form reads as its envelope does.
func TestParseFlatEnvelope(t *testing.T) {
	tests := []struct {
		name   string
		flat   string
		kind   Kind
		callID string
	}{
		{"call with the empty SMS text", `{"event":"Recording-Saved","id":5,"type":1,"direct_recording_url":"https://r.example/a","body":""}`, KindCall, "5"},
		{"call without a body key", `{"event":"OutboundPhoneCall","id":5,"direction":2}`, KindCall, "5"},
		{"body null", `{"event":"OutboundPhoneCall","id":5,"body":null}`, KindCall, "5"},
		{"SMS with its text", `{"event":"InboundSMS-DispositionCompleted","id":6,"type":2,"body":"See you at 3"}`, KindSMS, "6"},
		{"summary", `{"event":"transcription.call.summarized","communication":{"id":7},"summary":"Booked.","contact":{"id":1}}`, KindCall, "7"},
		{"contact event", `{"event":"Contact Created","id":155091981,"created_at":"2026-08-05 20:58:49"}`, KindOther, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := Parse([]byte(tc.flat))
			if err != nil {
				t.Fatal(err)
			}
			if ev.Kind != tc.kind || ev.AlowareCallID != tc.callID || len(ev.Warnings) != 0 {
				t.Errorf("kind %q id %q warnings %v, want %q %q", ev.Kind, ev.AlowareCallID, ev.Warnings, tc.kind, tc.callID)
			}
		})
	}
	// Without communication fields beside it, a string body is still a broken envelope.
	if _, err := Parse([]byte(`{"event":"InboundPhoneCall","body":"call 940868616"}`)); err == nil {
		t.Error("an envelope with a string body was taken for the flat form")
	}
}
