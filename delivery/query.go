package delivery

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/reps"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// The types below are what the operator-facing routes (GET /calls, bulk actions, the
// quarantine, the ops page) read from the engine. They are domain types: the HTTP edge
// builds its wire types from them. None of them carries a phone number, a recording URL
// or a transcript.

// ListFilter selects calls for GET /calls and for bulk redelivery.
type ListFilter struct {
	Statuses []lifecycle.Status // any of these; none = every status
	Since    time.Time          // first seen at or after (zero = unbounded)
	Until    time.Time          // first seen before (zero = unbounded)
	Query    string             // an Aloware call id or a Kendo callId (exact)
	IDs      []string           // only these Aloware call ids
	// RepStates: only calls whose rep is in any of these states ("sent without a rep":
	// reps.WithoutRep with the statuses delivered and analyzed).
	RepStates []reps.State
	// UpdatedSince: only calls whose state changed at or after it, and whose content is
	// kept (a bulk redelivery's progress: the calls it queued, sent or failed again).
	UpdatedSince time.Time
	Limit        int    // page size for listing: 1..MaxListLimit, 0 = DefaultListLimit
	Cursor       string // opaque; from CallPage.Next
}

const (
	DefaultListLimit = 50
	MaxListLimit     = 500
)

// CallSummary is one row of GET /calls.
type CallSummary struct {
	AlowareCallID  string
	Status         lifecycle.Status
	Reason         string
	Team           string
	Direction      string     // "inbound", "outbound" or ""
	RepEmail       string     // the rep's e-mail the last request sent, or else the one outgoing would send
	CallDate       *time.Time // the call's created_at
	Attempts       int
	LastError      string
	KendoCallID    string
	OutcomeUnknown bool // a request may have reached Kendo without an answer: check before redelivering
	FirstSeenAt    time.Time
	UpdatedAt      time.Time
	PurgedAt       *time.Time // its content was purged (retention) or erased
	RepState       string     // what became of the rep (reps.Mapped …); "" without a payload
}

// Redeliverable reports whether an operator may ask for the call to be sent again: its
// status allows it and its content is still stored (Redeliver answers ErrPurged otherwise).
func (c CallSummary) Redeliverable() bool { return c.Status.Redeliverable() && c.PurgedAt == nil }

// Redeliverable reports whether an operator may ask for the call to be sent again, as
// CallSummary.Redeliverable.
func (c CallRecord) Redeliverable() bool { return c.Status.Redeliverable() && c.PurgedAt == nil }

// CallPage is one page of calls, newest first; Next is "" on the last page.
type CallPage struct {
	Items []CallSummary
	Next  string
}

// Attempt is one Kendo request of a call and what Kendo answered.
type Attempt struct {
	N           int
	StartedAt   time.Time
	FinishedAt  *time.Time
	Outcome     string // kendo.Outcome, or "unknown" while/if no answer was recorded
	HTTPStatus  int    // 0 when no answer arrived
	Message     string // Kendo's error text (never the key)
	KendoCallID string
	BodySHA256  string // of the exact request body (hex); "" when not recorded or purged
	BodyBytes   int    // the request body's size; 0 when not recorded
}

// Analysis is what Kendo's call.uploaded webhook said about a delivered call.
type Analysis struct {
	AIScore    string
	AgentName  string
	ReceivedAt time.Time
}

// BulkOptions are a bulk redelivery's choices beyond its filter.
type BulkOptions struct {
	// IncludeOutcomeUnknown queues the calls Kendo may already have (a request reached it
	// and no answer was recorded) with the others; without it they are excluded, as a
	// redelivery of one of them is a duplicate if Kendo has it.
	IncludeOutcomeUnknown bool
	// DryRun answers what would be queued, and queues nothing.
	DryRun bool
}

// BulkResult answers a bulk redelivery: how many calls the filter matched, how many of
// them were (or, in a dry run, would be) queued, and why the others were not: Matched =
// Queued + the sum of Excluded.
type BulkResult struct {
	Matched  int
	Queued   int
	Excluded map[string]int // by one of the Excluded… reasons
}

// The reasons a matched call is not queued by a bulk redelivery.
const (
	ExcludedOutcomeUnknown   = "outcomeUnknown"   // Kendo may have it; only with IncludeOutcomeUnknown
	ExcludedUnrouted         = "unrouted"         // no team of the current teams file takes it
	ExcludedPurged           = "purged"           // its content is gone (retention or erasure)
	ExcludedNotRedeliverable = "notRedeliverable" // queued, sent or changed meanwhile, or never had anything to send
)

