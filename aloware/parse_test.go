package aloware

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/jsontape"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func intp(n int) *int { return &n }

func TestParseShapes(t *testing.T) {
	tests := []struct {
		fixture string
		name    string
		kind    Kind
		callID  string
		check   func(t *testing.T, c Communication)
	}{
		{"aloware/example-a-outbound-completed.json", "OutboundPhoneCall-DispositionCompleted", KindCall, "940868616", func(t *testing.T, c Communication) {
			eqInt(t, "Direction", c.Direction, intp(2))
			eqInt(t, "CurrentStatus2", c.CurrentStatus2, intp(9))
			eqInt(t, "DispositionStatus2", c.DispositionStatus2, intp(4))
			eqInt(t, "TalkTime", c.TalkTime, intp(63))
			eqInt(t, "WaitTime", c.WaitTime, intp(2))
			eqInt(t, "HoldTime", c.HoldTime, intp(0))
			eqInt(t, "Duration", c.Duration, intp(66))
			eqStr(t, "CallDisposition", c.CallDisposition, "No Answer")
			eqStr(t, "CallDispositionID", c.CallDispositionID, "31227")
			eqStr(t, "CurrentStatus", c.CurrentStatus, "completed")
			eqStr(t, "UserEmail", c.UserEmail, "agent@example.com")
			eqStr(t, "UserID", c.UserID, "120776")
			eqStr(t, "ContactID", c.ContactID, "155091981")
			eqStr(t, "ContactName", c.ContactName, "Jane Doe")
			eqStr(t, "CampaignID", c.CampaignID, "63949")
			eqTime(t, "CreatedAt", c.CreatedAt, "2026-08-05T20:58:49Z")
			eqTime(t, "UpdatedAt", c.UpdatedAt, "2026-08-05T21:00:00Z")
			if c.HasRecording == nil || !*c.HasRecording {
				t.Error("HasRecording not true")
			}
		}},
		{"aloware/example-b-recording-saved.json", "Recording-Saved", KindCall, "940868616", func(t *testing.T, c Communication) {
			eqStr(t, "RecordingURL", c.RecordingURL, "https://app.aloware.io/static/recording/32c1a2f8-5b7e-4c0a-9d1e-7f6a2b3c4d5e")
		}},
		{"aloware/example-c-call-summarized.json", "transcription.call.summarized", KindCall, "940868616", func(t *testing.T, c Communication) {
			eqStr(t, "Summary", c.Summary, "Seller confirmed coverage and scheduled a callback.")
			eqStr(t, "ContactID", c.ContactID, "155091981")
		}},
		{"aloware/example-d-transcription-saved.json", "Transcription-Saved", KindCall, "940868616", func(t *testing.T, c Communication) {
			if len(c.Transcript) != 2 || c.Transcript[0] != (Utterance{Speaker: "AGENT", Text: "Hi, this is Sam...", StartMS: 1200, EndMS: 3900}) {
				t.Errorf("Transcript = %+v", c.Transcript)
			}
		}},
		{"lifecycle/outbound-940868616/06-transcription.open_search.saved.json", "transcription.open_search.saved", KindCall, "940868616", func(t *testing.T, c Communication) {
			if len(c.Transcript) != 7 {
				t.Errorf("len(Transcript) = %d, want 7", len(c.Transcript))
			}
		}},
		{"lifecycle/outbound-940868616/02-OutboundPhoneCall-DispositionCompleted.json", "OutboundPhoneCall-DispositionCompleted", KindCall, "940868616", func(t *testing.T, c Communication) {
			eqStr(t, "UserName", c.UserName, "Sam Carter")
			eqStr(t, "CampaignName", c.CampaignName, "Renewals Line")
			eqStr(t, "RecordingURL", c.RecordingURL, "") // the key is present but null
		}},
		{"lifecycle/outbound-940868616/01-OutboundPhoneCall.json", "OutboundPhoneCall", KindCall, "940868616", func(t *testing.T, c Communication) {
			eqStr(t, "UserID", c.UserID, "") // null on initiation
			eqInt(t, "CurrentStatus2", c.CurrentStatus2, intp(1))
		}},
		{"aloware/missed-inbound.json", "InboundPhoneCall-DispositionMissed", KindCall, "940871555", func(t *testing.T, c Communication) {
			eqInt(t, "DispositionStatus2", c.DispositionStatus2, intp(3))
			eqInt(t, "Direction", c.Direction, intp(1))
		}},
		{"aloware/sms-inbound.json", "InboundSMS-DispositionCompleted", KindSMS, "940872001", nil},
		{"aloware/sms-outbound-invalid.json", "OutboundSMS-DispositionInvalid", KindSMS, "940872050", nil},
		{"aloware/appointment.json", "OutboundAppointment", KindAppointment, "940873000", nil},
		{"aloware/test-payload.json", "", KindTest, "", nil},
		{"aloware/contact-created.json", "Contact Created", KindOther, "", nil},
		{"aloware/unknown-event-call.json", "OutboundPhoneCall-DispositionVoicemail", KindCall, "940875000", nil},
		{"aloware/brand-new-event-name.json", "Call-Transferred", KindCall, "940875100", nil},
		{"aloware/zapier-call-disposed.json", "OutboundSMS-DispositionCompleted", KindCall, "940874321", func(t *testing.T, c Communication) {
			eqInt(t, "Type", c.Type, intp(1))
			eqInt(t, "Direction", c.Direction, intp(2))
			eqStr(t, "CurrentStatus", c.CurrentStatus, "completed")
			eqStr(t, "DispositionStatus", c.DispositionStatus, "completed")
			eqInt(t, "TalkTime", c.TalkTime, intp(8))
			eqInt(t, "Duration", c.Duration, intp(33))
			eqStr(t, "UserID", c.UserID, "123260")
			eqStr(t, "UserName", c.UserName, "Dana Whitfield")
			eqStr(t, "CampaignID", c.CampaignID, "70112")
			eqStr(t, "CampaignName", c.CampaignName, "Boston Outbound")
			eqStr(t, "CallDisposition", c.CallDisposition, "Left Message")
			eqTime(t, "CreatedAt", c.CreatedAt, "2026-09-22T14:05:10Z")
		}},
		{"aloware/zapier-flat-user.json", "InboundPhoneCall-DispositionCompleted", KindCall, "940874400", func(t *testing.T, c Communication) {
			eqInt(t, "Direction", c.Direction, intp(1))
			eqInt(t, "TalkTime", c.TalkTime, intp(212))
			eqStr(t, "UserID", c.UserID, "123260")
			eqStr(t, "UserEmail", c.UserEmail, "dana.whitfield@example.com")
			eqStr(t, "ContactName", c.ContactName, "Omar Haddad")
			eqTime(t, "CreatedAt", c.CreatedAt, "2026-09-22T15:01:00Z")
		}},
		{"aloware/bare-communication.json", "", KindCall, "940870777", func(t *testing.T, c Communication) {
			eqInt(t, "TalkTime", c.TalkTime, intp(148))
		}},
		{"aloware/string-ids.json", "Recording-Saved", KindCall, "940868700", func(t *testing.T, c Communication) {
			eqInt(t, "Type", c.Type, intp(1))
			eqInt(t, "TalkTime", c.TalkTime, intp(45))
			eqStr(t, "UserID", c.UserID, "120776")
			eqTime(t, "CreatedAt", c.CreatedAt, "2026-08-05T19:00:00Z")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			ev, err := Parse(readFixture(t, tc.fixture))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if ev.Name != tc.name || ev.Kind != tc.kind || ev.AlowareCallID != tc.callID {
				t.Errorf("got name=%q kind=%q id=%q, want %q %q %q", ev.Name, ev.Kind, ev.AlowareCallID, tc.name, tc.kind, tc.callID)
			}
			if tc.check != nil {
				tc.check(t, ev.Comm)
			}
		})
	}
}

