package handlers

import (
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/mask"
)

// The wire types: what the API answers, built here from the engine's domain types (which
// carry no HTTP or schema concerns). Every free text that may quote a call's content
// (Kendo's error text, a warning, an event name) goes out through mask.Text: a recording
// URL plays without a login, and phone numbers are personal data. JSON names are the contract; they never change
// with a Go rename. Every array is sent as [] rather than null, and the document says so.

// CallStatus is a call's status on the wire. Its schema, the component CallStatus, is
// generated from lifecycle.CallStatuses(), so the list is written once.
type CallStatus lifecycle.Status

// Schema implements huma.SchemaProvider.
func (CallStatus) Schema(r huma.Registry) *huma.Schema {
	return statusSchema(r, "CallStatus", lifecycle.CallStatuses(),
		"Where a call stands: received (events stored, not complete yet), scheduled (ready; waits for its settle time, "+
			"a pacing slot, a retry or a paused key), delivering (a Kendo request is in flight), delivered (Kendo answered "+
			"201), analyzed (delivered, and Kendo's webhook said its analysis is ready), ignored (not a phone call), skipped "+
			"(nothing Kendo could analyse, or an operator stopped it), failed (needs an operator), unrouted (no team "+
			"matches), erased (its content was erased on request).")
}

// ReceiptStatus is what /push answers: a call's status, or quarantined for a stored
// event that cannot be used. Its schema comes from lifecycle.ReceiptStatuses().
type ReceiptStatus lifecycle.Status

// Schema implements huma.SchemaProvider.
func (ReceiptStatus) Schema(r huma.Registry) *huma.Schema {
	return statusSchema(r, "ReceiptStatus", lifecycle.ReceiptStatuses(),
		"The status of the event's call after this event (see CallStatus), or quarantined: the JSON object was "+
			"stored but cannot be used (see problems); GET /quarantine lists it and POST /quarantine/replay re-reads it.")
}

// statusSchema registers the named enum component once and refers to it.
func statusSchema(r huma.Registry, name string, values []lifecycle.Status, doc string) *huma.Schema {
	schemas := r.Map()
	if _, ok := schemas[name]; !ok {
		enum := make([]any, len(values))
		for i, v := range values {
			enum[i] = string(v)
		}
		s := &huma.Schema{Type: huma.TypeString, Enum: enum, Description: doc}
		s.PrecomputeMessages()
		schemas[name] = s
	}
	return &huma.Schema{Ref: "#/components/schemas/" + name}
}

// Problem is one reason an event could not be used.
type Problem struct {
	Location string `json:"location" doc:"where, from the body root (body.body.id …)" example:"body.body.id"`
	Message  string `json:"message" doc:"what is wrong there"`
}

// Receipt is what /push answers once the event is stored.
type Receipt struct {
	AlowareCallID string        `json:"alowareCallId,omitempty" doc:"Aloware communication id the event belongs to (absent when it has none: the test payload, a quarantined event)" example:"940868616"`
	Event         string        `json:"event,omitempty" doc:"Aloware event name as received" example:"Recording-Saved"`
	Status        ReceiptStatus `json:"status"`
	Reason        string        `json:"reason,omitempty" doc:"why the call is waiting, ignored, skipped or failed"`
	KendoCallID   string        `json:"callId,omitempty" doc:"Kendo's callId once delivered"`
	Duplicate     bool          `json:"duplicate,omitempty" doc:"true when the call had already been delivered and this event brings nothing Kendo lacks"`
	Late          bool          `json:"late,omitempty" doc:"true when this event brings an artifact (recording, transcript, summary) after its call was sent: it is stored and listed on the call (lateArtifacts), never sent (Kendo has no update API); answered 200"`
	DeliverAfter  *time.Time    `json:"deliverAfter,omitempty" doc:"earliest time the call will be sent to Kendo"`
	Warnings      []string      `json:"warnings" doc:"fields of this event that could not be read: each was dropped and the rest of the event used"`
	Problems      []Problem     `json:"problems,omitempty" doc:"only for a quarantined event: why it could not be used"`
	QuarantineID  int64         `json:"quarantineId,omitempty" doc:"only for a quarantined event: its id in GET /quarantine"`
}

