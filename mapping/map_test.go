package mapping

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/aloware"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

func mapJSON(t *testing.T, raw string) Result {
	t.Helper()
	res, err := MapRaw([]byte(raw))
	if err != nil {
		t.Fatalf("MapRaw(%s): %v", raw, err)
	}
	checkResultInvariants(t, res)
	return res
}

func hasWarning(res Result, sub string) bool {
	for _, w := range res.Warnings {
		if strings.Contains(w, sub) {
			return true
		}
	}
	return false
}

func TestMapStates(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		state  State
		reason string // substring
	}{
		{"sms", `{"event":"InboundSMS-DispositionCompleted","body":{"id":1,"type":2}}`, StateIgnored, "SMS is not a call"},
		{"appointment", `{"event":"OutboundAppointment","body":{"id":1,"type":12}}`, StateIgnored, "appointment is not a call"},
		{"test payload", `{"test_payload":true}`, StateIgnored, "test payload"},
		{"other", `{"event":"Contact Created","body":{"id":1}}`, StateIgnored, "not a phone call"},
		{"initiation", `{"event":"OutboundPhoneCall","body":{"id":1,"type":1,"current_status2":1}}`, StateInProgress, "call still in progress"},
		{"completed, no artifacts", `{"event":"OutboundPhoneCall-DispositionCompleted","body":{"id":1,"type":1,"talk_time":63}}`, StateAwaitingArtifacts, "waiting for the recording or transcript"},
		{"completed by status only", `{"id":1,"type":1,"current_status2":9,"talk_time":5}`, StateAwaitingArtifacts, "waiting"},
		{"completed by zapier label", `{"ID":1,"Type":1,"Current Status":"completed","Talk Time":5}`, StateAwaitingArtifacts, "waiting"},
		{"missed", `{"event":"InboundPhoneCall-DispositionMissed","body":{"id":1,"type":1,"disposition_status2":3}}`, StateUnanswered, "missed call: nothing to analyse"},
		{"missed by name only", `{"event":"InboundPhoneCall-DispositionMissed","body":{"id":1,"type":1}}`, StateUnanswered, "missed call"},
		{"failed", `{"event":"OutboundPhoneCall-DispositionFailed","body":{"id":1,"type":1,"disposition_status2":5}}`, StateUnanswered, "failed call"},
		{"abandoned", `{"id":1,"type":1,"current_status2":9,"disposition_status2":2}`, StateUnanswered, "abandoned call"},
		{"dead-end label", `{"id":1,"type":1,"current_status2":9,"disposition_status":"dead-end"}`, StateUnanswered, "dead-end call"},
		{"invalid", `{"id":1,"type":1,"disposition_status2":7}`, StateUnanswered, "invalid call"},
		{"talk time 0", `{"event":"OutboundPhoneCall-DispositionCompleted","body":{"id":1,"type":1,"talk_time":0}}`, StateUnanswered, "talk time 0"},
		{"voicemail waits for its recording", `{"id":1,"type":1,"disposition_status2":12,"talk_time":0}`, StateAwaitingArtifacts, "waiting"},
		{"missed with voicemail recording is ready", `{"event":"InboundPhoneCall-DispositionMissed","body":{"id":1,"type":1,"disposition_status2":3,"direct_recording_url":"https://r.example/vm"}}`, StateReady, ""},
		{"recording alone completes", `{"event":"Recording-Saved","body":{"id":1,"direct_recording_url":"https://r.example/a"}}`, StateReady, ""},
		{"transcript alone completes", `{"event":"Transcription-Saved","body":{"id":1,"parsed_transcription":{"messages":[{"speaker":"A","text":"hi"}]}}}`, StateReady, ""},
		{"summary only is not an artifact", `{"event":"transcription.call.summarized","body":{"communication":{"id":1},"summary":"x"}}`, StateAwaitingArtifacts, "waiting"},
		{"non-http recording is not an artifact", `{"event":"Recording-Saved","body":{"id":1,"type":1,"talk_time":9,"direct_recording_url":"ftp://r.example/a"}}`, StateAwaitingArtifacts, "waiting"},
		{"in-progress disposition name", `{"event":"OutboundPhoneCall-DispositionInProgress","body":{"id":1,"type":1}}`, StateInProgress, "in progress"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := mapJSON(t, tc.in)
			if res.State != tc.state || !strings.Contains(res.Reason, tc.reason) {
				t.Errorf("state %q reason %q, want %q containing %q", res.State, res.Reason, tc.state, tc.reason)
			}
			if (res.State == StateIgnored) != (res.Payload == nil) {
				t.Errorf("payload presence wrong for %s: %v", res.State, res.Payload)
			}
		})
	}
}

