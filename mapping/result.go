package mapping

import "github.com/aloware-kendo/aloware-kendo/kendo"

// State is where a call stands for mapping purposes.
type State string

const (
	StateIgnored           State = "ignored"            // not a call (SMS, appointment, test payload, other)
	StateInProgress        State = "in_progress"        // the call has not finished
	StateAwaitingArtifacts State = "awaiting_artifacts" // finished, no recording or transcript yet
	StateUnanswered        State = "unanswered"         // missed/failed/abandoned… and nothing to analyse
	StateReady             State = "ready"              // finished with a recording or transcript
	StateFiltered          State = "filtered"           // finished, but a send rule says it is not worth sending (S4)
)

// Result is the outcome of mapping a call, as POST /map returns it.
//
// Payload is set for every call (not for ignored events) so users can see what would be
// sent while the call is still incomplete; only when Ready is it complete and sendable.
type Result struct {
	AlowareCallID string         `json:"alowareCallId,omitempty" doc:"Aloware communication id of the call"`
	Ready         bool           `json:"ready" doc:"true when the payload can be sent to Kendo"`
	State         State          `json:"state" enum:"ignored,in_progress,awaiting_artifacts,unanswered,ready,filtered" doc:"where the call stands"`
	Reason        string         `json:"reason,omitempty" doc:"set whenever ready is false: what is missing or why the call is not sent"`
	Payload       *kendo.Payload `json:"payload,omitempty" doc:"the Kendo payload (a preview while the call is not ready)"`
	Warnings      []string       `json:"warnings" doc:"data that was dropped or unknown; never null"`
	// NothingMoreExpected (rule S3): the call is ready and already carries its recording,
	// its transcript and its AloAi summary, so no later event can add to the payload.
	// Team is the Kendo team the call goes to, when the service maps it (POST /map on a
	// running service, the delivery job): its teams file's route. Empty when not ready
	// or unrouted (a warning then says why), and from the pure mapping.
	Team string `json:"team,omitempty" doc:"the Kendo team (key) the call goes to under the service's teams file; empty while the call is not ready, or when no team matches (a warning says why)"`
	// FilteredBy names the send rule that filtered the call (state filtered):
	// min-talk-time, send-directions or skip-dispositions.
	FilteredBy string `json:"filteredBy,omitempty" enum:"min-talk-time,send-directions,skip-dispositions" doc:"only when state is filtered: the send rule that filtered the call (the reason says how)"`
	// HasArtifacts: a filtered call had what Kendo needs (it was ready), so an operator's
	// redelivery can send it.
	HasArtifacts        bool `json:"-"`
	NothingMoreExpected bool `json:"nothingMoreExpected" doc:"true when the call is ready and carries its recording, transcript and AloAi summary: no later event can add anything, so it is delivered after a short grace instead of the full settle"`
}
