package delivery

import (
	"testing"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/notify"
)

func TestTransitionEvent(t *testing.T) {
	failed := lifecycle.State{Status: lifecycle.Failed, Reason: "Kendo refused the payload", LastError: "bad_request (HTTP 400): bad email"}
	unknown := lifecycle.State{Status: lifecycle.Failed, OutcomeUnknown: true, Reason: "outcome unknown: Kendo did not answer"}
	tests := []struct {
		name      string
		was, now  lifecycle.State
		want      notify.Type
		wantCause string
	}{
		{"delivering to failed", lifecycle.State{Status: lifecycle.Delivering}, failed, notify.CallsFailed, "bad_request (HTTP 400): bad email"},
		{"failed without an error says why", lifecycle.State{Status: lifecycle.Scheduled}, lifecycle.State{Status: lifecycle.Failed, Reason: "too large"}, notify.CallsFailed, "too large"},
		{"outcome unknown", lifecycle.State{Status: lifecycle.Delivering}, unknown, notify.CallsOutcomeUnknown, unknown.Reason},
		{"restored as outcome unknown", lifecycle.State{Status: lifecycle.Scheduled}, unknown, notify.CallsOutcomeUnknown, unknown.Reason},
		{"unrouted", lifecycle.State{Status: lifecycle.Received}, lifecycle.State{Status: lifecycle.Unrouted, Reason: "no team"}, notify.CallsUnrouted, "no team"},
		{"still unrouted is not told again", lifecycle.State{Status: lifecycle.Unrouted}, lifecycle.State{Status: lifecycle.Unrouted}, "", ""},
		{"still failed is not told again", failed, failed, "", ""},
		{"delivered is not told", lifecycle.State{Status: lifecycle.Delivering}, lifecycle.State{Status: lifecycle.Delivered}, "", ""},
		{"a retry is not told", lifecycle.State{Status: lifecycle.Delivering}, lifecycle.State{Status: lifecycle.Scheduled}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, cause, ok := transitionEvent(tt.was, tt.now)
			if typ != tt.want || cause != tt.wantCause || ok != (tt.want != "") {
				t.Errorf("got %q %q %v, want %q %q", typ, cause, ok, tt.want, tt.wantCause)
			}
		})
	}
}