func receiptOf(r delivery.Receipt) Receipt {
	return Receipt{
		AlowareCallID: r.AlowareCallID,
		Event:         mask.Text(r.Event),
		Status:        ReceiptStatus(r.Status),
		Reason:        mask.Text(r.Reason),
		KendoCallID:   r.KendoCallID,
		Duplicate:     r.Duplicate,
		Late:          r.Late,
		DeliverAfter:  r.DeliverAfter,
		Warnings:      nonNil(mask.Texts(r.Warnings)),
		Problems:      problemsOf(r.Problems),
		QuarantineID:  r.QuarantineID,
	}
}

func problemsOf(ps []delivery.Problem) []Problem {
	if len(ps) == 0 {
		return nil // omitted: only quarantined events have problems
	}
	out := make([]Problem, len(ps))
	for i, p := range ps {
		out[i] = Problem{Location: mask.Text(orBody(p.Location)), Message: mask.Text(p.Message)}
	}
	return out
}

// EventSeen is one stored event of a call, without its content.
type EventSeen struct {
	Name       string    `json:"name" doc:"Aloware event name" example:"Recording-Saved"`
	Kind       string    `json:"kind" doc:"what the event is about: call, sms, appointment, test or other" example:"call"`
	ReceivedAt time.Time `json:"receivedAt"`
}

// Analysis is what Kendo's call.uploaded webhook said about a delivered call.
type Analysis struct {
	AIScore    string    `json:"aiScore" doc:"Kendo's AI score of the call"`
	AgentName  string    `json:"agentName" doc:"the agent Kendo matched"`
	ReceivedAt time.Time `json:"receivedAt" doc:"when the webhook arrived"`
}

// Attempt is one Kendo request of a call and what Kendo answered.
type Attempt struct {
	N           int        `json:"n" doc:"1 for the first request" minimum:"1"`
	StartedAt   time.Time  `json:"startedAt"`
	FinishedAt  *time.Time `json:"finishedAt,omitempty" doc:"absent while no answer was recorded"`
	Outcome     string     `json:"outcome" doc:"accepted, rate_limited, bad_request, unauthorized, too_large, transient or rejected; unknown while (or if) no answer was recorded"`
	HTTPStatus  int        `json:"httpStatus,omitempty" doc:"Kendo's HTTP status; absent when no answer arrived"`
	Message     string     `json:"message,omitempty" doc:"Kendo's error text (phone numbers and URLs masked)"`
	KendoCallID string     `json:"callId,omitempty" doc:"Kendo's callId, for the request that delivered the call"`
	BodyBytes   int        `json:"bodyBytes,omitempty" doc:"size of the exact body the request sent; absent for requests made before bodies were recorded"`
	BodySHA256  string     `json:"bodySha256,omitempty" doc:"SHA-256 (hex) of the exact body the request sent; absent before bodies were recorded and once the call's content is purged"`
}