func TestParseInlineShapes(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		kind   Kind
		callID string
		check  func(t *testing.T, c Communication)
	}{
		{"dotted lowercase name", `{"event":"recording.saved","body":{"id":5,"direct_recording_url":"https://x.example/r"}}`, KindCall, "5", nil},
		{"conference type", `{"event":"Whatever","body":{"id":5,"type":3}}`, KindCall, "5", nil},
		{"type outranks SMS name", `{"event":"OutboundSMS-DispositionCompleted","body":{"id":5,"type":1}}`, KindCall, "5", nil},
		{"SMS type outranks call name", `{"event":"OutboundPhoneCall","body":{"id":5,"type":2}}`, KindSMS, "5", nil},
		{"email type is other", `{"event":"Foo","body":{"id":5,"type":5}}`, KindOther, "5", nil},
		{"unknown name, no call fields", `{"event":"Something-Else","body":{"id":5}}`, KindOther, "5", nil},
		{"no body.id but communication.id", `{"event":"Call Summarized","body":{"communication":{"id":"77"},"summary":"s"}}`, KindCall, "77", nil},
		{"transcription.* ignores its own body.id", `{"event":"transcription.call.summarized","body":{"id":1,"communication":{"id":77}}}`, KindCall, "77", nil},
		{"bare SMS with string body", `{"id":9,"type":2,"body":"hello"}`, KindSMS, "9", nil},
		{"bare without type is other", `{"id":9}`, KindOther, "9", nil},
		{"exponent id", `{"event":"InboundPhoneCall","body":{"id":9.40868616e8}}`, KindCall, "940868616", nil},
		{"leading zeros in string id", `{"event":"InboundPhoneCall","body":{"id":"000123"}}`, KindCall, "123", nil},
		{"null fields are absent", `{"event":"InboundPhoneCall","body":{"id":1,"talk_time":null,"user":null,"contact":null,"parsed_transcription":null}}`, KindCall, "1", func(t *testing.T, c Communication) {
			if c.TalkTime != nil || c.UserName != "" || c.Transcript != nil {
				t.Errorf("nulls were read: %+v", c)
			}
		}},
		{"user as a plain string", `{"event":"InboundPhoneCall","body":{"id":1,"user":"Sam"}}`, KindCall, "1", func(t *testing.T, c Communication) {
			eqStr(t, "UserName", c.UserName, "Sam")
		}},
		{"user full_name fallback", `{"event":"InboundPhoneCall","body":{"id":1,"user":{"id":4,"full_name":"Sam C"}}}`, KindCall, "1", func(t *testing.T, c Communication) {
			eqStr(t, "UserName", c.UserName, "Sam C")
			eqStr(t, "UserID", c.UserID, "4")
		}},
		{"contact first+last name", `{"event":"InboundPhoneCall","body":{"id":1,"contact":{"id":2,"first_name":"Jo","last_name":"Ng"}}}`, KindCall, "1", func(t *testing.T, c Communication) {
			eqStr(t, "ContactName", c.ContactName, "Jo Ng")
		}},
		{"parsed_transcription as a JSON string", `{"event":"Transcription-Saved","body":{"id":1,"parsed_transcription":"{\"messages\":[{\"speaker\":\"A\",\"text\":\"hi\",\"start\":5.6,\"end\":9}]}"}}`, KindCall, "1", func(t *testing.T, c Communication) {
			if len(c.Transcript) != 1 || c.Transcript[0].StartMS != 6 || c.Transcript[0].Speaker != "A" {
				t.Errorf("Transcript = %+v", c.Transcript)
			}
		}},
		{"fractional seconds round", `{"event":"InboundPhoneCall","body":{"id":1,"talk_time":62.6,"duration":"66.0"}}`, KindCall, "1", func(t *testing.T, c Communication) {
			eqInt(t, "TalkTime", c.TalkTime, intp(63))
			eqInt(t, "Duration", c.Duration, intp(66))
		}},
		{"RFC 3339 with offset becomes UTC", `{"event":"InboundPhoneCall","body":{"id":1,"created_at":"2026-08-05T15:58:49-05:00"}}`, KindCall, "1", func(t *testing.T, c Communication) {
			eqTime(t, "CreatedAt", c.CreatedAt, "2026-08-05T20:58:49Z")
			if c.CreatedAt.Location() != time.UTC {
				t.Errorf("location %v, want UTC", c.CreatedAt.Location())
			}
		}},
		{"zapier outbound label", `{"ID":3,"Direction":"Outbound","Type":"Call"}`, KindCall, "3", func(t *testing.T, c Communication) {
			eqInt(t, "Direction", c.Direction, intp(2))
		}},
		{"zapier numeric status", `{"ID":3,"Type":1,"Current Status":9,"Disposition Status":"3"}`, KindCall, "3", func(t *testing.T, c Communication) {
			eqInt(t, "CurrentStatus2", c.CurrentStatus2, intp(9))
			eqInt(t, "DispositionStatus2", c.DispositionStatus2, intp(3))
		}},
		// Aloware's n8n trigger flattens {"event", "body": {…}} into {"event", …body} by
		// default; that form reads as its envelope does.
		{"flat: call with the empty SMS text", `{"event":"Recording-Saved","id":5,"type":1,"direct_recording_url":"https://r.example/a","body":""}`, KindCall, "5", nil},
		{"flat: call without a body key", `{"event":"OutboundPhoneCall","id":5,"direction":2}`, KindCall, "5", nil},
		{"flat: body null", `{"event":"OutboundPhoneCall","id":5,"body":null}`, KindCall, "5", nil},
		{"flat: SMS with its text", `{"event":"InboundSMS-DispositionCompleted","id":6,"type":2,"body":"See you at 3"}`, KindSMS, "6", nil},
		{"flat: summary", `{"event":"transcription.call.summarized","communication":{"id":7},"summary":"Booked.","contact":{"id":1}}`, KindCall, "7", nil},
		{"flat: contact event", `{"event":"Contact Created","id":155091981,"created_at":"2026-08-05 20:58:49"}`, KindOther, "", nil},
		{"unknown fields of any type are ignored", `{"event":"InboundPhoneCall","body":{"id":1,"engagement_data":[1,{"x":null}],"csat_score":"n/a","public_metadata":{"a":[]},"owner_id":-1}}`, KindCall, "1", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := Parse([]byte(tc.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if ev.Kind != tc.kind || ev.AlowareCallID != tc.callID || len(ev.Warnings) != 0 {
				t.Errorf("kind=%q id=%q warnings %v, want %q %q and none", ev.Kind, ev.AlowareCallID, ev.Warnings, tc.kind, tc.callID)
			}
			if tc.check != nil {
				tc.check(t, ev.Comm)
			}
		})
	}
}

