package mapping

// Every rule that turns Aloware events into a Kendo payload is listed in this table, and
// written in this file but for these: parsing (aloware.Parse) normalizes the wire shapes
// and decides an event's Kind (K1, aloware/classify.go) and whether it can be used at all
// (I2, K2, aloware/parse.go); Map (map.go) makes the S1 verdict from the helpers here and
// keeps an input to one call (I3); Call.Fold (call.go) folds the events in order (M1–M5,
// with mergeComm and the C1 helpers here); the size rules P9 and P10 are in bodylimit.go.
//
// | # | Rule | What it does |
// |---|------|--------------|
// | I1 | Shapes | The `{"event","body"}` envelope (all three naming styles); its flat form `{"event": …, …the body's fields}` (what Aloware's own n8n trigger node outputs with "Flatten Payload", its default: a string `event` beside communication fields such as `id`, `direction`, `type`, `created_at` or `communication`; its `body` is the SMS text, `""` on calls), read exactly as its envelope; a bare communication object (has `id`; a string `body` is an SMS text, not an envelope); Zapier's flattened object (Title-Case keys `ID`, `Event`, `Type`, `Direction`, `Created At`, `Current Status`, `Current Status 2`, `Talk Time`, `User Id`, `Contact Id` …, with `User: {ID, Name, Full Name}` nested or `User ID`/`User Name` flat; its keys match regardless of case and of spaces vs underscores, so `User ID`, `User Id` and `user_id` are one field); `{"test_payload":true}`. In every shape, type may be a label ("Call", "SMS"), statuses labels or numbers, direction 1/2 or "Inbound"/"Outbound". Any other JSON object is unusable at `body` (I2). |
// | I2 | Values | Numbers may be numeric strings ("63", "742.0"); seconds may be fractional (rounded); ids must be whole and non-negative; `null` means absent. Dates are ISO 8601 date-times: "YYYY-MM-DD", `T` or a space, "HH:MM:SS", optional fractional seconds, and a zone `Z`/`z`, `±hh:mm`, `±hhmm` or `±hh`; zone-less times are UTC, never the host's zone; every time is converted to UTC. A field we read that cannot be read (wrong type, "NaN", "Infinity", 1e400, a date in another format …) is dropped with a warning `location: message; ignored` and the rest of the event is used; `Result.Warnings` lists them (each once, at most 20 per call, then a count); fields we do not read are ignored whatever their type. An event is unusable (an `InputError` with `IsObject`: /map answers 422, /push keeps it in quarantine) only when it has no shape of I1, is a call without a readable id (K2), or nests deeper than 64 levels (not read, but kept). Not JSON, invalid UTF-8 or an empty body (`NotJSON`: 400), a JSON scalar, or an array where one event was wanted is not an event object at all. |
// | I3 | Arrays | /map (and `aloware-kendo map`) take an array of one call's events, or one file per event; an event with a different call id is bad input at `body[i]`; problems and warnings of an item are located `body[i]…`. |
// | K1 | Kind | `body.type` first: 1 call, 3 conference → call; 2 → sms; 12 → appointment; any other type → other. Without a type, the event name (case and separators ignored): `*PhoneCall*`, `Recording-Saved`, `Transcription-Saved`, `Call-Disposed`, `Call Summarized`, `Voicemail-Saved`, `transcription.*` → call; `*SMS*` → sms; `*Appointment*` → appointment; `Contact*` → other. An unknown name whose body has call fields (talk_time, direct_recording_url, parsed_transcription, call_disposition, has_recording) is a call; anything else is other. `{"test_payload":true}` → test. The type outranks the name because Zapier has put SMS event names on real calls. |
// | K2 | Call id | `body.id`; `ID` for Zapier. Transcript and summary events (`Transcription-Saved`, `transcription.*`, `Call Summarized`, in every shape: envelope, flat, Zapier) name their call in `communication_id`, then `communication.id`, and `body.id` only when neither is there: real accounts send the transcription's own record as their body, whose `id` is the transcription's (its `type`, times and durations are the transcription's too, so only its transcript, summary, agent and contact are read from it; the call's other fields from its `communication`); the early shape, a communication body with no `communication`, keeps `body.id`. A `communication_id` that cannot be read makes the event unusable rather than fall back to `body.id`, which would name the wrong call. Numbers or numeric strings, kept as a decimal string. A call without a readable id is unusable (I2); for other kinds an unreadable id is only a warning. Contact* events carry a contact id, so they have no call id. |
// | M1 | Merge: latest wins | Events are folded in arrival order. A field an event carries replaces the earlier value; a field it does not carry (absent or null) keeps the earlier value. |
// | M2 | Merge: no going back | Once the call is complete (C1), an event that reports an earlier state only fills fields still unknown; it never overwrites status, times or durations. An event reports an earlier state when its status fields say the call is in progress (C1), whatever its name says (Zapier delivers out of order and names a ringing call "…-DispositionCompleted"); or, without status fields, when it is an initiation event (`OutboundPhoneCall`, `InboundPhoneCall`, `Communication Initiated`) arriving last. |
// | M3 | Merge: artifacts stick | Recording URL, transcript and summary are kept from whichever event carried them; a later event with the key null or empty does not erase them. A later http(s) recording URL replaces an earlier one; a non-http one never replaces an http(s) one. |
// | M4 | Merge: Call-Disposed | `Call-Disposed` restates the disposition event's state. It merges like any event (so a changed disposition name wins), but it is not a second completion: `Call.CompletedBy` keeps the first completing event and the restatement is only counted in `Call.Restatements`. |
// | M5 | Merge: kind | The call's kind is the most call-like of its events' kinds (call > sms > appointment > other > test), so one misnamed event cannot demote a call. |
// | C1 | Complete | An event's status fields decide first: `current_status2` = 9 or `current_status` "completed", or a terminal `disposition_status2` (2 abandoned, 3 missed, 4 completed, 5 failed, 6 dead-end, 7 invalid, 12 voicemail, 13 missed+voicemail) or its label, say it ended; otherwise a status of a call not yet ended (`current_status2` 1–8 or 10, ringing … in-progress, parked, or its label; `disposition_status2` 1 in-progress or 8 placed, or its label) says it is in progress, whatever the event's name says. Without status fields the name decides: a `-Disposition*` name (not `-DispositionInProgress`/`-DispositionPlaced`), `Call-Disposed`, `Communication-Disposed`, or an artifact event (`Recording-Saved`, `Transcription-Saved`, `transcription.*`). An event carrying a recording URL or a transcript completes the call whatever its statuses — Aloware saves those only after hang-up, and a lost disposition event (Aloware never retries) must not leave a recorded call waiting forever. |
// | C2 | Artifacts | A recording URL the Kendo schema accepts as audioUrl (an absolute `http://` or `https://` URI with a host), or a transcript with at least one non-empty utterance. |
// | C3 | Unanswered | Complete, no artifacts, and the disposition (status number, label, or the `-Disposition<X>` name) is missed, failed, abandoned, dead-end or invalid — or the talk time is 0 (unless the disposition is voicemail: its recording is on its way). |
// | S1 | State / reason | not a call → `ignored` ("SMS is not a call", "appointment is not a call", "Aloware test payload …", "not a phone call …"); not complete → `in_progress` ("call still in progress …"); complete + artifacts → `ready`; unanswered → `unanswered` ("missed call: nothing to analyse", "failed call: …"); otherwise `awaiting_artifacts` ("waiting for the recording or transcript"). A missed call that left a voicemail recording is ready. |
// | S2 | Preview payload | `Result.Payload` is set for every call, ready or not, so /map shows progress; only a ready payload is complete (it has audioUrl or transcript) and only a ready one is ever sent. Ignored events get no payload. |
// | S3 | Nothing more expected | `Result.NothingMoreExpected` is true when the call is ready and carries its recording (an http(s) URL), its transcript and its AloAi summary: those are everything a later event can add, so the engine delivers it after a short grace (for a trailing `Call-Disposed`) instead of the full `--settle`. |
// | S4 | Send rules | Which finished calls are worth Kendo's quota: a call mapping would send or wait for (ready, or awaiting its artifacts) is `filtered` (the service skips it, with the reason) when its talk time is under `--min-talk-time` (default 10s; `0` sends every call; a call whose talk time is unknown is not filtered by it), its direction is not in `--send-directions` (default `inbound,outbound`; an unknown direction is not filtered), or its disposition is in `--skip-dispositions` (comma-separated; each entry matches the call disposition's name, e.g. "Wrong number", or its disposition status, label or number, e.g. "voicemail" or 12; case, spaces and "-" ignored). A team's `send: {minTalkTime, directions, skipDispositions}` in the teams file replaces the flag of each rule it gives for the calls routed to it. The reason names the rule that filtered it ("talk time 4 s is under --min-talk-time 10s"). The rules are applied when events arrive and by POST /map on the service, never to an operator's redelivery; missed, failed and unanswered calls stay `unanswered` (C3). |
// | S5 | Late artifacts | Kendo has no update API, so an event of a call that was delivered (or is being sent) is never folded into it. When it brings an artifact the sent call did not carry as it is (a recording URL, a transcript, an AloAi summary: `LateArtifacts`), it is late: /push answers `"late": true` instead of `"duplicate": true`, the call lists it with what Kendo has ("transcript arrived 40 s after delivery; Kendo has the recording only"), and it is counted; an event that repeats what was sent is a duplicate. `--settle` is the trade: how long a ready call waits for these. |
// | P1 | callTitle | Direction label ("Inbound"/"Outbound") + " - " + the first present of call disposition name, campaign (line) name, contact name that carries no phone number, e.g. "Outbound - Renewal Follow-up". Kendo shows titles to every coach, and Aloware names unknown contacts "Aloware Contact (+1…)" and lines often by their number, so a candidate with a run of 7 or more digits (however separated by spaces, "-", ".", "(", ")" or "+") is passed over. Just the direction when none is left; just the detail when the direction is unknown; omitted (Kendo titles it with AI) when both are unknown. At most 200 characters. |
// | P2 | direction | `direction` 1 inbound / 2 outbound (Zapier: "Inbound"/"Outbound"); else the `Inbound…`/`Outbound…` prefix of an event name; else unknown (warning). |
// | P3 | repName / repEmail | The agent's name (`user.name`, `user.full_name`, `user_name`, Zapier `User: Name`/`User Name`), at most 200 characters, and e-mail (`user_email`, `user.email`, Zapier `User Email`). An e-mail that fails the schema's email check is dropped with a warning. No rep at all → warning (Kendo cannot attribute the call). A rep found outside the events (Aloware's Users API by `user_id`, `--rep-email-map`; the engine applies it with `mapping.ApplyRep`) passes the same checks. |
// | P4 | callDate | `created_at` (zone-less Aloware times are UTC) as RFC 3339 UTC, e.g. "2026-08-05T20:58:49Z". Missing → omitted, warning. |
// | P5 | duration | Seconds: `talk_time` when > 0, else `duration`; omitted when neither is known. Talk time is the conversation that was recorded and is analysed; `duration` also counts the agent leg's ring time (66 s total for a 63 s conversation), which would skew talk-ratio metrics. Whole seconds, because Kendo guesses the unit and seconds are what Aloware sends. |
// | P6 | audioUrl | `direct_recording_url` when it is http(s) (C2), else `recording_url`, else `voicemail_url` (the voicemail a caller left on a communication, its only audio: such a call does not wait `--artifact-wait` for a recording that never comes); otherwise dropped with a warning. |
// | P7 | transcript | `parsed_transcription.messages` sorted by start (stable), one line per utterance: "Rep: …" for speaker AGENT or A, "Customer: …" for CONTACT or anything else; empty texts skipped, runs of white space (line breaks included) folded to one space; lines joined with "\n". |
// | P8 | metadata | All string values, always these six keys: `source`="aloware", `alowareCallId`, `alowareContactId`, `alowareCampaignId`, `alowareDirection` ("inbound"/"outbound"), `syncMethod`="webhook"; "" plus a warning when unknown. Added only when known: `alowareUserId` (the agent's Aloware user id, for rep lookups), `alowareDisposition` (the call disposition's name, e.g. "No Answer"), `alowareDispositionStatus` (the disposition status label, e.g. "completed", "missed+voicemail"; from `disposition_status2` when no label came), `alowareLine` (the line's, i.e. campaign's, name), `alowareRingGroupId`, `alowareWaitTime` and `alowareHoldTime` (seconds), `alowareTags` (the communication's tag names joined with ", ", at most 1000 characters), `alowareSummary` (the AloAi summary, at most 2000 characters). A name that carries a phone number (P1) or an e-mail address is left out (a line named by its number has no `alowareLine`), so metadata never carries a contact's phone or e-mail. |
// | P9 | 5 MB | Kendo refuses bodies over 5 MB. If the payload would exceed it: with an audioUrl the transcript is dropped (Kendo transcribes the audio, which it prefers anyway); without one the transcript is cut at a line boundary. Both with a warning. |
// | P10 | After a 413 | Kendo counts size its own way; if it answers 413 all the same, the payload is shrunk once (`mapping.ShrinkAfter413`) and sent again: with an audioUrl the transcript is dropped; without one the transcript loses its last tenth (cut at a line break when one is near, never inside a character) and ends with "[transcript cut by aloware-kendo to fit Kendo's size limit]". A second 413 is final. |

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aloware-kendo/aloware-kendo/aloware"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/schema"
)

