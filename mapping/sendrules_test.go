package mapping

import (
	"testing"
	"time"
)

// TestSendRules: rule S4 filters what Kendo's quota should not go to, names the rule in
// the reason, and leaves a call alone when what a rule reads is unknown.
func TestSendRules(t *testing.T) {
	const rec = `"direct_recording_url":"https://app.aloware.io/static/recording/a1"`
	call := func(fields string) string {
		return `{"event":"OutboundPhoneCall-DispositionCompleted","body":{"id":7,"type":1,"current_status2":9,"disposition_status2":4,` + fields + `}}`
	}
	defaults := SendRules{MinTalkTime: DefaultMinTalkTime, Directions: DefaultSendDirections}
	tests := []struct {
		name   string
		in     string
		rules  SendRules
		state  State
		rule   string
		reason string
	}{
		{"short call", call(`"direction":2,"talk_time":4,` + rec), defaults, StateFiltered, RuleMinTalkTime, "talk time 4 s is under --min-talk-time 10s"},
		{"long enough", call(`"direction":2,"talk_time":10,` + rec), defaults, StateReady, "", ""},
		{"0 sends all", call(`"direction":2,"talk_time":4,` + rec), SendRules{}, StateReady, "", ""},
		{"talk time unknown", call(`"direction":2,` + rec), defaults, StateReady, "", ""},
		{"short and still waiting for its recording", call(`"direction":2,"talk_time":4`), defaults, StateFiltered, RuleMinTalkTime, "talk time 4 s is under --min-talk-time 10s"},
		{"team rule named", call(`"direction":2,"talk_time":20,` + rec), SendRules{MinTalkTime: 30 * time.Second, MinTalkTimeFrom: "team sales's send.minTalkTime"}, StateFiltered, RuleMinTalkTime, "talk time 20 s is under team sales's send.minTalkTime 30s"},
		{"direction not sent", call(`"direction":2,"talk_time":40,` + rec), SendRules{Directions: []string{"inbound"}}, StateFiltered, RuleSendDirections, "direction outbound is not in --send-directions inbound"},
		{"direction unknown", `{"event":"Recording-Saved","body":{"id":7,"type":1,"current_status2":9,"talk_time":40,` + rec + `}}`, SendRules{Directions: []string{"inbound"}}, StateReady, "", ""},
		{"disposition name", call(`"direction":1,"talk_time":40,"call_disposition":"Wrong Number",` + rec), SendRules{SkipDispositions: []string{"Voicemail", "wrong number"}}, StateFiltered, RuleSkipDispositions, `disposition "Wrong Number" is in --skip-dispositions`},
		{"disposition status label", `{"event":"InboundPhoneCall-DispositionCompleted","body":{"id":7,"type":1,"direction":1,"current_status2":9,"disposition_status2":12,"talk_time":40,` + rec + `}}`, SendRules{SkipDispositions: []string{"Voicemail"}}, StateFiltered, RuleSkipDispositions, "disposition status voicemail is in --skip-dispositions"},
		{"disposition status number", call(`"direction":1,"talk_time":40,` + rec), SendRules{SkipDispositions: []string{"4"}}, StateFiltered, RuleSkipDispositions, "disposition status 4 is in --skip-dispositions"},
		{"unanswered stays unanswered", `{"event":"InboundPhoneCall-DispositionMissed","body":{"id":7,"type":1,"direction":1,"current_status2":9,"disposition_status2":3,"talk_time":0}}`, defaults, StateUnanswered, "", ""},
		{"in progress is not judged", `{"event":"OutboundPhoneCall","body":{"id":7,"type":1,"direction":2,"current_status2":1,"talk_time":0}}`, defaults, StateInProgress, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := MergeRaw([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			res := Map(c)
			ApplySendRules(&res, c, tc.rules)
			if res.State != tc.state || res.FilteredBy != tc.rule || (tc.reason != "" && res.Reason != tc.reason) {
				t.Fatalf("state %s by %q (%q), want %s by %q (%q)", res.State, res.FilteredBy, res.Reason, tc.state, tc.rule, tc.reason)
			}
			if res.State == StateFiltered && (res.Ready || res.Payload == nil) {
				t.Errorf("a filtered call: ready %v, payload %v; want not ready, with its preview", res.Ready, res.Payload != nil)
			}
		})
	}
}