// Problem is one reason an event could not be used, located from the body root.
type Problem struct {
	Location string
	Message  string
}

// QuarantinedEvent is a stored JSON object that could not be used.
type QuarantinedEvent struct {
	ID         int64
	ReceivedAt time.Time
	Event      string // the event name, when it had a readable one
	Size       int    // bytes
	Problems   []Problem
}

// QuarantinePage is one page of the quarantine, newest first.
type QuarantinePage struct {
	Items []QuarantinedEvent
	Next  string
	Total int // events in quarantine now
	Bytes int64
}

// ReplayResult answers POST /quarantine/replay.
type ReplayResult struct {
	Replayed  int // fed into their calls and removed from the quarantine
	Remaining int // still unusable with the current code and configuration
}

// Overview is what the ops page's tiles and chart show.
type Overview struct {
	Now          time.Time
	Since        time.Time // start of the 24 h window of the counts
	Received     int       // calls first seen since Since
	Delivered    int       // calls delivered since Since
	Queued       int       // calls in the delivery queue now (scheduled or delivering)
	Failed       int       // calls failed now
	Unrouted     int       // calls no team takes now (never sent until routed)
	Quarantined  int       // events in quarantine now
	Analyzed     int       // calls analyzed since Since
	OldestQueued *time.Time
	Keys         []KeyUse
	PerMinute    []MinuteCount // calls that ended delivered or failed per minute, oldest first, over the chart's hours
	Latency      []Latency     // this process's latency histograms, leg by leg
}

// KeyUse is one Kendo key's pacing window as the ops page shows it.
type KeyUse struct {
	Team        string
	KeyID       string // kendo.KeyID: a hash, never the key
	Limit       int
	Period      time.Duration
	InWindow    int           // sends in the current rolling window
	Backlog     int           // calls waiting for this key
	DrainTime   time.Duration // time the backlog needs at this pace
	Paused      bool
	PausedSince *time.Time
	PauseReason string
	// Unreachable: the key's latest requests never reached Kendo (refused, DNS, TLS)
	// since UnreachableSince; UnreachableError is the last error.
	Unreachable      bool
	UnreachableSince *time.Time
	UnreachableError string
}

// MinuteCount is one minute of the deliveries chart.
type MinuteCount struct {
	Minute    time.Time
	Delivered int
	Failed    int
}

// WebhookResult says what one of Kendo's webhook deliveries did.
type WebhookResult string

const (
	WebhookMatched   WebhookResult = "matched"   // call.uploaded for a delivered call: it is analyzed now
	WebhookUnmatched WebhookResult = "unmatched" // stored and counted; no delivered call has that Kendo callId
	WebhookResolved  WebhookResult = "resolved"  // an unknown callId whose duration and agent match one outcome-unknown call alone: it is delivered and analyzed now
	WebhookDuplicate WebhookResult = "duplicate" // a delivery id seen before: nothing changed
	WebhookTest      WebhookResult = "test"      // Kendo's test delivery: nothing changed
	WebhookIgnored   WebhookResult = "ignored"   // another event type (ai.training.completed …): stored, nothing changed
)