func TestMapCallTitle(t *testing.T) {
	tests := []struct {
		body string
		want string
	}{
		{`"direction":2,"call_disposition":"Renewal Follow-up","campaign":{"name":"Line"},"contact":{"name":"Jane"}`, "Outbound - Renewal Follow-up"},
		{`"direction":1,"campaign":{"id":5,"name":"Main Line"},"contact":{"name":"Jane"}`, "Inbound - Main Line"},
		{`"direction":1,"contact":{"name":"Jane Doe"}`, "Inbound - Jane Doe"},
		{`"direction":2`, "Outbound"},
		{`"contact":{"name":"Jane"}`, "Jane"},
		{``, ""},
		{`"direction":2,"call_disposition":{"id":3,"name":"Sold"}`, "Outbound - Sold"},
		{`"direction":2,"call_disposition":"` + strings.Repeat("x", 300) + `"`, "Outbound - " + strings.Repeat("x", 189)},
	}
	for _, tc := range tests {
		in := `{"event":"Recording-Saved","body":{"id":1,"type":1,"direct_recording_url":"https://r.example/a"` + prefixComma(tc.body) + `}}`
		res := mapJSON(t, in)
		if res.Payload.CallTitle != tc.want {
			t.Errorf("%s: callTitle %q, want %q", tc.body, res.Payload.CallTitle, tc.want)
		}
	}
	// direction from the event name when the body has none
	res := mapJSON(t, `{"event":"InboundPhoneCall-DispositionCompleted","body":{"id":1,"type":1,"contact":{"name":"Jo"}}}`)
	if res.Payload.CallTitle != "Inbound - Jo" || res.Payload.Metadata["alowareDirection"] != "inbound" {
		t.Errorf("title %q direction %q", res.Payload.CallTitle, res.Payload.Metadata["alowareDirection"])
	}
}

func prefixComma(s string) string {
	if s == "" {
		return ""
	}
	return "," + s
}

func TestMapFields(t *testing.T) {
	in := `{"event":"Transcription-Saved","body":{"id":940868616,"type":1,"direction":2,"talk_time":63,"duration":66,
		"created_at":"2026-08-05 20:58:49","contact_id":155091981,"campaign_id":63949,"user_id":120776,
		"user":{"id":120776,"name":"Sam Carter"},"user_email":"sam@example.com",
		"direct_recording_url":"https://app.aloware.io/static/recording/x","summary":"Callback booked.",
		"parsed_transcription":{"messages":[
			{"speaker":"CONTACT","text":"Hello?","start":4100,"end":4800},
			{"speaker":"AGENT","text":"Hi, this is\nSam.","start":1200,"end":3900},
			{"speaker":"A","text":"","start":5000},
			{"speaker":"agent","text":"Renewal time.","start":6000},
			{"speaker":"X","text":"Bye","start":6000},
			{"speaker":"CONTACT","text":"   ","start":7000}]}}}`
	res := mapJSON(t, in)
	p := res.Payload
	if !res.Ready {
		t.Fatalf("not ready: %s", res.Reason)
	}
	want := map[string]string{
		"callTitle": "Outbound", "repName": "Sam Carter", "repEmail": "sam@example.com", "callDate": "2026-08-05T20:58:49Z",
		"audioUrl":   "https://app.aloware.io/static/recording/x",
		"transcript": "Rep: Hi, this is Sam.\nCustomer: Hello?\nRep: Renewal time.\nCustomer: Bye",
	}
	got := map[string]string{"callTitle": p.CallTitle, "repName": p.RepName, "repEmail": p.RepEmail, "callDate": p.CallDate, "audioUrl": p.AudioURL, "transcript": p.Transcript}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %q, want %q", k, got[k], w)
		}
	}
	if p.Duration == nil || *p.Duration != 63 {
		t.Errorf("duration = %v, want talk time 63", p.Duration)
	}
	wantMeta := map[string]string{"source": "aloware", "alowareCallId": "940868616", "alowareContactId": "155091981", "alowareCampaignId": "63949",
		"alowareDirection": "outbound", "syncMethod": "webhook", "alowareUserId": "120776", "alowareSummary": "Callback booked."}
	if len(p.Metadata) != len(wantMeta) {
		t.Errorf("metadata = %v", p.Metadata)
	}
	for k, w := range wantMeta {
		if p.Metadata[k] != w {
			t.Errorf("metadata.%s = %q, want %q", k, p.Metadata[k], w)
		}
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings: %v", res.Warnings)
	}
}