// CallRecord is one call as GET /calls/{alowareCallId} shows it.
type CallRecord struct {
	AlowareCallID  string         `json:"alowareCallId" example:"940868616"`
	Status         CallStatus     `json:"status"`
	Reason         string         `json:"reason,omitempty" doc:"why the call is waiting, ignored, skipped or failed, and who asked for an operator action"`
	KendoCallID    string         `json:"callId,omitempty" doc:"Kendo's callId once delivered"`
	Attempts       int            `json:"attempts" doc:"Kendo requests made for the call"`
	NextAttemptAt  *time.Time     `json:"nextAttemptAt,omitempty" doc:"while scheduled: when the call will be sent (its settle time, a retry, a pacing slot)"`
	LastError      string         `json:"lastError,omitempty" doc:"Kendo's last error text (phone numbers and URLs masked)"`
	FirstSeenAt    time.Time      `json:"firstSeenAt"`
	UpdatedAt      time.Time      `json:"updatedAt"`
	DeliveredAt    *time.Time     `json:"deliveredAt,omitempty"`
	Events         []EventSeen    `json:"events" doc:"every stored event of the call, in arrival order (names and times, never content)"`
	Team           string         `json:"team,omitempty" doc:"the team whose Kendo key the call goes to (with --teams)"`
	Direction      string         `json:"direction,omitempty" enum:"inbound,outbound"`
	RepEmail       string         `json:"repEmail,omitempty" doc:"the rep's e-mail the latest request sent to Kendo (rep e-mail map applied), or the one it would send before any request"`
	CallDate       *time.Time     `json:"callDate,omitempty" doc:"when the call happened"`
	OutcomeUnknown bool           `json:"outcomeUnknown,omitempty" doc:"a request may have reached Kendo without an answer: check Kendo before redelivering"`
	PurgedAt       *time.Time     `json:"purgedAt,omitempty" doc:"when the call's content (raw events, payload) was purged (--retain) or erased; the record stays"`
	Analysis       *Analysis      `json:"analysis,omitempty" doc:"once Kendo's webhook reported the call analysed"`
	AttemptLog     []Attempt      `json:"attemptLog" doc:"each Kendo request and its answer, oldest first"`
	Warnings       []string       `json:"warnings" doc:"fields of the call's events that could not be read and were dropped"`
	LateArtifacts  []LateArtifact `json:"lateArtifacts" doc:"events that brought an artifact after the call was sent: Kendo never got it (it has no update API); a longer --settle trades delay for fewer of these"`
	PayloadSource  PayloadSource  `json:"payloadSource,omitempty" doc:"which body payload is: sent (the exact body of the latest request, recorded with it) or would_send (no request recorded its body yet: what a delivery would send now); absent once the call's content is purged"`
	Payload        *CallPayload   `json:"payload,omitempty" doc:"the body sent to Kendo, or that would be sent (see payloadSource), masked; absent once the call's content is purged, and for events that make no payload"`
	PayloadAttempt int            `json:"payloadAttempt,omitempty" doc:"with payloadSource sent: the request (attemptLog's n) that sent it"`
	PayloadBytes   int            `json:"payloadBytes,omitempty" doc:"with payloadSource sent: the exact body's size, before masking"`
	PayloadSHA256  string         `json:"payloadSha256,omitempty" doc:"with payloadSource sent: SHA-256 (hex) of the exact body, before masking"`
	PayloadNotes   []string       `json:"payloadNotes,omitempty" doc:"with payloadSource would_send: why it is not ready yet, the mapping's and the rep lookup's warnings"`
}

// PayloadSource says which body a call's payload is: sent or would_send.
type PayloadSource string

// Schema implements huma.SchemaProvider.
func (PayloadSource) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Enum: []any{string(delivery.PayloadSent), string(delivery.PayloadWouldSend)}}
}

// CallPayload is a Kendo Push body as a call's record shows it: what was (or would be)
// sent, with the free texts masked as in every answer and the recording URL cut to its
// scheme and host (the recording plays without a login).
type CallPayload struct {
	CallTitle  string            `json:"callTitle,omitempty"`
	RepName    string            `json:"repName,omitempty"`
	RepEmail   string            `json:"repEmail,omitempty"`
	CallDate   string            `json:"callDate,omitempty"`
	Duration   *int              `json:"duration,omitempty" doc:"seconds"`
	AudioURL   string            `json:"audioUrl,omitempty" doc:"scheme and host only" example:"https://app.aloware.io/…"`
	Transcript string            `json:"transcript,omitempty" doc:"phone numbers and URLs masked"`
	Metadata   map[string]string `json:"metadata,omitempty" doc:"Aloware's ids as sent; other values masked"`
}