// TestParseUnusable: input that cannot be used at all is an *InputError naming where,
// and IsObject/NotJSON say which kind it is (a JSON object goes to quarantine; what is
// not JSON at all gets a 400).
func TestParseUnusable(t *testing.T) {
	deep := strings.Repeat(`{"a":`, jsontape.MaxDepth+1) + "1" + strings.Repeat("}", jsontape.MaxDepth+1)
	const notJSON, notObject, object = 0, 1, 2
	tests := []struct {
		name  string
		in    string
		field string // a problem must name exactly this field
		kind  int
	}{
		{"empty", ``, "body", notJSON},
		{"only whitespace", " \n\t ", "body", notJSON},
		{"not JSON", `hello`, "body", notJSON},
		{"truncated", `{"event":"OutboundPhoneCall","body":{"id":1`, "body", notJSON},
		{"trailing garbage", `{"id":1} x`, "body", notJSON},
		{"invalid UTF-8", "{\"event\":\"InboundPhoneCall\",\"body\":{\"id\":1,\"contact\":{\"name\":\"\xff\xfe\"}}}", "body", notJSON},
		{"number", `42`, "body", notObject},
		{"string", `"OutboundPhoneCall"`, "body", notObject},
		{"null", `null`, "body", notObject},
		{"array (Parse takes one event)", `[{"id":1}]`, "body", notObject},
		{"deep nesting (an object: kept in quarantine)", deep, "body", object},
		{"deep nesting in an array", "[" + deep + "]", "body", notObject},
		{"deep nesting that is not JSON either", strings.TrimSuffix(deep, "}"), "body", notJSON},
		{"no Aloware shape", `{"foo":1}`, "body", object},
		{"empty object", `{}`, "body", object},
		{"envelope without body", `{"event":"OutboundPhoneCall"}`, "body.body", object},
		{"body not an object", `{"event":"OutboundPhoneCall","body":[1]}`, "body.body", object},
		{"call without id", `{"event":"OutboundPhoneCall","body":{"type":1}}`, "body.body.id", object},
		{"summary without communication id", `{"event":"transcription.call.summarized","body":{"summary":"x"}}`, "body.body.communication.id", object},
		{"summary communication not an object", `{"event":"transcription.call.summarized","body":{"communication":"77"}}`, "body.body.communication", object},
		{"id not numeric", `{"event":"OutboundPhoneCall","body":{"id":"abc"}}`, "body.body.id", object},
		{"id fractional", `{"event":"OutboundPhoneCall","body":{"id":12.5}}`, "body.body.id", object},
		{"id negative", `{"event":"OutboundPhoneCall","body":{"id":-7}}`, "body.body.id", object},
		{"id boolean", `{"id":true,"type":1}`, "body.id", object},
		{"id huge", `{"event":"OutboundPhoneCall","body":{"id":123456789012345678901234567890}}`, "body.body.id", object},
		{"zapier ID not numeric", `{"ID":"x-1","Event":"Call Disposed","Type":1}`, "body.ID", object},
		{"bare id fractional", `{"id":"1.5","type":1}`, "body.id", object},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v (%T), want *InputError", err, err)
			}
			if !hasField(ie, tc.field) {
				t.Errorf("problems %+v do not name %q", ie.Problems, tc.field)
			}
			for _, p := range ie.Problems {
				if p.Message == "" {
					t.Errorf("problem at %s has no message", p.Field)
				}
			}
			if ie.IsObject != (tc.kind == object) || ie.NotJSON != (tc.kind == notJSON) {
				t.Errorf("IsObject=%v NotJSON=%v, want kind %d", ie.IsObject, ie.NotJSON, tc.kind)
			}
		})
	}
}