func TestMapDuration(t *testing.T) {
	for body, want := range map[string]int{
		`"talk_time":63,"duration":66`: 63,
		`"talk_time":0,"duration":30`:  30,
		`"duration":30`:                30,
		`"talk_time":12`:               12,
	} {
		res := mapJSON(t, `{"event":"Recording-Saved","body":{"id":1,"direct_recording_url":"https://r.example/a",`+body+`}}`)
		if res.Payload.Duration == nil || *res.Payload.Duration != want {
			t.Errorf("%s: duration %v, want %d", body, res.Payload.Duration, want)
		}
	}
	res := mapJSON(t, `{"event":"Recording-Saved","body":{"id":1,"direct_recording_url":"https://r.example/a"}}`)
	if res.Payload.Duration != nil {
		t.Errorf("duration %v, want omitted", *res.Payload.Duration)
	}
}

func TestMapWarnings(t *testing.T) {
	res := mapJSON(t, `{"event":"Recording-Saved","body":{"id":1,"user_email":"sam@localhost","direct_recording_url":"file:///tmp/a.mp3","parsed_transcription":{"messages":[{"speaker":"A","text":"hi"}]}}}`)
	for _, w := range []string{"repEmail dropped", "audioUrl dropped", "callDate omitted", "metadata.alowareContactId is empty", "metadata.alowareCampaignId is empty", "metadata.alowareDirection is empty", "no agent name or e-mail"} {
		if !hasWarning(res, w) {
			t.Errorf("no warning %q in %v", w, res.Warnings)
		}
	}
	if res.Payload.RepEmail != "" || res.Payload.AudioURL != "" {
		t.Errorf("bad values were sent: %+v", res.Payload)
	}
	if !res.Ready {
		t.Error("transcript should make it ready")
	}
	if res := mapJSON(t, `{"event":"Call-Transferred","body":{"id":1,"type":1}}`); !hasWarning(res, `unknown Aloware event name "Call-Transferred"`) {
		t.Errorf("warnings %v", res.Warnings)
	}
	long := strings.Repeat("é", 2100)
	res = mapJSON(t, `{"event":"transcription.call.summarized","body":{"communication":{"id":1},"summary":"`+long+`"}}`)
	if got := []rune(res.Payload.Metadata["alowareSummary"]); len(got) != 2000 || !hasWarning(res, "alowareSummary cut") {
		t.Errorf("summary %d runes, warnings %v", len(got), res.Warnings)
	}
}

func TestMapRawMixedCallIDs(t *testing.T) {
	in := `[{"event":"OutboundPhoneCall","body":{"id":1,"type":1}},{"test_payload":true},{"event":"Recording-Saved","body":{"id":"1"}},{"event":"Recording-Saved","body":{"id":2}},{"id":3,"type":1}]`
	_, err := MapRaw([]byte(in))
	var ie *aloware.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v", err)
	}
	if len(ie.Problems) != 2 || ie.Problems[0].Field != "body[3]" || ie.Problems[1].Field != "body[4]" {
		t.Errorf("problems %+v, want body[3] and body[4]", ie.Problems)
	}
}

func TestMapRawEventsLocations(t *testing.T) {
	ok := []byte(`{"event":"OutboundPhoneCall","body":{"id":1,"type":1}}`)
	tests := []struct {
		raws  []string
		field string
	}{
		{[]string{string(ok), `{"event":"Recording-Saved","body":{"id":"x"}}`}, "body[1].body.id"},
		{[]string{string(ok), `not json`}, "body[1]"},
		{[]string{string(ok), `[{"id":1,"type":1},{"id":2,"type":1}]`}, "body[1][1]"},
		{[]string{string(ok), `{"event":"Recording-Saved","body":{"id":9}}`}, "body[1]"},
		{[]string{string(ok), `[{"id":1},"x"]`}, "body[1][1]"},
		{nil, "body"},
	}
	for _, tc := range tests {
		raws := make([][]byte, len(tc.raws))
		for i, r := range tc.raws {
			raws[i] = []byte(r)
		}
		_, err := MapRawEvents(raws)
		var ie *aloware.InputError
		if !errors.As(err, &ie) {
			t.Errorf("%v: err = %v", tc.raws, err)
			continue
		}
		found := false
		for _, p := range ie.Problems {
			found = found || p.Field == tc.field
		}
		if !found {
			t.Errorf("%v: problems %+v, want one at %s", tc.raws, ie.Problems, tc.field)
		}
	}
}

