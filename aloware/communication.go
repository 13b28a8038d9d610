package aloware

import "time"

// Communication holds the fields of an Aloware communication that the mapper reads,
// normalized across the wire shapes.
//
// Absent is not zero: numbers are pointers (nil = the event did not carry the field or
// carried null), strings are "" when absent, times are the zero time when absent, and
// Transcript is nil when absent. This lets mapping.Merge keep an earlier value when a
// later event omits a field.
type Communication struct {
	Type      *int // 1 call, 2 SMS, 3 conference, 12 appointment …
	Direction *int // 1 inbound, 2 outbound

	CurrentStatus2     *int   // 1 ringing … 8 in-progress, 9 completed, 10 parked
	CurrentStatus      string // string form, e.g. "completed" (Zapier sends only this)
	DispositionStatus2 *int   // 3 missed, 4 completed, 5 failed …
	DispositionStatus  string // string form, e.g. "missed"

	CallDispositionID string // tenant-defined disposition id
	CallDisposition   string // tenant-defined disposition name, e.g. "No Answer"

	TalkTime *int // seconds of conversation
	WaitTime *int // seconds of ringing
	HoldTime *int // seconds on hold
	Duration *int // seconds in total (≈ wait + talk)

	CreatedAt time.Time // UTC; zero when absent
	UpdatedAt time.Time // UTC; zero when absent

	ContactID    string
	ContactName  string
	CampaignID   string // Aloware calls its lines "campaigns"
	CampaignName string
	RingGroupID  string // the ring group that routed the call (team routing matches on it)

	UserID    string // the agent
	UserName  string
	UserEmail string

	HasRecording *bool  // stale on early events; informative only
	RecordingURL string // direct_recording_url as sent (not yet checked for http/https)

	Transcript []Utterance // parsed_transcription.messages as sent (unsorted); nil when absent
	Summary    string      // AloAi summary text
	Tags       []string    // names of the communication's tags as listed; nil when absent
}

// Utterance is one line of a transcript.
type Utterance struct {
	Speaker string // "AGENT"/"A" for the rep, "CONTACT" or anything else for the customer
	Text    string
	StartMS int64 // milliseconds from call start
	EndMS   int64
}