// TestParseRefusalMessages pins what a client reads when its body is not a document we
// read: encoding/json's wording where it has one, and the byte where the body broke.
func TestParseRefusalMessages(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, "empty body: expected an Aloware webhook JSON object"},
		{" \n", "empty body: expected an Aloware webhook JSON object"},
		{`hello`, "body is not valid JSON: invalid character 'h' looking for beginning of value (at byte 1)"},
		{`{"a":`, "body is not valid JSON: unexpected end of JSON input (at byte 5)"},
		{`{"a":1} x`, "body is not valid JSON: invalid character 'x' after top-level value (at byte 9)"},
		{"{\"a\":\"\xff\"}", "body is not valid UTF-8 (at byte 6)"},
		{strings.Repeat("[", 70) + strings.Repeat("]", 70), "JSON nests deeper than 64 levels"},
	}
	for _, tc := range tests {
		_, err := Parse([]byte(tc.in))
		var ie *InputError
		if !errors.As(err, &ie) || len(ie.Problems) != 1 || ie.Problems[0].Message != tc.want {
			t.Errorf("Parse(%q) = %v; want the one problem %q", tc.in, err, tc.want)
		}
	}
}

// TestParseWarnings: a field that is present but cannot be read is dropped with a
// warning naming it, and the rest of the event is used (rule I2).
func TestParseWarnings(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		field string
	}{
		{"event not a string", `{"event":{"name":"x"},"body":{"id":1}}`, "body.event"},
		{"talk_time not numeric string", `{"event":"OutboundPhoneCall","body":{"id":1,"talk_time":"sixty"}}`, "body.body.talk_time"},
		{"talk_time NaN", `{"event":"OutboundPhoneCall","body":{"id":1,"talk_time":"NaN"}}`, "body.body.talk_time"},
		{"duration Infinity", `{"event":"OutboundPhoneCall","body":{"id":1,"duration":"Infinity"}}`, "body.body.duration"},
		{"duration hex", `{"event":"OutboundPhoneCall","body":{"id":1,"duration":"0x10"}}`, "body.body.duration"},
		{"duration beyond int range", `{"event":"OutboundPhoneCall","body":{"id":1,"duration":1e400}}`, "body.body.duration"},
		{"wait_time negative", `{"event":"OutboundPhoneCall","body":{"id":1,"wait_time":-3}}`, "body.body.wait_time"},
		{"hold_time object", `{"event":"OutboundPhoneCall","body":{"id":1,"hold_time":{}}}`, "body.body.hold_time"},
		{"type fractional", `{"event":"OutboundPhoneCall","body":{"id":1,"type":1.5}}`, "body.body.type"},
		{"direction unknown label", `{"event":"OutboundPhoneCall","body":{"id":1,"direction":"sideways"}}`, "body.body.direction"},
		{"current_status2 array", `{"event":"OutboundPhoneCall","body":{"id":1,"current_status2":[9]}}`, "body.body.current_status2"},
		{"created_at other format", `{"event":"OutboundPhoneCall","body":{"id":1,"created_at":"08/05/2026 20:58"}}`, "body.body.created_at"},
		{"created_at unix number", `{"event":"OutboundPhoneCall","body":{"id":1,"created_at":1786049929}}`, "body.body.created_at"},
		{"updated_at impossible date", `{"event":"OutboundPhoneCall","body":{"id":1,"updated_at":"2026-02-30 10:00:00"}}`, "body.body.updated_at"},
		{"user_email boolean", `{"event":"OutboundPhoneCall","body":{"id":1,"user_email":false}}`, "body.body.user_email"},
		{"user.id not numeric", `{"event":"OutboundPhoneCall","body":{"id":1,"user":{"id":"me"}}}`, "body.body.user.id"},
		{"contact not an object", `{"event":"OutboundPhoneCall","body":{"id":1,"contact":"Jane"}}`, "body.body.contact"},
		{"contact_id not numeric", `{"event":"OutboundPhoneCall","body":{"id":1,"contact_id":"n/a"}}`, "body.body.contact_id"},
		{"communication not an object beside an id", `{"event":"OutboundPhoneCall","body":{"id":1,"communication":"x"}}`, "body.body.communication"},
		{"recording url object", `{"event":"Recording-Saved","body":{"id":1,"direct_recording_url":{"url":"x"}}}`, "body.body.direct_recording_url"},
		{"messages not an array", `{"event":"Transcription-Saved","body":{"id":1,"parsed_transcription":{"messages":{}}}}`, "body.body.parsed_transcription.messages"},
		{"message not an object", `{"event":"Transcription-Saved","body":{"id":1,"parsed_transcription":{"messages":[{"text":"a"},"b"]}}}`, "body.body.parsed_transcription.messages[1]"},
		{"message start not a number", `{"event":"Transcription-Saved","body":{"id":1,"parsed_transcription":{"messages":[{"text":"a","start":"soon"}]}}}`, "body.body.parsed_transcription.messages[0].start"},
		{"parsed_transcription string not JSON", `{"event":"Transcription-Saved","body":{"id":1,"parsed_transcription":"Rep: hi"}}`, "body.body.parsed_transcription"},
		{"zapier Talk Time wrong", `{"ID":1,"Type":1,"Talk Time":"long"}`, "body.Talk Time"},
		{"zapier nested User ID", `{"ID":1,"Type":1,"User":{"ID":[1]}}`, "body.User.ID"},
		{"zapier Created At", `{"ID":1,"Type":1,"Created At":"yesterday"}`, "body.Created At"},
		{"SMS with an unreadable id", `{"event":"InboundSMS-DispositionCompleted","body":{"id":"abc","type":2}}`, "body.body.id"},
	}
	if len(tests) < 25 {
		t.Fatalf("only %d kinds of unreadable field", len(tests))
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := Parse([]byte(tc.in))
			if err != nil {
				t.Fatalf("Parse: %v; want the event used with a warning", err)
			}
			if len(ev.Warnings) != 1 || ev.Warnings[0].Field != tc.field || !strings.HasSuffix(ev.Warnings[0].Message, "; ignored") {
				t.Errorf("warnings %+v, want one at %s ending in \"; ignored\"", ev.Warnings, tc.field)
			}
		})
	}
}