// TestMapReadWarnings: fields that could not be read reach Result.Warnings as
// "location: message", located by the event's place in the input, each once.
func TestMapReadWarnings(t *testing.T) {
	bad := `{"event":"Recording-Saved","body":{"id":1,"type":1,"talk_time":63,"wait_time":{},"direct_recording_url":"https://r.example/a"}}`
	res := mapJSON(t, bad)
	if !res.Ready || res.Payload.AudioURL != "https://r.example/a" {
		t.Fatalf("the event was not used: %+v", res)
	}
	if res.Warnings[0] != "body.body.wait_time: must be a number of seconds, got an object; ignored" {
		t.Errorf("warnings %q", res.Warnings)
	}
	res = mapJSON(t, "["+bad+","+bad+"]")
	if !hasWarning(res, "body[0].body.wait_time: ") || !hasWarning(res, "body[1].body.wait_time: ") {
		t.Errorf("array warnings %q, want body[0]… and body[1]…", res.Warnings)
	}
	res, err := MapRawEvents([][]byte{[]byte(bad), []byte(bad)})
	if err != nil || !hasWarning(res, "body[0].body.wait_time: ") || !hasWarning(res, "body[1].body.wait_time: ") {
		t.Errorf("MapRawEvents warnings %q (%v)", res.Warnings, err)
	}

	// Folded one by one, as the engine does, the same warning is kept once.
	var c Call
	c.Fold(parse(t, bad))
	c.Fold(parse(t, bad))
	if got := c.ReadWarnings; len(got) != 1 || !strings.HasPrefix(got[0], "body.body.wait_time: ") || !hasWarning(Map(c), got[0]) {
		t.Errorf("folded warnings %q, want one, reported by Map", got)
	}
}

// TestMapReadWarningsAreCapped: a call keeps at most maxReadWarnings and counts the rest.
func TestMapReadWarningsAreCapped(t *testing.T) {
	var c Call
	for i := range maxReadWarnings + 5 {
		c.Fold(parse(t, fmt.Sprintf(`{"event":"Call-Disposed","body":{"id":1,"type":1,"x_%d":1,"talk_time":"t%d"}}`, i, i)))
	}
	res := Map(c)
	if len(c.ReadWarnings) != maxReadWarnings || c.MoreReadWarnings != 5 || !hasWarning(res, "5 more unreadable fields were ignored") {
		t.Errorf("%d kept, %d more; warnings %q", len(c.ReadWarnings), c.MoreReadWarnings, res.Warnings)
	}
}

// TestResultJSON: the /map wire form — warnings is [] not null, omitted fields absent.
func TestResultJSON(t *testing.T) {
	res := mapJSON(t, `{"test_payload":true}`)
	b, _ := json.Marshal(res)
	if got := string(b); got != `{"ready":false,"state":"ignored","reason":"Aloware test payload (Save \u0026 Test Webhook): acknowledged, nothing to send","warnings":[],"nothingMoreExpected":false}` {
		t.Errorf("JSON = %s", got)
	}
}

// TestMapRecordingURLs: a recording is used exactly when Validate would accept it as
// audioUrl, so a ready payload never fails on its URL.
func TestMapRecordingURLs(t *testing.T) {
	for url, usable := range map[string]bool{
		"https://app.aloware.io/static/recording/x": true,
		"http://r.example/a.mp3":                    true,
		"https://":                                  false,
		"https:///a.mp3":                            false,
		"HTTPS://r.example/a":                       false,
		"ftp://r.example/a":                         false,
		"//r.example/a":                             false,
		"http://[fe80::1%25en0]/a":                  false,
		"http://::1/a":                              false,
		"https://r.example/a b":                     true, // Go's URL parser accepts it, and so does the schema
	} {
		in, _ := json.Marshal(map[string]any{"event": "Recording-Saved", "body": map[string]any{"id": 1, "direct_recording_url": url, "talk_time": 5}})
		res := mapJSON(t, string(in))
		if got := res.Payload.AudioURL != ""; got != usable {
			t.Errorf("%q: used=%v, want %v (warnings %v)", url, got, usable, res.Warnings)
		}
		if !usable && !hasWarning(res, "audioUrl dropped") {
			t.Errorf("%q: no warning", url)
		}
	}
}