// payloadOf masks a call's payload for the record.
func payloadOf(p *delivery.Payload, rec *CallRecord) {
	if p == nil {
		return
	}
	rec.PayloadSource = PayloadSource(p.Source)
	if p.Source == delivery.PayloadSent {
		rec.PayloadAttempt, rec.PayloadBytes, rec.PayloadSHA256 = p.Attempt, p.Bytes, p.SHA256
	} else {
		if !p.Ready && p.Reason != "" {
			rec.PayloadNotes = append(rec.PayloadNotes, mask.Text("not ready to send ("+p.State+"): "+p.Reason))
		}
		rec.PayloadNotes = append(rec.PayloadNotes, mask.Texts(p.Warnings)...)
	}
	b := p.Body
	if b == nil {
		return
	}
	shown := &CallPayload{CallTitle: mask.Text(b.CallTitle), RepName: mask.Text(b.RepName), RepEmail: b.RepEmail, CallDate: b.CallDate,
		Duration: b.Duration, Transcript: mask.Text(b.Transcript)}
	if b.AudioURL != "" {
		shown.AudioURL = mask.URL(b.AudioURL)
	}
	if len(b.Metadata) > 0 {
		shown.Metadata = make(map[string]string, len(b.Metadata))
		for k, v := range b.Metadata {
			shown.Metadata[k] = mask.MetadataValue(k, v)
		}
	}
	rec.Payload = shown
}

// LateArtifact is one event that brought an artifact after its call was sent.
type LateArtifact struct {
	Event         string    `json:"event" doc:"the Aloware event name" example:"Transcription-Saved"`
	ReceivedAt    time.Time `json:"receivedAt"`
	Artifacts     []string  `json:"artifacts" doc:"what it brought: recording, transcript, summary"`
	KendoHas      []string  `json:"kendoHas" doc:"what the call carried when it was sent"`
	AfterDelivery int64     `json:"afterDelivery" doc:"seconds after the delivery it arrived (0 while the request was in flight)"`
	Note          string    `json:"note" doc:"the same in words" example:"transcript arrived 40 s after delivery; Kendo has the recording only"`
}

func callRecordOf(r delivery.CallRecord) CallRecord {
	events := make([]EventSeen, len(r.Events))
	for i, e := range r.Events {
		events[i] = EventSeen{Name: mask.Text(e.Name), Kind: e.Kind, ReceivedAt: e.ReceivedAt}
	}
	attempts := make([]Attempt, len(r.AttemptLog))
	for i, a := range r.AttemptLog {
		attempts[i] = Attempt{N: a.N, StartedAt: a.StartedAt, FinishedAt: a.FinishedAt, Outcome: a.Outcome,
			HTTPStatus: a.HTTPStatus, Message: mask.Text(a.Message), KendoCallID: a.KendoCallID,
			BodyBytes: a.BodyBytes, BodySHA256: a.BodySHA256}
	}
	rec := CallRecord{
		AlowareCallID:  r.AlowareCallID,
		Status:         CallStatus(r.Status),
		Reason:         mask.Text(r.Reason),
		KendoCallID:    r.KendoCallID,
		Attempts:       r.Attempts,
		NextAttemptAt:  r.NextAttemptAt,
		LastError:      mask.Text(r.LastError),
		FirstSeenAt:    r.FirstSeenAt,
		UpdatedAt:      r.UpdatedAt,
		DeliveredAt:    r.DeliveredAt,
		Events:         events,
		Team:           r.Team,
		Direction:      r.Direction,
		RepEmail:       r.RepEmail,
		CallDate:       r.CallDate,
		OutcomeUnknown: r.OutcomeUnknown,
		PurgedAt:       r.PurgedAt,
		AttemptLog:     attempts,
		Warnings:       nonNil(mask.Texts(r.Warnings)),
		LateArtifacts:  make([]LateArtifact, len(r.LateArtifacts)),
	}
	for i, l := range r.LateArtifacts {
		rec.LateArtifacts[i] = LateArtifact{Event: mask.Text(l.Event), ReceivedAt: l.ReceivedAt, Artifacts: nonNil(l.Artifacts),
			KendoHas: nonNil(l.KendoHas), AfterDelivery: l.AfterDelivery, Note: l.Note}
	}
	if a := r.Analysis; a != nil {
		rec.Analysis = &Analysis{AIScore: a.AIScore, AgentName: mask.Text(a.AgentName), ReceivedAt: a.ReceivedAt}
	}
	payloadOf(r.Payload, &rec)
	return rec
}

