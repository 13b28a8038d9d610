package mapping

import (
	"encoding/json"
	"maps"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/aloware"
)

// The shapes real Aloware traffic takes, each on a fixture of testdata/aloware
// (whose whole result is also a golden file) and in a table.

func mapFixture(t *testing.T, name string) Result {
	t.Helper()
	res, err := MapRaw(mustRead(t, filepath.Join("..", "testdata", "aloware", name)))
	if err != nil {
		t.Fatal(err)
	}
	checkResultInvariants(t, res)
	return res
}

// C1: explicit status fields outrank the event name.
func TestStatusesOutrankNames(t *testing.T) {
	if res := mapFixture(t, "zapier-call-ringing-sms-name.json"); res.State != StateInProgress {
		t.Errorf("Zapier's ringing call named …-DispositionCompleted: %s (%s), want in_progress", res.State, res.Reason)
	}
	tests := []struct {
		name  string
		in    string
		state State
	}{
		{"ringing by number", `{"event":"OutboundPhoneCall-DispositionCompleted","body":{"id":1,"type":1,"current_status2":1,"talk_time":0}}`, StateInProgress},
		{"in progress by label", `{"event":"Call-Disposed","body":{"id":1,"type":1,"current_status":"in-progress"}}`, StateInProgress},
		{"disposition in progress", `{"event":"InboundPhoneCall-DispositionMissed","body":{"id":1,"type":1,"disposition_status2":1}}`, StateInProgress},
		{"an end wins over an in-progress field", `{"event":"OutboundPhoneCall","body":{"id":1,"type":1,"current_status2":9,"disposition_status":"in-progress","talk_time":5}}`, StateAwaitingArtifacts},
		{"no status fields: the name decides", `{"event":"OutboundPhoneCall-DispositionCompleted","body":{"id":1,"type":1,"talk_time":5}}`, StateAwaitingArtifacts},
		{"a recording completes whatever the status", `{"event":"Recording-Saved","body":{"id":1,"type":1,"current_status2":8,"direct_recording_url":"https://r.example/a"}}`, StateReady},
	}
	for _, tc := range tests {
		if res := mapJSON(t, tc.in); res.State != tc.state {
			t.Errorf("%s: %s (%s), want %s", tc.name, res.State, res.Reason, tc.state)
		}
	}
}

// M2: a late in-progress post never undoes a finished call, whatever its name says.
func TestLateInProgressPostNeverUndoes(t *testing.T) {
	res := mapFixture(t, "zapier-completed-then-ringing.json")
	if res.State != StateAwaitingArtifacts || res.Payload.Duration == nil || *res.Payload.Duration != 8 || res.Payload.Metadata["alowareWaitTime"] != "25" {
		t.Errorf("state %s, duration %v, metadata %v: the ringing post undid the completed one", res.State, res.Payload.Duration, res.Payload.Metadata)
	}
	c := Merge([]aloware.Event{
		parse(t, `{"event":"OutboundPhoneCall-DispositionCompleted","body":{"id":1,"type":1,"current_status2":9,"talk_time":63}}`),
		parse(t, `{"event":"InboundPhoneCall-DispositionCompleted","body":{"id":1,"type":1,"current_status":"ringing","talk_time":0}}`),
	})
	if *c.Comm.CurrentStatus2 != 9 || *c.Comm.TalkTime != 63 || c.Comm.CurrentStatus != "ringing" {
		t.Errorf("stale post overwrote the state or did not fill what was unknown: %+v", c.Comm)
	}
}

// I1: the flat form of Aloware's n8n trigger maps exactly as its envelope.
func TestFlatFormMapsAsItsEnvelope(t *testing.T) {
	raw := mustRead(t, filepath.Join("..", "testdata", "aloware", "n8n-trigger-flat-lifecycle.json"))
	var flat []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &flat); err != nil {
		t.Fatal(err)
	}
	var envelopes []map[string]any
	for _, item := range flat {
		body := maps.Clone(item)
		delete(body, "event")
		envelopes = append(envelopes, map[string]any{"event": item["event"], "body": body})
	}
	envelopeRaw, _ := json.Marshal(envelopes)
	got, want := mapFixture(t, "n8n-trigger-flat-lifecycle.json"), mapJSON(t, string(envelopeRaw))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("flat form:\n%+v\nits envelope:\n%+v", got, want)
	}
	if !got.Ready || !got.NothingMoreExpected {
		t.Errorf("the whole flat lifecycle: ready %v, nothing more expected %v", got.Ready, got.NothingMoreExpected)
	}
}