// TestParseLenientExamples: fields that once made /push refuse the whole event (a date
// in an unknown format, an object where a number belongs, …) are each read, or dropped
// alone with a warning naming them (docs/invariants.md #11).
func TestParseLenientExamples(t *testing.T) {
	const recording = "https://app.aloware.io/static/recording/32c1a2f8-5b7e-4c0a-9d1e-7f6a2b3c4d5e"
	tests := []struct {
		name    string
		body    string // fields of an OutboundPhoneCall-DispositionCompleted body beside "id":7
		warning string // "location: message", "" for none
		check   func(t *testing.T, c Communication)
	}{
		{"lower-case z", `"created_at":"2026-10-15T09:30:00z"`, "", func(t *testing.T, c Communication) {
			eqTime(t, "CreatedAt", c.CreatedAt, "2026-10-15T09:30:00Z")
		}},
		{"+hhmm offset", `"created_at":"2026-10-15 09:30:00+0530"`, "", func(t *testing.T, c Communication) {
			eqTime(t, "CreatedAt", c.CreatedAt, "2026-10-15T04:00:00Z")
		}},
		{"+hh:mm offset", `"created_at":"2026-10-15T09:30:00+05:30"`, "", func(t *testing.T, c Communication) {
			eqTime(t, "CreatedAt", c.CreatedAt, "2026-10-15T04:00:00Z")
		}},
		{"+hh offset", `"created_at":"2026-10-15T09:30:00-05"`, "", func(t *testing.T, c Communication) {
			eqTime(t, "CreatedAt", c.CreatedAt, "2026-10-15T14:30:00Z")
		}},
		{"fractional seconds, space", `"updated_at":"2026-10-15 09:30:00.250"`, "", func(t *testing.T, c Communication) {
			if got := c.UpdatedAt.Format(time.RFC3339Nano); got != "2026-10-15T09:30:00.25Z" {
				t.Errorf("UpdatedAt = %s", got)
			}
		}},
		{"fractional seconds with a comma and Z", `"created_at":"2026-10-15T09:30:00,5Z"`, "", func(t *testing.T, c Communication) {
			if got := c.CreatedAt.Format(time.RFC3339Nano); got != "2026-10-15T09:30:00.5Z" {
				t.Errorf("CreatedAt = %s", got)
			}
		}},
		{"talk_time \"742.0\"", `"talk_time":"742.0"`, "", func(t *testing.T, c Communication) {
			eqInt(t, "TalkTime", c.TalkTime, intp(742))
		}},
		{"wait_time an object", `"wait_time":{"seconds":3},"talk_time":63`, "body.body.wait_time: must be a number of seconds, got an object; ignored", func(t *testing.T, c Communication) {
			eqInt(t, "WaitTime", c.WaitTime, nil)
			eqInt(t, "TalkTime", c.TalkTime, intp(63))
		}},
		{"a tag's name unreadable", `"tags":[{"name":"VIP"},{"name":{"en":"Hot"}}],"talk_time":5`, "body.body.tags[1].name: must be a string, got an object; ignored", func(t *testing.T, c Communication) {
			eqInt(t, "TalkTime", c.TalkTime, intp(5))
		}},
		{"offset out of range", `"created_at":"2026-10-15T09:30:00+2500","talk_time":5`, `body.body.created_at: unreadable date-time "2026-10-15T09:30:00+2500": expected ISO 8601 such as "2026-08-05 20:58:49" (UTC) or "2026-08-05T15:58:49-05:00"; ignored`, func(t *testing.T, c Communication) {
			if !c.CreatedAt.IsZero() {
				t.Errorf("CreatedAt = %v, want unset", c.CreatedAt)
			}
			eqInt(t, "TalkTime", c.TalkTime, intp(5))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := Parse([]byte(`{"event":"OutboundPhoneCall-DispositionCompleted","body":{"id":7,` + tc.body + `}}`))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range ev.Warnings {
				got = append(got, w.Field+": "+w.Message)
			}
			if want := []string{tc.warning}; (tc.warning == "" && len(got) != 0) || (tc.warning != "" && !slices.Equal(got, want)) {
				t.Errorf("warnings %q, want %q", got, tc.warning)
			}
			tc.check(t, ev.Comm)
		})
	}

	t.Run("a Recording-Saved with one bad field keeps its recording URL", func(t *testing.T) {
		raw := readFixture(t, "aloware/recording-saved-bad-field.json")
		ev, err := Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		eqStr(t, "RecordingURL", ev.Comm.RecordingURL, recording)
		eqStr(t, "CallID", ev.AlowareCallID, "940868616")
		if len(ev.Warnings) != 1 || ev.Warnings[0].Field != "body.body.wait_time" {
			t.Errorf("warnings %+v, want one at body.body.wait_time", ev.Warnings)
		}
	})
}