// ---- K1 / M5: kind ------------------------------------------------------------------

var kindRank = map[aloware.Kind]int{
	aloware.KindTest: 1, aloware.KindOther: 2, aloware.KindAppointment: 3, aloware.KindSMS: 4, aloware.KindCall: 5,
}

// strongerKind implements M5.
func strongerKind(a, b aloware.Kind) aloware.Kind {
	if kindRank[b] > kindRank[a] {
		return b
	}
	return a
}

// ignoredReason implements the ignored half of S1.
func ignoredReason(k aloware.Kind) string {
	switch k {
	case aloware.KindSMS:
		return "SMS is not a call: nothing to send to Kendo"
	case aloware.KindAppointment:
		return "appointment is not a call: nothing to send to Kendo"
	case aloware.KindTest:
		return "Aloware test payload (Save & Test Webhook): acknowledged, nothing to send"
	}
	return "not a phone call: nothing to send to Kendo"
}

// ---- C1: complete -------------------------------------------------------------------

// terminalDispositions are the disposition_status2 values that end a call.
var terminalDispositions = map[int]string{
	2: "abandoned", 3: "missed", 4: "completed", 5: "failed", 6: "deadend", 7: "invalid", 12: "voicemail", 13: "missedvoicemail",
}

// unansweredDispositions are the dispositions of a call nobody talked in (C3).
var unansweredDispositions = map[string]bool{"abandoned": true, "missed": true, "failed": true, "deadend": true, "invalid": true}