// Call returns the state of one call: its events (names and times), its attempts and
// Kendo's answers, the body its latest request sent (or would send now), and what
// Kendo's analysis said.
func (s *Service) Call(ctx context.Context, alowareCallID string) (CallRecord, error) {
	call, err := s.db.GetCall(ctx, alowareCallID)
	if errors.Is(err, store.ErrNoCall) {
		return CallRecord{}, ErrNotFound
	}
	if err != nil {
		return CallRecord{}, err
	}
	events, err := s.db.Events(ctx, s.db.SQL, alowareCallID, false)
	if err != nil {
		return CallRecord{}, err
	}
	attempts, err := s.db.Attempts(ctx, s.db.SQL, alowareCallID)
	if err != nil {
		return CallRecord{}, err
	}
	rec := CallRecord{
		AlowareCallID:  call.AlowareCallID,
		Status:         call.Status,
		Reason:         call.Reason,
		KendoCallID:    call.KendoCallID,
		Attempts:       call.Attempts,
		LastError:      call.LastError,
		FirstSeenAt:    call.FirstSeen,
		UpdatedAt:      call.Updated,
		DeliveredAt:    call.DeliveredAt,
		Events:         make([]EventSeen, 0, len(events)),
		Team:           call.Team,
		Direction:      call.Direction,
		RepEmail:       call.RepEmail,
		AlowareUserID:  call.AgentID,
		RepState:       call.RepState,
		CallDate:       call.CallDate,
		OutcomeUnknown: call.OutcomeUnknown,
		PurgedAt:       call.PurgedAt,
		Warnings:       []string{},
	}
	if call.Status == lifecycle.Scheduled {
		rec.NextAttemptAt = call.DeliverAfter
	}
	if call.AnalyzedAt != nil {
		rec.Analysis = &Analysis{AIScore: call.AIScore, AgentName: call.AgentName, ReceivedAt: *call.AnalyzedAt}
	}
	seen := map[string]bool{}
	for _, e := range events {
		rec.Events = append(rec.Events, EventSeen{Name: e.Name, Kind: e.Kind, ReceivedAt: e.ReceivedAt})
		if len(e.Late.New) > 0 {
			rec.LateArtifacts = append(rec.LateArtifacts, lateArtifact(e, call.DeliveredAt))
		}
		for _, w := range strings.Split(e.Warnings, "\n") {
			if w != "" && !seen[w] {
				seen[w] = true
				rec.Warnings = append(rec.Warnings, w)
			}
		}
	}
	if w := repWarning(call.Status, call.RepState, call.AgentID, call.AgentName); w != "" {
		rec.Warnings = append(rec.Warnings, w)
	}
	for _, a := range attempts {
		rec.AttemptLog = append(rec.AttemptLog, Attempt{N: a.N, StartedAt: a.Started, FinishedAt: a.Finished, Outcome: a.Outcome,
			HTTPStatus: a.HTTPStatus, Message: a.Message, KendoCallID: a.KendoCallID, BodySHA256: a.BodySHA256, BodyBytes: a.BodySize})
	}
	if rec.Payload, err = s.payloadOf(ctx, s.db.SQL, call); err != nil {
		return CallRecord{}, err
	}
	return rec, nil
}

// lateArtifact describes an event that brought an artifact after its call was sent.
func lateArtifact(e store.Event, deliveredAt *time.Time) LateArtifact {
	l := LateArtifact{Event: e.Name, ReceivedAt: e.ReceivedAt, Artifacts: e.Late.New, KendoHas: e.Late.Sent}
	if l.KendoHas == nil {
		l.KendoHas = []string{}
	}
	when := "while the call was being sent"
	if deliveredAt != nil && !e.ReceivedAt.Before(*deliveredAt) {
		l.AfterDelivery = int64(e.ReceivedAt.Sub(*deliveredAt).Round(time.Second) / time.Second)
		when = fmt.Sprintf("%d s after delivery", l.AfterDelivery)
	}
	has := "nothing of it"
	switch len(l.KendoHas) {
	case 0:
	case 1:
		has = "the " + l.KendoHas[0] + " only"
	default:
		has = "the " + strings.Join(l.KendoHas[:len(l.KendoHas)-1], ", the ") + " and the " + l.KendoHas[len(l.KendoHas)-1]
	}
	l.Note = fmt.Sprintf("%s arrived %s; Kendo has %s", strings.Join(l.Artifacts, " and "), when, has)
	return l
}

// ErrBadCursor: a cursor this service did not hand out.
var ErrBadCursor = errors.New("invalid cursor")

// ListCalls lists calls newest first (by first-seen time), filtered.
func (s *Service) ListCalls(ctx context.Context, f ListFilter) (CallPage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultListLimit
	}
	limit = min(limit, MaxListLimit)
	sf := storeFilter(f)
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor)
		if err != nil {
			return CallPage{}, err
		}
		sf.Before = &c
	}
	sf.Limit = limit + 1
	rows, err := s.db.ListCalls(ctx, sf)
	if err != nil {
		return CallPage{}, err
	}
	page := CallPage{Items: make([]CallSummary, 0, min(len(rows), limit))}
	for i, r := range rows {
		if i == limit {
			last := rows[limit-1]
			page.Next = encodeCursor(store.Cursor{FirstSeenMs: store.Millis(last.FirstSeen), AlowareCallID: last.AlowareCallID})
			break
		}
		page.Items = append(page.Items, CallSummary{AlowareCallID: r.AlowareCallID, Status: r.Status, Reason: r.Reason, Team: r.Team,
			Direction: r.Direction, RepEmail: r.RepEmail, CallDate: r.CallDate, Attempts: r.Attempts, LastError: r.LastError,
			KendoCallID: r.KendoCallID, OutcomeUnknown: r.OutcomeUnknown, FirstSeenAt: r.FirstSeen, UpdatedAt: r.Updated, PurgedAt: r.PurgedAt,
			RepState: r.RepState})
	}
	return page, nil
}

