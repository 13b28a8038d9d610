package kendo

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	big := `{"transcript":"` + strings.Repeat("a", MaxBodyBytes) + `"}`
	tests := []struct {
		name string
		in   string
		want []Violation // nil = valid
	}{
		{"transcript only", `{"transcript":"Rep: hi"}`, nil},
		{"audioUrl only", `{"audioUrl":"https://app.aloware.io/static/recording/x"}`, nil},
		{"http audio", `{"audioUrl":"http://example.com/a.mp3"}`, nil},
		{"audio without host", `{"audioUrl":"https:///r.mp3"}`, []Violation{{"body.audioUrl", "'https:///r.mp3' is not an http:// or https:// URL with a host"}}},
		{"audio scheme only", `{"audioUrl":"https://"}`, []Violation{{"body.audioUrl", "'https://' is not an http:// or https:// URL with a host"}}},
		{"upper-case scheme", `{"audioUrl":"HTTPS://x.example/r"}`, []Violation{{"body.audioUrl", "'HTTPS://x.example/r' is not an http:// or https:// URL with a host"}}},
		{"ipv6 zone host", `{"audioUrl":"http://[fe80::1%25en0]/a"}`, []Violation{{"body.audioUrl", "'http://[fe80::1%25en0]/a' is not valid uri: invalid ipv6 address: zone id is not a part of ipv6 address"}}},
		{"full camelCase", `{"callTitle":"Outbound - X","repName":"Sam","repEmail":"sam@example.com","callDate":"2026-08-05T20:58:49Z","duration":63,"audioUrl":"https://x.example/r","transcript":"Rep: hi","metadata":{"source":"aloware","n":1,"ok":true}}`, nil},
		{"snake_case aliases", `{"call_title":"t","rep_name":"Sam","rep_email":"sam@example.com","call_date":"2026-08-05T20:58:49+02:00","audio_url":"https://x.example/r"}`, nil},
		{"title flags", `{"transcript":"x","disableAiTitleGeneration":true,"disable_ai_title_generation":false,"useAiCallTitle":false,"use_ai_call_title":true}`, nil},
		{"fractional duration", `{"transcript":"x","duration":62.5}`, nil},
		{"zero duration", `{"transcript":"x","duration":0}`, nil},
		{"empty metadata", `{"transcript":"x","metadata":{}}`, nil},

		{"neither transcript nor audio", `{"callTitle":"x"}`, []Violation{{"body", MsgNoTranscriptOrAudio}}},
		{"empty transcript and audio", `{"transcript":"","audioUrl":""}`, []Violation{
			{"body", MsgNoTranscriptOrAudio},
			{"body.audioUrl", "'' is not valid uri: relative url"}, // format stops the other string checks
		}},
		{"empty object", `{}`, []Violation{{"body", MsgNoTranscriptOrAudio}}},
		{"bad email", `{"transcript":"x","repEmail":"nope"}`, []Violation{{"body.repEmail", "'nope' is not valid email: missing @"}}},
		{"email without local part", `{"transcript":"x","rep_email":"@example.com"}`, []Violation{{"body.rep_email", "'@example.com' is not valid email: nothing before @"}}},
		{"email without dot in domain", `{"transcript":"x","repEmail":"a@localhost"}`, []Violation{{"body.repEmail", "'a@localhost' is not valid email: domain 'localhost' has no dot"}}},
		{"zone-less date", `{"transcript":"x","callDate":"2026-08-05 20:58:49"}`, []Violation{{"body.callDate", "'2026-08-05 20:58:49' is not valid date-time: less than 20 characters long"}}},
		{"date only", `{"transcript":"x","callDate":"2026-08-05"}`, []Violation{{"body.callDate", "'2026-08-05' is not valid date-time: less than 20 characters long"}}},
		{"negative duration", `{"transcript":"x","duration":-1}`, []Violation{{"body.duration", "minimum: got -1, want 0"}}},
		{"overflowing duration", `{"transcript":"x","duration":1e400}`, []Violation{{"body.duration", "number 1e400 is out of range (Kendo would read it as Infinity)"}}},
		{"overflowing metadata", `{"transcript":"x","metadata":{"n":-2e308,"ok":1e308}}`, []Violation{{"body.metadata.n", "number -2e308 is out of range (Kendo would read it as Infinity)"}}},
		{"string duration", `{"transcript":"x","duration":"63"}`, []Violation{{"body.duration", "got string, want number"}}},
		{"ftp audio", `{"audioUrl":"ftp://x.example/r"}`, []Violation{{"body.audioUrl", "'ftp://x.example/r' is not an http:// or https:// URL with a host"}}},
		{"relative audio", `{"audio_url":"/static/r.mp3"}`, []Violation{
			{"body.audio_url", "'/static/r.mp3' is not valid uri: relative url"},
		}},
		{"nested metadata", `{"transcript":"x","metadata":{"a":{"b":1},"c":[1],"d":null,"e":"ok"}}`, []Violation{
			{"body.metadata.a", "got object, want boolean or number or string"},
			{"body.metadata.c", "got array, want boolean or number or string"},
			{"body.metadata.d", "got null, want boolean or number or string"},
		}},
		{"metadata not an object", `{"transcript":"x","metadata":"source=aloware"}`, []Violation{{"body.metadata", "got string, want object"}}},
		{"typo property", `{"transcript":"x","callTitel":"y"}`, []Violation{{"body.callTitel", `unknown property "callTitel" (not a Kendo Push field; check the spelling)`}}},
		{"wrong types", `{"transcript":5,"repName":null,"useAiCallTitle":"yes"}`, []Violation{
			{"body.repName", "got null, want string"},
			{"body.transcript", "got number, want string"},
			{"body.useAiCallTitle", "got string, want boolean"},
		}},
		{"array body", `[{"transcript":"x"}]`, []Violation{{"body", "got array, want object"}}},
		{"string body", `"x"`, []Violation{{"body", "got string, want object"}}},
		{"not JSON", `{"transcript":`, []Violation{{"body", "body is not valid JSON: unexpected EOF"}}},
		{"trailing data", `{"transcript":"x"} {}`, []Violation{{"body", "body is not valid JSON: invalid character after top-level value"}}},
		{"empty body", ``, []Violation{{"body", "body is not valid JSON: EOF"}}},
		{"invalid UTF-8", "{\"transcript\":\"\xff\"}", []Violation{{"body", "body is not valid UTF-8"}}},
		{"over 5 MB", big, []Violation{{"body", fmt.Sprintf("body is %d bytes; Kendo accepts at most 5242880 (5 MB)", len(big))}}},
		{"several errors at once", `{"repEmail":"x@","callDate":"yesterday","duration":-5,"audioUrl":"file:///tmp/a","metadata":{"n":{}},"extra":1}`, []Violation{
			{"body.audioUrl", "'file:///tmp/a' is not an http:// or https:// URL with a host"},
			{"body.callDate", "'yesterday' is not valid date-time: less than 20 characters long"},
			{"body.duration", "minimum: got -5, want 0"},
			{"body.extra", `unknown property "extra" (not a Kendo Push field; check the spelling)`},
			{"body.metadata.n", "got object, want boolean or number or string"},
			{"body.repEmail", "'x@' is not valid email: domain '' has no dot"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Validate([]byte(tc.in))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Validate(%.80s)\n got  %#v\n want %#v", tc.in, got, tc.want)
			}
		})
	}
}