// TestParseReportsEveryProblem: an event that cannot be used lists why, and every
// field it could not read besides; one that can be used lists the fields as warnings.
func TestParseReportsEveryProblem(t *testing.T) {
	fields := `"talk_time":"NaN","duration":-1,"created_at":"05/08/2026","user_email":[],"contact":{"id":1.5}`
	unreadable := []string{"body.body.talk_time", "body.body.duration", "body.body.created_at", "body.body.contact.id", "body.body.user_email"} // in reading order

	_, err := Parse([]byte(`{"event":"OutboundPhoneCall-DispositionCompleted","body":{"id":"x",` + fields + `}}`))
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v", err)
	}
	want := append([]string{"body.body.id"}, unreadable...)
	var got []string
	for _, p := range ie.Problems {
		got = append(got, p.Field)
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems at %q, want %q (the failure first)", got, want)
	}
	for _, f := range want {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("Error() %q does not mention %s", err.Error(), f)
		}
	}

	ev, err := Parse([]byte(`{"event":"OutboundPhoneCall-DispositionCompleted","body":{"id":5,` + fields + `}}`))
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, w := range ev.Warnings {
		got = append(got, w.Field)
	}
	if !slices.Equal(got, unreadable) || ev.AlowareCallID != "5" {
		t.Errorf("warnings at %q (id %q), want %q", got, ev.AlowareCallID, unreadable)
	}
}