// callStatus is what an event's status fields say about the call.
type callStatus int

const (
	statusUnknown    callStatus = iota // no status field, or none we know
	statusInProgress                   // ringing, queued, talking, placed …
	statusEnded                        // completed, or a terminal disposition
)

// inProgressStatuses are the current_status2 values of a call that has not ended (1
// ringing … 8 in-progress, 10 parked), keyed also by their labels as Aloware spells them.
var inProgressStatuses = map[int]string{
	1: "ringing", 2: "greeting", 3: "queued", 4: "ringall", 5: "transferring", 6: "voicemail", 7: "whispering", 8: "inprogress", 10: "parked",
}

// statusOf reads the status fields (C1): any field reporting an end wins; otherwise any
// reporting a state before the end makes the event in progress.
func statusOf(c aloware.Communication) callStatus {
	cur, disp := fold(c.CurrentStatus), fold(c.DispositionStatus)
	switch {
	case c.CurrentStatus2 != nil && *c.CurrentStatus2 == 9, cur == "completed",
		c.DispositionStatus2 != nil && terminalDispositions[*c.DispositionStatus2] != "", isTerminalLabel(disp):
		return statusEnded
	case c.CurrentStatus2 != nil && inProgressStatuses[*c.CurrentStatus2] != "", isInProgressLabel(cur),
		c.DispositionStatus2 != nil && (*c.DispositionStatus2 == 1 || *c.DispositionStatus2 == 8), disp == "inprogress", disp == "placed":
		return statusInProgress
	}
	return statusUnknown
}