// P1: no phone number in any title.
func TestTitleNeverCarriesAPhoneNumber(t *testing.T) {
	if got := mapFixture(t, "title-phone-numbers.json").Payload.CallTitle; got != "Inbound" {
		t.Errorf("title %q, want Inbound (the contact and the line are named by their numbers)", got)
	}
	tests := []struct {
		body string
		want string
	}{
		{`"contact":{"name":"Aloware Contact (+18183925284)"}`, "Outbound"},
		{`"campaign":{"id":5,"name":"+19893751337"},"contact":{"name":"Jane Doe"}`, "Outbound - Jane Doe"},
		{`"call_disposition":"Call back at (818) 392-5284","campaign":{"id":5,"name":"Main Line"}`, "Outbound - Main Line"},
		{`"call_disposition":"Left VM 818.392.5284","contact":{"name":"Jo"}`, "Outbound - Jo"},
		{`"call_disposition":"Callback 818 392 5284"`, "Outbound"},
		{`"campaign":{"id":5,"name":"Line 2 (Spanish)"}`, "Outbound - Line 2 (Spanish)"},
		{`"campaign":{"id":5,"name":"Sales 555-01"}`, "Outbound - Sales 555-01"},
	}
	for _, tc := range tests {
		res := mapJSON(t, `{"event":"Recording-Saved","body":{"id":1,"type":1,"direction":2,"direct_recording_url":"https://r.example/a",`+tc.body+`}}`)
		if res.Payload.CallTitle != tc.want {
			t.Errorf("%s: title %q, want %q", tc.body, res.Payload.CallTitle, tc.want)
		}
	}
}

func TestContainsPhoneNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"+18183925284": true, "(818) 392-5284": true, "818.392.5284": true, "+1 818 392 5284": true, "392-5284": true,
		"Aloware Contact (+18183925284)": true, "2026-08-05": true,
		"": false, "Renewals Line": false, "Line 2": false, "555-01": false, "Q3 2026": false, "12 34 56": false,
		"1 - - 2 - - 3 - - 4 - - 5 - - 6 - - 7": false,
	} {
		if got := containsPhoneNumber(s); got != want {
			t.Errorf("containsPhoneNumber(%q) = %v, want %v", s, got, want)
		}
	}
}

// P8: Aloware's context in metadata: flat strings, only when present, never a phone
// number or an e-mail address; the six required keys as before.
func TestMetadataContext(t *testing.T) {
	got := mapFixture(t, "metadata-context.json").Payload.Metadata
	want := map[string]string{
		"source": "aloware", "alowareCallId": "940881500", "alowareContactId": "170220311", "alowareCampaignId": "63949",
		"alowareDirection": "outbound", "syncMethod": "webhook", "alowareUserId": "120776",
		"alowareDisposition": "No Answer", "alowareDispositionStatus": "completed", "alowareLine": "Renewals Line",
		"alowareRingGroupId": "29109", "alowareWaitTime": "9", "alowareHoldTime": "12", "alowareTags": "Renewal, Spanish speaker",
	}
	if !maps.Equal(got, want) {
		t.Errorf("metadata\n got %v\nwant %v", got, want)
	}
	// Only when present; the label from the number when there is no label.
	m := mapJSON(t, `{"event":"Recording-Saved","body":{"id":1,"type":1,"disposition_status2":13,"direct_recording_url":"https://r.example/a","campaign":{"id":2,"name":"+1 989 375 1337"}}}`).Payload.Metadata
	for _, k := range []string{"alowareDisposition", "alowareLine", "alowareRingGroupId", "alowareWaitTime", "alowareHoldTime", "alowareTags"} {
		if v, ok := m[k]; ok {
			t.Errorf("metadata.%s = %q, want it absent", k, v)
		}
	}
	if m["alowareDispositionStatus"] != "missed+voicemail" {
		t.Errorf("alowareDispositionStatus = %q", m["alowareDispositionStatus"])
	}
}

// S3: nothing more is expected once the call carries its recording, its transcript and
// its AloAi summary.
func TestNothingMoreExpected(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "lifecycle", "outbound-940868616", "*.json"))
	want := []bool{false, false, false, false, false, true} // …, summary, then the transcript
	var c Call
	for i, f := range files {
		c.Fold(parse(t, string(mustRead(t, f))))
		if got := Map(c).NothingMoreExpected; got != want[i] {
			t.Errorf("after %s: nothingMoreExpected %v, want %v", filepath.Base(f), got, want[i])
		}
	}
	transcriptAndSummary := `{"event":"transcription.open_search.saved","body":{"communication":{"id":1},"summary":"S","parsed_transcription":{"messages":[{"speaker":"AGENT","text":"hi"}]}}}`
	if res := mapJSON(t, transcriptAndSummary); !res.Ready || res.NothingMoreExpected {
		t.Errorf("without a recording: ready %v, nothing more expected %v (the recording may still come)", res.Ready, res.NothingMoreExpected)
	}
}