// TestValidateExactLimit: 5 MB is allowed, one byte more is not.
func TestValidateExactLimit(t *testing.T) {
	prefix, suffix := `{"transcript":"`, `"}`
	at := prefix + strings.Repeat("a", MaxBodyBytes-len(prefix)-len(suffix)) + suffix
	if v := Validate([]byte(at)); v != nil {
		t.Errorf("exactly 5 MB: %v", v)
	}
	over := prefix + strings.Repeat("a", MaxBodyBytes-len(prefix)-len(suffix)+1) + suffix
	if v := Validate([]byte(over)); len(v) != 1 || v[0].Location != "body" {
		t.Errorf("5 MB + 1: %v", v)
	}
}

// TestPayloadMarshalsToValid: a filled Payload passes its own schema.
func TestPayloadMarshalsToValid(t *testing.T) {
	d := 63
	p := Payload{CallTitle: "Outbound - Renewal", RepName: "Sam", RepEmail: "sam@example.com", CallDate: "2026-08-05T20:58:49Z",
		Duration: &d, AudioURL: "https://app.aloware.io/static/recording/x", Transcript: "Rep: hi",
		Metadata: map[string]string{"source": "aloware", "alowareCallId": "1"}}
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if v := Validate(raw); v != nil {
		t.Errorf("Validate = %v", v)
	}
}

func BenchmarkValidate(b *testing.B) {
	small := []byte(`{"callTitle":"Outbound - Renewal Follow-up","repName":"Sam Carter","repEmail":"sam.carter@example.com","callDate":"2026-08-05T20:58:49Z","duration":63,"audioUrl":"https://app.aloware.io/static/recording/32c1a2f8","metadata":{"source":"aloware","alowareCallId":"940868616","alowareContactId":"155091981","alowareCampaignId":"63949","alowareDirection":"outbound","syncMethod":"webhook"}}`)
	line := "Rep: Your policy renews on the first, I wanted to confirm your coverage is still right for you.\n"
	hour := []byte(`{"callTitle":"Outbound","transcript":"` + strings.ReplaceAll(strings.Repeat(line, 900), "\n", `\n`) + `"}`)
	near5MB := []byte(`{"callTitle":"Outbound","transcript":"` + strings.Repeat("a", MaxBodyBytes-64) + `"}`)
	for _, bc := range []struct {
		name string
		raw  []byte
	}{{"small", small}, {"1h-transcript", hour}, {"near-5MB", near5MB}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.raw)))
			b.ReportAllocs()
			for b.Loop() {
				if v := Validate(bc.raw); v != nil {
					b.Fatal(v)
				}
			}
		})
	}
}