func isInProgressLabel(label string) bool {
	for _, w := range inProgressStatuses {
		if w == label {
			return true
		}
	}
	return false
}

// eventCompletes implements C1 for one event: its status fields first, then its name.
// A recording or transcript completes it whatever the statuses say (checked last: a
// recording URL costs a schema check).
func eventCompletes(ev aloware.Event) bool {
	c := ev.Comm
	switch statusOf(c) {
	case statusEnded:
		return true
	case statusInProgress:
		return carriesArtifacts(c) // Zapier puts "…-DispositionCompleted" on calls still ringing
	}
	if w, ok := nameDisposition(ev.Name); ok && w != "inprogress" && w != "placed" {
		return true
	}
	switch fold(ev.Name) {
	case "calldisposed", "communicationdisposed", "recordingsaved", "transcriptionsaved", "voicemailsaved":
		return true
	}
	return strings.HasPrefix(strings.ToLower(ev.Name), "transcription.") || carriesArtifacts(c)
}

func carriesArtifacts(c aloware.Communication) bool {
	return hasSpokenText(c.Transcript) || usableRecording(c.RecordingURL)
}

func isTerminalLabel(label string) bool {
	for _, w := range terminalDispositions {
		if w == label {
			return true
		}
	}
	return label == "missedandvoicemail"
}

// reportsEarlierState: the event reports a state before the call's end (M2): by its
// status fields whatever its name says, or, without any, by an initiation name.
func reportsEarlierState(ev aloware.Event) bool {
	switch statusOf(ev.Comm) {
	case statusInProgress:
		return true
	case statusEnded:
		return false
	}
	if eventCompletes(ev) {
		return false
	}
	n := fold(ev.Name)
	return n == "outboundphonecall" || n == "inboundphonecall" || n == "communicationinitiated"
}

// isRestatement: Call-Disposed repeats the disposition event (M4).
func isRestatement(ev aloware.Event) bool { return fold(ev.Name) == "calldisposed" }

// nameDisposition returns the lower-case X of a "…-Disposition<X>" event name.
func nameDisposition(name string) (string, bool) {
	n := fold(name)
	i := strings.LastIndex(n, "disposition")
	if i < 0 || i+len("disposition") == len(n) {
		return "", false
	}
	return n[i+len("disposition"):], true
}

// ---- M1–M4: merging fields ----------------------------------------------------------

// mergeComm folds src into dst. fillOnly (M2) lets a stale event fill only what is
// still unknown; artifacts (M3) are never erased.
func mergeComm(dst *aloware.Communication, src aloware.Communication, fillOnly bool) {
	num := func(d **int, s *int) {
		if s != nil && (*d == nil || !fillOnly) {
			*d = s
		}
	}
	text := func(d *string, s string) {
		if s != "" && (*d == "" || !fillOnly) {
			*d = s
		}
	}
	when := func(d *time.Time, s time.Time) {
		if !s.IsZero() && (d.IsZero() || !fillOnly) {
			*d = s
		}
	}
	num(&dst.Type, src.Type)
	num(&dst.Direction, src.Direction)
	num(&dst.CurrentStatus2, src.CurrentStatus2)
	text(&dst.CurrentStatus, src.CurrentStatus)
	num(&dst.DispositionStatus2, src.DispositionStatus2)
	text(&dst.DispositionStatus, src.DispositionStatus)
	text(&dst.CallDispositionID, src.CallDispositionID)
	text(&dst.CallDisposition, src.CallDisposition)
	num(&dst.TalkTime, src.TalkTime)
	num(&dst.WaitTime, src.WaitTime)
	num(&dst.HoldTime, src.HoldTime)
	num(&dst.Duration, src.Duration)
	when(&dst.CreatedAt, src.CreatedAt)
	when(&dst.UpdatedAt, src.UpdatedAt)
	text(&dst.ContactID, src.ContactID)
	text(&dst.ContactName, src.ContactName)
	text(&dst.CampaignID, src.CampaignID)
	text(&dst.CampaignName, src.CampaignName)
	text(&dst.RingGroupID, src.RingGroupID)
	text(&dst.UserID, src.UserID)
	text(&dst.UserName, src.UserName)
	text(&dst.UserEmail, src.UserEmail)
	if src.Tags != nil && (dst.Tags == nil || !fillOnly) {
		dst.Tags = src.Tags
	}
	if src.HasRecording != nil && (dst.HasRecording == nil || !fillOnly) {
		dst.HasRecording = src.HasRecording
	}
	// M3: artifacts are kept whatever the event's age.
	if src.RecordingURL != "" && (dst.RecordingURL == "" || usableRecording(src.RecordingURL) || !usableRecording(dst.RecordingURL)) {
		dst.RecordingURL = src.RecordingURL
	}
	if hasSpokenText(src.Transcript) {
		dst.Transcript = src.Transcript
	}
	if src.Summary != "" {
		dst.Summary = src.Summary
	}
}