// TestParseWarningsAreBounded: a hostile body with a bad value in every utterance costs
// a bounded number of warnings.
func TestParseWarningsAreBounded(t *testing.T) {
	msgs := strings.Repeat(`{"text":"a","start":"soon"},`, 1000)
	ev, err := Parse([]byte(`{"event":"Transcription-Saved","body":{"id":1,"parsed_transcription":{"messages":[` + strings.TrimSuffix(msgs, ",") + `]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Warnings) != maxWarnings+1 || ev.Warnings[maxWarnings].Message != "950 more fields could not be read; ignored" {
		t.Errorf("%d warnings, last %+v", len(ev.Warnings), ev.Warnings[len(ev.Warnings)-1])
	}
	if len(ev.Comm.Transcript) != 1000 {
		t.Errorf("%d utterances, want all 1000 (their text is readable)", len(ev.Comm.Transcript))
	}
}

func TestParseBatch(t *testing.T) {
	evs, err := ParseBatch(readFixture(t, "aloware/outbound-lifecycle.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 6 {
		t.Fatalf("got %d events", len(evs))
	}
	for _, ev := range evs {
		if ev.AlowareCallID != "940868616" {
			t.Errorf("%s: id %q", ev.Name, ev.AlowareCallID)
		}
	}
	evs, err = ParseBatch([]byte(`[{"id":1,"type":1}, {"event":"InboundPhoneCall","body":{"id":1,"talk_time":"?"}}]`))
	if err != nil {
		t.Fatal(err)
	}
	if w := evs[1].Warnings; len(w) != 1 || w[0].Field != "body[1].body.talk_time" {
		t.Errorf("warnings %+v, want one at body[1].body.talk_time", w)
	}
	bad := []struct {
		in       string
		field    string
		isObject bool
	}{
		{`[]`, "body", false},
		{`[1, 2]`, "body[0]", false},
		{`[{"id":1,"type":1}, "x"]`, "body[1]", false},
		{`[{"foo":1}]`, "body[0]", true},
		{`[{"id":1,"type":1}, {"event":"InboundPhoneCall","body":{"talk_time":"?"}}]`, "body[1].body.talk_time", true},
	}
	for _, tc := range bad {
		_, err := ParseBatch([]byte(tc.in))
		var ie *InputError
		if !errors.As(err, &ie) || !hasField(ie, tc.field) || ie.IsObject != tc.isObject {
			t.Errorf("ParseBatch(%s) = %+v, want a problem at %s and IsObject %v", tc.in, err, tc.field, tc.isObject)
		}
	}
}

// TestParseTimezone: Aloware's zone-less times are UTC whatever the host's zone. It
// runs twice: here with time.Local switched to America/Chicago, and in a child process
// started with TZ=America/Chicago, so the zone comes from the environment as in
// production.
func TestParseTimezone(t *testing.T) {
	if os.Getenv("ALOWARE_TZ_CHILD") == "" {
		chicago, err := time.LoadLocation("America/Chicago")
		if err != nil {
			t.Skip("no tzdata:", err)
		}
		saved := time.Local
		time.Local = chicago
		t.Cleanup(func() { time.Local = saved })

		cmd := exec.Command(os.Args[0], "-test.run=^TestParseTimezone$", "-test.count=1")
		cmd.Env = append(os.Environ(), "TZ=America/Chicago", "ALOWARE_TZ_CHILD=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("child process with TZ=America/Chicago failed: %v\n%s", err, out)
		}
	} else if time.Now().Format("MST") != "CDT" && time.Now().Format("MST") != "CST" {
		t.Fatalf("child did not get TZ=America/Chicago: zone %s", time.Now().Format("MST"))
	}
	for _, in := range []string{
		`{"event":"InboundPhoneCall","body":{"id":1,"created_at":"2026-08-05 20:58:49"}}`,
		`{"event":"InboundPhoneCall","body":{"id":1,"created_at":"2026-08-05T20:58:49"}}`,
		`{"event":"InboundPhoneCall","body":{"id":1,"created_at":"2026-08-05T20:58:49Z"}}`,
		`{"event":"InboundPhoneCall","body":{"id":1,"created_at":"2026-08-05T15:58:49-05:00"}}`,
		`{"ID":1,"Type":1,"Created At":"2026-08-05 20:58:49"}`,
	} {
		ev, err := Parse([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if got := ev.Comm.CreatedAt; got.Location() != time.UTC || got.Format(time.RFC3339) != "2026-08-05T20:58:49Z" {
			t.Errorf("%s: CreatedAt = %v (%v), want 2026-08-05T20:58:49Z UTC", in, got, got.Location())
		}
	}
}

func eqInt(t *testing.T, name string, got, want *int) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil || *got != *want:
		t.Errorf("%s = %v, want %v", name, deref(got), deref(want))
	}
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func eqStr(t *testing.T, name, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", name, got, want)
	}
}

func eqTime(t *testing.T, name string, got time.Time, want string) {
	t.Helper()
	if got.Location() != time.UTC || got.Format(time.RFC3339) != want {
		t.Errorf("%s = %v, want %s UTC", name, got, want)
	}
}

func hasField(ie *InputError, field string) bool {
	for _, p := range ie.Problems {
		if p.Field == field {
			return true
		}
	}
	return false
}