// TestApplyRep: a rep found outside the events passes rule P3's checks (a malformed
// Users API e-mail would make Kendo refuse the call).
func TestApplyRep(t *testing.T) {
	long := strings.Repeat("ñ", 250)
	tests := []struct {
		name, repName, repEmail string
		wantName, wantEmail     string
		warning                 string
	}{
		{"both", "Sam Carter", "sam@example.com", "Sam Carter", "sam@example.com", ""},
		{"malformed e-mail dropped", "Sam Carter", "sam at example", "Sam Carter", "events@example.com", `repEmail from the rep lookup dropped: "sam at example" is not a valid e-mail address`},
		{"e-mail without a domain dot", "", "sam@localhost", "Events Name", "events@example.com", "repEmail from the rep lookup dropped"},
		{"long name cut like P3", long, "", strings.Repeat("ñ", 200), "events@example.com", ""},
		{"spaces trimmed", "  Sam  ", " sam@example.com ", "Sam", "sam@example.com", ""},
		{"nothing found: the events' rep stays", "", "", "Events Name", "events@example.com", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := kendo.Payload{RepName: "Events Name", RepEmail: "events@example.com", Transcript: "Rep: hi"}
			w := ApplyRep(&p, tc.repName, tc.repEmail)
			if p.RepName != tc.wantName || p.RepEmail != tc.wantEmail {
				t.Errorf("rep %q <%s>, want %q <%s>", p.RepName, p.RepEmail, tc.wantName, tc.wantEmail)
			}
			if (tc.warning == "") != (len(w) == 0) || (tc.warning != "" && !strings.Contains(w[0], tc.warning)) {
				t.Errorf("warnings %q, want %q", w, tc.warning)
			}
			raw, _ := json.Marshal(p)
			if v := kendo.Validate(raw); v != nil {
				t.Errorf("Kendo would refuse it: %v", v)
			}
		})
	}
}

// FuzzWriteFolded: writeFolded is strings.Fields joined by single spaces (rule P7), only
// without a slice of words.
//
//	go test ./mapping -run x -fuzz FuzzWriteFolded -fuzztime 1m
func FuzzWriteFolded(f *testing.F) {
	for _, s := range []string{"", " ", "a", "Hi,  this is\nSam.", " \t lead and trail \r\n", "a\u00a0b\u2028c\u3000 d", "x \xff y", "é  ü", "a \u0085b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b strings.Builder
		writeFolded(&b, s)
		if want := strings.Join(strings.Fields(s), " "); b.String() != want {
			t.Errorf("writeFolded(%q) = %q, want %q", s, b.String(), want)
		}
		if isBlank(s) != (strings.TrimSpace(s) == "") {
			t.Errorf("isBlank(%q) = %v", s, isBlank(s))
		}
	})
}

// TestVoicemailURLIsTheAudio: a missed call whose communication carries the caller's
// voicemail (voicemail_url, no direct_recording_url) is ready with that audio, instead of
// waiting --artifact-wait for a recording that never comes.
func TestVoicemailURLIsTheAudio(t *testing.T) {
	res := mapJSON(t, `{"event":"InboundPhoneCall-DispositionMissed","body":{"id":7,"type":1,"direction":1,"current_status2":9,"disposition_status2":13,
		"talk_time":0,"direct_recording_url":null,"voicemail_url":"https://app.aloware.io/static/voicemail/1f2e3d4c","voicemail_duration":18}}`)
	if res.State != StateReady || res.Payload.AudioURL != "https://app.aloware.io/static/voicemail/1f2e3d4c" {
		t.Fatalf("state %s, audioUrl %q: want ready with the voicemail", res.State, res.Payload.AudioURL)
	}
	// A recording saved later is the call's audio from then on.
	res = mapJSON(t, `[{"event":"InboundPhoneCall-DispositionMissed","body":{"id":7,"type":1,"current_status2":9,"voicemail_url":"https://app.aloware.io/static/voicemail/1f2e3d4c"}},
		{"event":"Recording-Saved","body":{"id":7,"direct_recording_url":"https://app.aloware.io/static/recording/9a8b"}}]`)
	if res.Payload.AudioURL != "https://app.aloware.io/static/recording/9a8b" {
		t.Errorf("audioUrl %q, want the recording", res.Payload.AudioURL)
	}
}