// ---- C2 / C3 / S1: readiness --------------------------------------------------------

// usableRecording implements C2 for recordings (and P6): Kendo downloads the URL, so it
// must be what the Kendo payload schema accepts as audioUrl (http(s), with a host).
func usableRecording(raw string) bool { return raw != "" && schema.IsAudioURL(raw) }

func hasSpokenText(t []aloware.Utterance) bool {
	for _, u := range t {
		if !isBlank(u.Text) {
			return true
		}
	}
	return false
}

// disposition returns the call's disposition as a folded word ("missed", "completed" …),
// from the status number, its label, or the last "-Disposition<X>" event name.
func disposition(c Call) string {
	if d := c.Comm.DispositionStatus2; d != nil && terminalDispositions[*d] != "" {
		return terminalDispositions[*d]
	}
	if w := fold(c.Comm.DispositionStatus); w != "" {
		return w
	}
	for i := len(c.EventNames) - 1; i >= 0; i-- {
		if w, ok := nameDisposition(c.EventNames[i]); ok {
			return w
		}
	}
	return ""
}

// unansweredReason implements C3; "" means the call was answered.
func unansweredReason(c Call) string {
	d := disposition(c)
	switch {
	case d == "voicemail" || d == "missedvoicemail":
		return "" // a voicemail recording is on its way
	case unansweredDispositions[d]:
		label := map[string]string{"deadend": "dead-end"}[d]
		if label == "" {
			label = d
		}
		return label + " call: nothing to analyse (no recording or transcript)"
	case c.Comm.TalkTime != nil && *c.Comm.TalkTime == 0:
		return "no conversation (talk time 0): nothing to analyse"
	}
	return ""
}

// nothingMoreExpected implements S3 for a ready call and its payload: recording (the
// payload's audioUrl is the call's recording when it is usable), transcript and AloAi
// summary are all there, and they are everything a later event could bring.
func nothingMoreExpected(c Call, p *kendo.Payload) bool {
	return p.AudioURL != "" && hasSpokenText(c.Comm.Transcript) && c.Comm.Summary != ""
}

// ---- S4: send rules ------------------------------------------------------------------

// SendRules say which finished calls are sent (rule S4). The zero value sends every call.
type SendRules struct {
	MinTalkTime      time.Duration // calls with less talk are filtered; 0 sends all
	Directions       []string      // "inbound", "outbound"; empty sends every direction
	SkipDispositions []string      // disposition names or statuses whose calls are filtered

	// Where each rule was set, as its reason names it: "--min-talk-time" (the default),
	// or e.g. "team sales's send.minTalkTime".
	MinTalkTimeFrom, DirectionsFrom, SkipDispositionsFrom string
}

// The names of the send rules, as the metric of filtered calls labels them.
const (
	RuleMinTalkTime      = "min-talk-time"
	RuleSendDirections   = "send-directions"
	RuleSkipDispositions = "skip-dispositions"
)

// DefaultMinTalkTime: in a real 90-day export of one Aloware account, 13,376 of 26,311
// completed calls had 1–9 s of talk (hang-ups, voicemail greetings): nothing to coach.
const DefaultMinTalkTime = 10 * time.Second

// DefaultSendDirections sends both directions.
var DefaultSendDirections = []string{"inbound", "outbound"}

// Filter returns the send rule the call fails and why ("" when it is sent).
func (r SendRules) Filter(c Call) (rule, reason string) {
	if t := c.Comm.TalkTime; t != nil && r.MinTalkTime > 0 && time.Duration(*t)*time.Second < r.MinTalkTime {
		return RuleMinTalkTime, fmt.Sprintf("talk time %d s is under %s %s", *t, orFlag(r.MinTalkTimeFrom, "--min-talk-time"), r.MinTalkTime)
	}
	if dir := direction(c); dir != "" && r.Directions != nil && !slices.Contains(r.Directions, dir) {
		return RuleSendDirections, fmt.Sprintf("direction %s is not in %s %s", dir, orFlag(r.DirectionsFrom, "--send-directions"), strings.Join(r.Directions, ","))
	}
	for _, skip := range r.SkipDispositions {
		if what := dispositionMatches(c, skip); what != "" {
			return RuleSkipDispositions, fmt.Sprintf("%s is in %s", what, orFlag(r.SkipDispositionsFrom, "--skip-dispositions"))
		}
	}
	return "", ""
}

// dispositionMatches says which of the call's dispositions the entry names: its name
// (tenant text, e.g. "Wrong number") or its disposition status (label or number).
func dispositionMatches(c Call, entry string) string {
	want := fold(entry)
	if want == "" {
		return ""
	}
	if name := c.Comm.CallDisposition; name != "" && fold(name) == want {
		return "disposition " + quoteShort(name)
	}
	status := disposition(c)
	if n := c.Comm.DispositionStatus2; n != nil && strconv.Itoa(*n) == want {
		return "disposition status " + want
	}
	if status != "" && (status == want || fold(dispositionLabelOf(status)) == want) {
		return "disposition status " + dispositionLabelOf(status)
	}
	return ""
}