// CallSummary is one row of GET /calls. It carries no phone number.
type CallSummary struct {
	AlowareCallID  string     `json:"alowareCallId" example:"940868616"`
	Status         CallStatus `json:"status"`
	Reason         string     `json:"reason,omitempty"`
	Team           string     `json:"team,omitempty"`
	Direction      string     `json:"direction,omitempty" enum:"inbound,outbound"`
	RepEmail       string     `json:"repEmail,omitempty" doc:"the rep's e-mail the latest request sent to Kendo (rep e-mail map applied), or the one it would send before any request"`
	CallDate       *time.Time `json:"callDate,omitempty"`
	Attempts       int        `json:"attempts"`
	LastError      string     `json:"lastError,omitempty"`
	KendoCallID    string     `json:"callId,omitempty" doc:"Kendo's callId once delivered"`
	OutcomeUnknown bool       `json:"outcomeUnknown,omitempty" doc:"a request may have reached Kendo without an answer: check Kendo before redelivering"`
	FirstSeenAt    time.Time  `json:"firstSeenAt" doc:"the list is ordered by this, newest first"`
	UpdatedAt      time.Time  `json:"updatedAt"`
}

// CallPage is one page of GET /calls.
type CallPage struct {
	Items []CallSummary `json:"items" doc:"newest first (by firstSeenAt)"`
	Next  string        `json:"next,omitempty" doc:"pass as cursor for the next page; absent on the last page"`
}

func callPageOf(p delivery.CallPage) CallPage {
	items := make([]CallSummary, len(p.Items))
	for i, c := range p.Items {
		items[i] = CallSummary{
			AlowareCallID: c.AlowareCallID, Status: CallStatus(c.Status), Reason: mask.Text(c.Reason), Team: c.Team,
			Direction: c.Direction, RepEmail: c.RepEmail, CallDate: c.CallDate, Attempts: c.Attempts,
			LastError: mask.Text(c.LastError), KendoCallID: c.KendoCallID, OutcomeUnknown: c.OutcomeUnknown,
			FirstSeenAt: c.FirstSeenAt, UpdatedAt: c.UpdatedAt,
		}
	}
	return CallPage{Items: items, Next: p.Next}
}

// BulkResult answers POST /calls/redeliver.
type BulkResult struct {
	Matched  int            `json:"matched" doc:"redeliverable calls the criteria matched"`
	Queued   int            `json:"queued" doc:"of those, calls queued for delivery now (with dryRun: that would be queued)"`
	Excluded map[string]int `json:"excluded" doc:"the matched calls not queued, by reason: outcomeUnknown (Kendo may already have it; only with includeOutcomeUnknown), unrouted (no team of the current teams file takes it), purged (its content is gone), notRedeliverable (queued, sent or changed meanwhile, or nothing to send)"`
}

// QuarantinedEvent is one stored event that could not be used.
type QuarantinedEvent struct {
	ID         int64     `json:"id" example:"17"`
	ReceivedAt time.Time `json:"receivedAt"`
	Event      string    `json:"event,omitempty" doc:"the event name, when it had a readable one"`
	Size       int       `json:"size" doc:"bytes stored"`
	Problems   []Problem `json:"problems" doc:"why it could not be used"`
}

// QuarantinePage is one page of GET /quarantine.
type QuarantinePage struct {
	Items []QuarantinedEvent `json:"items" doc:"newest first"`
	Next  string             `json:"next,omitempty" doc:"pass as cursor for the next page; absent on the last page"`
	Total int                `json:"total" doc:"events in quarantine now"`
	Bytes int64              `json:"bytes" doc:"bytes they take"`
}

func quarantinePageOf(p delivery.QuarantinePage) QuarantinePage {
	items := make([]QuarantinedEvent, len(p.Items))
	for i, q := range p.Items {
		items[i] = QuarantinedEvent{ID: q.ID, ReceivedAt: q.ReceivedAt, Event: mask.Text(q.Event), Size: q.Size,
			Problems: nonNil(problemsOf(q.Problems))}
	}
	return QuarantinePage{Items: items, Next: p.Next, Total: p.Total, Bytes: p.Bytes}
}

// ReplayResult answers POST /quarantine/replay.
type ReplayResult struct {
	Replayed  int `json:"replayed" doc:"events that now parse: fed into their calls and removed from the quarantine"`
	Remaining int `json:"remaining" doc:"events still unusable with the current code and configuration"`
}

// nonNil makes an absent list an empty one: the document promises arrays, never null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
