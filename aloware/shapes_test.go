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

// TestParseRealShapeFixtures reads the shapes real Aloware traffic takes, captured in
// testdata/aloware: Zapier's flattened keys with both status spellings, and the flat
// lifecycle of Aloware's n8n trigger.
func TestParseRealShapeFixtures(t *testing.T) {
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

// TestParseFlatEnvelope: without communication fields beside it, a string body is still
// a broken envelope, not the flat form of Aloware's n8n trigger (whose cases are rows of
// TestParseInlineShapes).
func TestParseFlatEnvelope(t *testing.T) {
	if _, err := Parse([]byte(`{"event":"InboundPhoneCall","body":"call 940868616"}`)); err == nil {
		t.Error("an envelope with a string body was taken for the flat form")
	}
}