// dispositionLabelOf spells a folded disposition word as Aloware labels it.
func dispositionLabelOf(word string) string {
	for _, label := range dispositionLabels {
		if fold(label) == word {
			return label
		}
	}
	return word
}

// ---- S5: late artifacts ------------------------------------------------------------

// The artifacts of a call: what Kendo analyses.
const (
	ArtifactRecording  = "recording"
	ArtifactTranscript = "transcript"
	ArtifactSummary    = "summary"
)

// Artifacts lists the artifacts the call carries, in that order.
func Artifacts(c Call) []string {
	var out []string
	if usableRecording(c.Comm.RecordingURL) {
		out = append(out, ArtifactRecording)
	}
	if hasSpokenText(c.Comm.Transcript) {
		out = append(out, ArtifactTranscript)
	}
	if c.Comm.Summary != "" {
		out = append(out, ArtifactSummary)
	}
	return out
}

// LateArtifacts (S5) lists the artifacts ev brings that the call as sent did not carry
// as they are: a new or other recording URL, transcript or summary. None means the event
// only repeats what Kendo has.
func LateArtifacts(sent Call, ev aloware.Event) []string {
	var out []string
	if u := ev.Comm.RecordingURL; usableRecording(u) && u != sent.Comm.RecordingURL {
		out = append(out, ArtifactRecording)
	}
	if t := ev.Comm.Transcript; hasSpokenText(t) && transcriptText(t) != transcriptText(sent.Comm.Transcript) {
		out = append(out, ArtifactTranscript)
	}
	if s := ev.Comm.Summary; s != "" && s != sent.Comm.Summary {
		out = append(out, ArtifactSummary)
	}
	return out
}

// ParseMinTalkTime reads a minimum talk time: a Go duration ("10s", "1m30s") or a
// number of seconds ("10", "0"); never negative.
func ParseMinTalkTime(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		s = strconv.Itoa(n) + "s"
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%q is not a duration such as 10s or 1m", s)
	case d < 0:
		return 0, fmt.Errorf("%s is negative", d)
	}
	return d, nil
}

// CanonicalDirection reads a direction of the send rules: inbound or outbound, in any case.
func CanonicalDirection(s string) (string, bool) {
	switch d := strings.ToLower(strings.TrimSpace(s)); d {
	case "inbound", "outbound":
		return d, true
	}
	return "", false
}

// ParseList splits a comma-separated flag value into its trimmed, non-empty entries.
func ParseList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// String says the rules in force, for `aloware-kendo check` and the logs:
// "min talk time 10s, directions inbound,outbound, skip dispositions none".
func (r SendRules) String() string {
	min := "0 (every call)"
	if r.MinTalkTime > 0 {
		min = r.MinTalkTime.String()
	}
	dirs := "all"
	if r.Directions != nil {
		dirs = strings.Join(r.Directions, ",")
		if dirs == "" {
			dirs = "none"
		}
	}
	skip := "none"
	if len(r.SkipDispositions) > 0 {
		skip = strings.Join(r.SkipDispositions, ",")
	}
	return fmt.Sprintf("min talk time %s, directions %s, skip dispositions %s", min, dirs, skip)
}

func orFlag(from, flag string) string {
	if from != "" {
		return from
	}
	return flag
}

// ApplySendRules turns the verdict of a call that would be sent, or waits for its
// artifacts, into StateFiltered when a send rule says it is not worth sending (S4). The
// payload stays (a preview of what an operator's redelivery would send).
func ApplySendRules(res *Result, c Call, r SendRules) {
	if res.State != StateReady && res.State != StateAwaitingArtifacts {
		return
	}
	rule, reason := r.Filter(c)
	if rule == "" {
		return
	}
	res.HasArtifacts = res.State == StateReady
	res.State, res.Ready, res.Reason, res.FilteredBy = StateFiltered, false, reason, rule
	res.NothingMoreExpected, res.Team = false, ""
}

const (
	reasonInProgress = "call still in progress: no disposition event or completed status seen yet"
	reasonAwaiting   = "waiting for the recording or transcript"
)

// ---- P1–P8: the payload -------------------------------------------------------------

const (
	maxTitleRunes   = 200
	maxTagsRunes    = 1000
	maxSummaryRunes = 2000
)

// direction implements P2: 1 inbound, 2 outbound, else the event-name prefix.
func direction(c Call) string {
	if d := c.Comm.Direction; d != nil {
		switch *d {
		case 1:
			return "inbound"
		case 2:
			return "outbound"
		}
	}
	for _, name := range c.EventNames {
		switch n := fold(name); {
		case strings.HasPrefix(n, "inbound"):
			return "inbound"
		case strings.HasPrefix(n, "outbound"):
			return "outbound"
		}
	}
	return ""
}