func storeFilter(f ListFilter) store.CallFilter {
	sf := store.CallFilter{Statuses: f.Statuses, Since: f.Since, Until: f.Until, Query: strings.TrimSpace(f.Query), IDs: f.IDs,
		UpdatedSince: f.UpdatedSince}
	for _, st := range f.RepStates {
		sf.RepStates = append(sf.RepStates, string(st))
	}
	return sf
}

func encodeCursor(c store.Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.FirstSeenMs, 10) + ":" + c.AlowareCallID))
}

func decodeCursor(s string) (store.Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return store.Cursor{}, ErrBadCursor
	}
	ms, id, ok := strings.Cut(string(b), ":")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || id == "" {
		return store.Cursor{}, ErrBadCursor
	}
	return store.Cursor{FirstSeenMs: n, AlowareCallID: id}, nil
}

// chartHours is how far back the ops page's deliveries chart reaches.
const chartHours = 6

// Overview is the ops page's tiles, key windows and the chart of calls delivered and
// failed per minute.
func (s *Service) Overview(ctx context.Context) (Overview, error) {
	now := s.now()
	o := Overview{Now: now, Since: now.Add(-24 * time.Hour), Latency: s.metrics.latency.latencies()}
	act, err := s.db.ActivitySince(ctx, o.Since)
	if err != nil {
		return o, err
	}
	o.Received, o.Delivered, o.Analyzed = act.Received, act.Delivered, act.Analyzed
	counts, err := s.db.CountByStatus(ctx)
	if err != nil {
		return o, err
	}
	o.Queued, o.Failed, o.Unrouted = queued(counts), counts[lifecycle.Failed], counts[lifecycle.Unrouted]
	if o.Quarantined, _, err = s.db.QuarantineStats(ctx); err != nil {
		return o, err
	}
	if o.OldestQueued, err = s.db.OldestQueued(ctx); err != nil {
		return o, err
	}
	backlog, err := s.db.Backlog(ctx)
	if err != nil {
		return o, err
	}
	pauses, err := s.db.Pauses(ctx)
	if err != nil {
		return o, err
	}
	outages, err := s.db.UnreachableKeys(ctx)
	if err != nil {
		return o, err
	}
	for _, t := range s.opts.Teams.Teams() {
		k := KeyUse{Team: t.Name, KeyID: t.KeyID(), Limit: t.Rate.Limit, Period: t.Rate.Period, Backlog: backlog[t.Name]}
		if k.InWindow, err = s.db.SlotsInWindow(ctx, t.KeyID(), t.Rate.Period, now); err != nil {
			return o, err
		}
		if t.Rate.Limit > 0 {
			k.DrainTime = time.Duration(k.Backlog) * t.Rate.Period / time.Duration(t.Rate.Limit)
		}
		for _, p := range pauses {
			if p.KeyID == t.KeyID() {
				since := p.Since
				k.Paused, k.PausedSince = true, &since
				k.PauseReason = fmt.Sprintf("Kendo refused the key (HTTP %d) since %s", p.HTTPStatus, p.Since.Format(time.RFC3339))
			}
		}
		for _, u := range outages {
			if u.KeyID == t.KeyID() {
				since := u.Since
				k.Unreachable, k.UnreachableSince, k.UnreachableError = true, &since, u.Message
			}
		}
		o.Keys = append(o.Keys, k)
	}
	perMinute, err := s.db.CallsPerMinute(ctx, now.Add(-chartHours*time.Hour))
	if err != nil {
		return o, err
	}
	for _, m := range perMinute {
		o.PerMinute = append(o.PerMinute, MinuteCount(m))
	}
	return o, nil
}