// callTitle implements P1. Kendo shows titles to every coach, so a candidate carrying a
// phone number (Aloware names unknown contacts "Aloware Contact (+1…)", lines are often
// named by their number) is passed over.
func callTitle(c Call, dir string) string {
	label := map[string]string{"inbound": "Inbound", "outbound": "Outbound"}[dir]
	var detail string
	for _, candidate := range []string{c.Comm.CallDisposition, c.Comm.CampaignName, c.Comm.ContactName} {
		if candidate != "" && !containsPhoneNumber(candidate) {
			detail = candidate
			break
		}
	}
	switch {
	case label != "" && detail != "":
		return truncateRunes(label+" - "+detail, maxTitleRunes)
	case label != "":
		return label
	}
	return truncateRunes(detail, maxTitleRunes)
}

// minPhoneDigits is how many digits make a phone number: the shortest local numbers
// have seven.
const minPhoneDigits = 7

// containsPhoneNumber reports a run of at least minPhoneDigits digits, however written:
// "+18183925284", "(818) 392-5284", "818.392.5284". Digits may be separated by spaces,
// "-", ".", "(", ")" or "+", at most two in a row. A date ("2026-08-05") counts too: that
// costs a title its detail, never leaks a number.
func containsPhoneNumber(s string) bool {
	digits, gap := 0, 0
	for i := range len(s) {
		switch c := s[i]; {
		case isDigit(c):
			digits++
			gap = 0
			if digits >= minPhoneDigits {
				return true
			}
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '+':
			gap++
			if gap > 2 {
				digits = 0
			}
		default:
			digits, gap = 0, 0
		}
	}
	return false
}

// containsEmail reports a word that looks like an e-mail address (local@domain.tld).
func containsEmail(s string) bool {
	for _, word := range strings.Fields(s) {
		at := strings.IndexByte(word, '@')
		if at > 0 && strings.Contains(word[at+1:], ".") {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// durationSeconds implements P5.
func durationSeconds(c aloware.Communication) *int {
	if c.TalkTime != nil && *c.TalkTime > 0 {
		return c.TalkTime
	}
	return c.Duration // may be nil: omitted
}

// transcriptText implements P7.
func transcriptText(utterances []aloware.Utterance) string {
	byStart := func(a, b aloware.Utterance) int { return cmp.Compare(a.StartMS, b.StartMS) }
	sorted := utterances
	if !slices.IsSortedFunc(sorted, byStart) { // Aloware sends them in order: no copy then
		sorted = slices.Clone(utterances)
		slices.SortStableFunc(sorted, byStart)
	}
	size := 0
	for _, u := range sorted {
		size += len(u.Text) + len("Customer: \n")
	}
	var b strings.Builder
	b.Grow(size)
	for _, u := range sorted {
		if isBlank(u.Text) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(speakerLabel(u.Speaker))
		writeFolded(&b, u.Text)
	}
	return b.String()
}

// writeFolded writes text with every run of white space (line breaks included) folded
// into one space and none at the ends, so each utterance stays on one line. It writes
// straight into b, and a text whose words are already apart by single spaces (nearly
// all of them) in one piece: an hour-long transcript is ~900 texts.
func writeFolded(b *strings.Builder, text string) {
	text = strings.TrimFunc(text, unicode.IsSpace)
	start := 0
	for i := 0; i < len(text); {
		for i < len(text) && wordByte[text[i]] {
			i++ // ASCII letters, digits and punctuation: the bulk of any text
		}
		if i == len(text) {
			break
		}
		if text[i] == ' ' && i+1 < len(text) && wordByte[text[i+1]] {
			i += 2 // a single space between words stays as it is
			continue
		}
		size := spaceAt(text, i)
		if size == 0 {
			_, size = utf8.DecodeRuneInString(text[i:]) // a non-ASCII letter
			i += size
			continue
		}
		end := i
		for n := size; n > 0; n = spaceAt(text, end) {
			end += n
		}
		b.WriteString(text[start:i])
		b.WriteByte(' ')
		start, i = end, end
	}
	b.WriteString(text[start:])
}

// wordByte marks the ASCII bytes that are not white space.
var wordByte = func() (t [256]bool) {
	for c := 0; c < utf8.RuneSelf; c++ {
		t[c] = !unicode.IsSpace(rune(c))
	}
	return t
}()

// spaceAt returns the length of the white-space character at s[i] (0 when it is not
// one, or i is past the end).
func spaceAt(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	if c := s[i]; c < utf8.RuneSelf {
		if wordByte[c] {
			return 0
		}
		return 1
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	if unicode.IsSpace(r) {
		return size
	}
	return 0
}

// isBlank reports whether s is empty or only white space.
func isBlank(s string) bool {
	for i := 0; i < len(s); {
		n := spaceAt(s, i)
		if n == 0 {
			return false
		}
		i += n
	}
	return true
}

func speakerLabel(speaker string) string {
	switch strings.ToUpper(strings.TrimSpace(speaker)) {
	case "AGENT", "A":
		return "Rep: "
	}
	return "Customer: "
}

// dispositionLabels are Aloware's own labels of disposition_status2, as its web app
// spells them.
var dispositionLabels = map[int]string{
	1: "in-progress", 2: "abandoned", 3: "missed", 4: "completed", 5: "failed", 6: "dead-end", 7: "invalid", 8: "placed",
	12: "voicemail", 13: "missed+voicemail",
}

// metadata implements P8; it returns warnings for the keys it could not fill.
func metadata(c Call, dir string) (map[string]string, []string) {
	m := map[string]string{
		"source":            "aloware",
		"alowareCallId":     c.AlowareCallID,
		"alowareContactId":  c.Comm.ContactID,
		"alowareCampaignId": c.Comm.CampaignID,
		"alowareDirection":  dir,
		"syncMethod":        "webhook",
	}
	var warnings []string
	for _, k := range []string{"alowareCallId", "alowareContactId", "alowareCampaignId", "alowareDirection"} {
		if m[k] == "" {
			warnings = append(warnings, "metadata."+k+" is empty: the events did not carry it")
		}
	}
	// Context, only when known. Names are tenant text: one that carries a phone number
	// or an e-mail address (a line named by its number) is left out.
	context := func(key, value string, maxRunes int) {
		if value != "" && !containsPhoneNumber(value) && !containsEmail(value) {
			m[key] = truncateRunes(value, maxRunes)
		}
	}
	if id := c.Comm.UserID; id != "" {
		m["alowareUserId"] = id
	}
	if id := c.Comm.RingGroupID; id != "" {
		m["alowareRingGroupId"] = id // an id, not a name: digits are what it is made of
	}
	context("alowareDisposition", c.Comm.CallDisposition, maxTitleRunes)
	label := c.Comm.DispositionStatus
	if d := c.Comm.DispositionStatus2; label == "" && d != nil {
		label = dispositionLabels[*d]
	}
	context("alowareDispositionStatus", label, maxTitleRunes)
	context("alowareLine", c.Comm.CampaignName, maxTitleRunes)
	if w := c.Comm.WaitTime; w != nil {
		m["alowareWaitTime"] = strconv.Itoa(*w)
	}
	if h := c.Comm.HoldTime; h != nil {
		m["alowareHoldTime"] = strconv.Itoa(*h)
	}
	var tags []string
	for _, t := range c.Comm.Tags {
		if !containsPhoneNumber(t) && !containsEmail(t) {
			tags = append(tags, t)
		}
	}
	context("alowareTags", strings.Join(tags, ", "), maxTagsRunes)
	if s := c.Comm.Summary; s != "" {
		m["alowareSummary"] = truncateRunes(s, maxSummaryRunes)
		if len(m["alowareSummary"]) < len(s) {
			warnings = append(warnings, "metadata.alowareSummary cut to 2000 characters")
		}
	}
	return m, warnings
}

// repName and repEmail implement P3's checks, for the events' rep and for one found
// elsewhere (ApplyRep).
func repName(name string) string { return truncateRunes(strings.TrimSpace(name), maxTitleRunes) }

func repEmail(email string) bool { return schema.IsEmail(email) }

// ApplyRep sets the rep found outside the events (Aloware's Users API by user_id, the
// --rep-email-map file) on a payload Map built, through rule P3's checks: the name is cut
// to 200 characters, an e-mail that fails the schema's check is dropped. It returns a
// warning for what it dropped. An empty name or email leaves the payload's as it is.
func ApplyRep(p *kendo.Payload, name, email string) []string {
	var warnings []string
	if n := repName(name); n != "" {
		p.RepName = n
	}
	if email = strings.TrimSpace(email); email != "" {
		if repEmail(email) {
			p.RepEmail = email
		} else {
			warnings = append(warnings, "repEmail from the rep lookup dropped: "+quoteShort(email)+" is not a valid e-mail address")
		}
	}
	return warnings
}

// buildPayload applies P1–P8 (P9 is applied by fitBodyLimit).
func buildPayload(c Call) (*kendo.Payload, []string) {
	var warnings []string
	dir := direction(c)
	p := &kendo.Payload{
		CallTitle: callTitle(c, dir),
		RepName:   repName(c.Comm.UserName),
		Duration:  durationSeconds(c.Comm),
	}
	if e := c.Comm.UserEmail; e != "" {
		if repEmail(e) {
			p.RepEmail = e
		} else {
			warnings = append(warnings, "repEmail dropped: "+quoteShort(e)+" is not a valid e-mail address")
		}
	}
	if p.RepName == "" && p.RepEmail == "" {
		warnings = append(warnings, "no agent name or e-mail in the events: Kendo cannot attribute the call to a rep")
	}
	if !c.Comm.CreatedAt.IsZero() {
		p.CallDate = c.Comm.CreatedAt.UTC().Format(time.RFC3339)
	} else {
		warnings = append(warnings, "callDate omitted: the events carried no created_at")
	}
	if u := c.Comm.RecordingURL; u != "" {
		if usableRecording(u) {
			p.AudioURL = u
		} else {
			warnings = append(warnings, "audioUrl dropped: recording URL "+quoteShort(u)+" is not an http(s) URL")
		}
	}
	p.Transcript = transcriptText(c.Comm.Transcript)
	var mw []string
	p.Metadata, mw = metadata(c, dir)
	return p, append(warnings, mw...)
}

// ---- helpers --------------------------------------------------------------------------

// fold lower-cases a name or label and drops separators, so "Dead End", "dead-end"
// and "DeadEnd" compare equal.
func fold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case '-', '.', '_', ' ', '+':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func truncateRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

func quoteShort(s string) string { return `"` + truncateRunes(s, 80) + `"` }
