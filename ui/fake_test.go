package ui_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/mapping"
	"github.com/aloware-kendo/aloware-kendo/preflight"
	"github.com/aloware-kendo/aloware-kendo/ui"
)

// fakeEngine stands in for the delivery engine while its operator side is being built:
// calls in memory, the statuses changing the way the engine's documentation says. A
// redelivered call goes out (becomes delivered) deliverAfter after it was queued, on
// the next read, so a page watching it sees it arrive.
type fakeEngine struct {
	mu           sync.Mutex
	now          func() time.Time
	calls        map[string]*fakeCall
	order        []string // newest first
	overview     delivery.Overview
	quarantine   []delivery.QuarantinedEvent
	checks       []preflight.Check
	deliverAfter time.Duration
	actions      []string // what was asked, for assertions: "redeliver 940868616 by ops page (local)"
}

type fakeCall struct {
	rec   delivery.CallRecord
	dueAt time.Time // queued by a redelivery: delivered once this passes
}

var _ ui.Engine = (*fakeEngine)(nil)

func newFakeEngine(now func() time.Time) *fakeEngine {
	return &fakeEngine{now: now, calls: map[string]*fakeCall{}, deliverAfter: 500 * time.Millisecond}
}

// add keeps a call whose payload is res's: the body its last request sent when it made
// one, else what would be sent (as the engine's record has it).
func (f *fakeEngine) add(rec delivery.CallRecord, res mapping.Result) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if rec.Payload == nil && rec.PurgedAt == nil {
		rec.Payload = &delivery.Payload{Source: delivery.PayloadWouldSend, Body: res.Payload, Ready: res.Ready, State: string(res.State),
			Reason: res.Reason, Warnings: res.Warnings}
		if n := len(rec.AttemptLog); n > 0 {
			rec.Payload = &delivery.Payload{Source: delivery.PayloadSent, Body: res.Payload, Attempt: rec.AttemptLog[n-1].N, Bytes: 1234,
				SHA256: "9f2c4e1a7b3d5f6e8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f", Ready: true}
		}
	}
	f.calls[rec.AlowareCallID] = &fakeCall{rec: rec}
	f.order = append([]string{rec.AlowareCallID}, f.order...)
}

// advance delivers the redelivered calls whose time has come. Called with mu held.
func (f *fakeEngine) advance() {
	now := f.now()
	for _, c := range f.calls {
		if c.dueAt.IsZero() || now.Before(c.dueAt) {
			continue
		}
		c.dueAt = time.Time{}
		n := len(c.rec.AttemptLog) + 1
		fin := now
		c.rec.Status, c.rec.Reason, c.rec.LastError = lifecycle.Delivered, "", ""
		c.rec.KendoCallID = "kc_" + c.rec.AlowareCallID
		c.rec.DeliveredAt, c.rec.UpdatedAt, c.rec.Attempts = &fin, now, n
		c.rec.AttemptLog = append(c.rec.AttemptLog, delivery.Attempt{N: n, StartedAt: now, FinishedAt: &fin, Outcome: "accepted", HTTPStatus: 201, KendoCallID: c.rec.KendoCallID})
		if p := c.rec.Payload; p != nil {
			sent := *p
			sent.Source, sent.Attempt, sent.Ready = delivery.PayloadSent, n, true
			c.rec.Payload = &sent
		}
	}
}

func (f *fakeEngine) Overview(context.Context) (delivery.Overview, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance()
	ov := f.overview
	ov.Now = f.now()
	if ov.Since.IsZero() {
		ov.Since = ov.Now.Add(-24 * time.Hour)
	}
	// Failed counts the fake's calls, so actions show on the tiles; Queued is the
	// seeded backlog of the keys (more calls than the table holds).
	ov.Failed = 0
	for _, c := range f.calls {
		if c.rec.Status == lifecycle.Failed {
			ov.Failed++
		}
	}
	ov.Quarantined = len(f.quarantine)
	return ov, nil
}

func (f *fakeEngine) matches(c *fakeCall, fl delivery.ListFilter) bool {
	r := c.rec
	switch {
	case len(fl.Statuses) > 0 && !slices.Contains(fl.Statuses, r.Status):
	case !fl.Since.IsZero() && r.FirstSeenAt.Before(fl.Since):
	case !fl.Until.IsZero() && !r.FirstSeenAt.Before(fl.Until):
	case fl.Query != "" && fl.Query != r.AlowareCallID && fl.Query != r.KendoCallID:
	case len(fl.IDs) > 0 && !slices.Contains(fl.IDs, r.AlowareCallID):
	case !fl.UpdatedSince.IsZero() && (r.UpdatedAt.Before(fl.UpdatedSince) || r.PurgedAt != nil):
	default:
		return true
	}
	return false
}

func (f *fakeEngine) ListCalls(_ context.Context, fl delivery.ListFilter) (delivery.CallPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance()
	limit := fl.Limit
	if limit <= 0 {
		limit = delivery.DefaultListLimit
	}
	start := 0
	if fl.Cursor != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(fl.Cursor, "c"))
		if err != nil {
			return delivery.CallPage{}, delivery.ErrBadCursor
		}
		start = n
	}
	var page delivery.CallPage
	seen := 0
	for _, id := range f.order {
		c := f.calls[id]
		if !f.matches(c, fl) {
			continue
		}
		if seen++; seen <= start {
			continue
		}
		if len(page.Items) == limit {
			page.Next = "c" + strconv.Itoa(start+limit)
			break
		}
		r := c.rec
		page.Items = append(page.Items, delivery.CallSummary{
			AlowareCallID: r.AlowareCallID, Status: r.Status, Reason: r.Reason, Team: r.Team, Direction: r.Direction,
			RepEmail: r.RepEmail, CallDate: r.CallDate, Attempts: r.Attempts, LastError: r.LastError,
			KendoCallID: r.KendoCallID, OutcomeUnknown: r.OutcomeUnknown, FirstSeenAt: r.FirstSeenAt, UpdatedAt: r.UpdatedAt, PurgedAt: r.PurgedAt,
		})
	}
	return page, nil
}

func (f *fakeEngine) get(id string) (*fakeCall, error) {
	c, ok := f.calls[id]
	if !ok {
		return nil, delivery.ErrNotFound
	}
	return c, nil
}

func (f *fakeEngine) Call(_ context.Context, id string) (delivery.CallRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance()
	c, err := f.get(id)
	if err != nil {
		return delivery.CallRecord{}, err
	}
	return c.rec, nil
}

func (f *fakeEngine) queue(c *fakeCall, reason string) {
	now := f.now()
	c.rec.Status, c.rec.Reason, c.rec.UpdatedAt = lifecycle.Scheduled, reason, now
	c.rec.NextAttemptAt = &now
	c.dueAt = now.Add(f.deliverAfter)
}

func (f *fakeEngine) Redeliver(_ context.Context, id string, opts delivery.RedeliverOptions, by string) (delivery.CallRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(id)
	if err == nil && c.rec.OutcomeUnknown && !opts.IncludeOutcomeUnknown {
		return delivery.CallRecord{}, delivery.ErrOutcomeUnknown // refused before anything is asked of the engine
	}
	f.actions = append(f.actions, "redeliver "+id+" by "+by)
	switch {
	case err != nil:
		return delivery.CallRecord{}, err
	case c.rec.Status == lifecycle.Erased || (c.rec.Status.Redeliverable() && c.rec.PurgedAt != nil):
		return delivery.CallRecord{}, delivery.ErrPurged
	case c.rec.Status != lifecycle.Failed && c.rec.Status != lifecycle.Unrouted:
		return delivery.CallRecord{}, delivery.ErrNotRedeliverable
	}
	f.queue(c, "redelivery requested by "+by)
	return c.rec, nil
}

func (f *fakeEngine) RedeliverMany(_ context.Context, fl delivery.ListFilter, opts delivery.BulkOptions, by string) (delivery.BulkResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !opts.DryRun {
		f.actions = append(f.actions, fmt.Sprintf("redeliver-many %v including outcome-unknown %t by %s", fl.Statuses, opts.IncludeOutcomeUnknown, by))
	}
	res := delivery.BulkResult{Excluded: map[string]int{}}
	for _, id := range f.order {
		c := f.calls[id]
		if !f.matches(c, fl) || !c.rec.Status.Redeliverable() {
			continue
		}
		res.Matched++
		if c.rec.OutcomeUnknown && !opts.IncludeOutcomeUnknown {
			res.Excluded[delivery.ExcludedOutcomeUnknown]++
			continue
		}
		if !opts.DryRun {
			f.queue(c, "bulk redelivery by "+by)
		}
		res.Queued++
	}
	return res, nil
}

func (f *fakeEngine) Skip(_ context.Context, id, by string) (delivery.CallRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.actions = append(f.actions, "skip "+id+" by "+by)
	c, err := f.get(id)
	if err != nil {
		return delivery.CallRecord{}, err
	}
	switch c.rec.Status {
	case lifecycle.Received, lifecycle.Scheduled, lifecycle.Unrouted:
	default:
		return delivery.CallRecord{}, delivery.ErrNotSkippable
	}
	c.rec.Status, c.rec.Reason, c.rec.UpdatedAt, c.dueAt = lifecycle.Skipped, "skipped by "+by, f.now(), time.Time{}
	return c.rec, nil
}

func (f *fakeEngine) Erase(_ context.Context, id, by string) (delivery.CallRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.actions = append(f.actions, "erase "+id+" by "+by)
	c, err := f.get(id)
	if err != nil {
		return delivery.CallRecord{}, err
	}
	now := f.now()
	c.rec.Status, c.rec.Reason, c.rec.UpdatedAt, c.rec.PurgedAt, c.dueAt = lifecycle.Erased, "erased on request of "+by, now, &now, time.Time{}
	c.rec.Payload = nil
	return c.rec, nil
}

func (f *fakeEngine) Quarantine(_ context.Context, limit int, cursor string) (delivery.QuarantinePage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	page := delivery.QuarantinePage{Items: f.quarantine, Total: len(f.quarantine)}
	for _, q := range f.quarantine {
		page.Bytes += int64(q.Size)
	}
	return page, nil
}

func (f *fakeEngine) ReplayQuarantine(_ context.Context, by string) (delivery.ReplayResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.actions = append(f.actions, "replay by "+by)
	res := delivery.ReplayResult{Replayed: 1, Remaining: max(len(f.quarantine)-1, 0)}
	if len(f.quarantine) > 0 {
		f.quarantine = f.quarantine[1:]
	}
	return res, nil
}

func (f *fakeEngine) Checks(context.Context) []preflight.Check { return f.checks }

func (f *fakeEngine) asked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.actions)
}

// A realistic day, as the screenshot and the page tests see it.

// The recorded outbound call of testdata, as the engine would hold it once delivered.
func deliveredRecord(id string, now time.Time) (delivery.CallRecord, mapping.Result) {
	callDate := now.Add(-47 * time.Minute).Truncate(time.Second)
	first := callDate.Add(2 * time.Second)
	delivered := first.Add(75 * time.Second)
	dur := 63
	rec := delivery.CallRecord{
		AlowareCallID: id, Status: lifecycle.Analyzed, KendoCallID: "kc_7Hq2Lm9X", Attempts: 1,
		FirstSeenAt: first, UpdatedAt: delivered.Add(4 * time.Minute), DeliveredAt: &delivered,
		Team: "sales", Direction: "outbound", RepEmail: "sam.carter@example.com", CallDate: &callDate,
		Events: []delivery.EventSeen{
			{Name: "OutboundPhoneCall", Kind: "call", ReceivedAt: first},
			{Name: "OutboundPhoneCall-DispositionCompleted", Kind: "call", ReceivedAt: first.Add(64 * time.Second)},
			{Name: "Recording-Saved", Kind: "call", ReceivedAt: first.Add(66 * time.Second)},
			{Name: "transcription.call.summarized", Kind: "call", ReceivedAt: first.Add(70 * time.Second)},
		},
		AttemptLog: []delivery.Attempt{{N: 1, StartedAt: delivered.Add(-300 * time.Millisecond), FinishedAt: &delivered, Outcome: "accepted", HTTPStatus: 201, KendoCallID: "kc_7Hq2Lm9X"}},
		Analysis:   &delivery.Analysis{AIScore: "87", AgentName: "Sam Carter", ReceivedAt: delivered.Add(4 * time.Minute)},
	}
	res := mapping.Result{AlowareCallID: id, Ready: true, State: mapping.StateReady, Warnings: []string{}, Payload: &kendo.Payload{
		CallTitle: "Outbound - Jane Doe +1 (555) 201-7788", RepName: "Sam Carter", RepEmail: "sam.carter@example.com",
		CallDate: callDate.UTC().Format(time.RFC3339), Duration: &dur,
		AudioURL:   "https://app.aloware.io/static/recording/32c1a2f8-5b7e-4c0a-9d1e-7f6a2b3c4d5e",
		Transcript: "Rep: Hi Jane, this is Sam from Harbor Insurance. Do you have a minute?\nCustomer: Hi Sam, yes. You can also reach me at 555-201-7788.\nRep: Your policy renews on the first.",
		Metadata: map[string]string{"source": "aloware", "alowareCallId": id, "alowareContactId": "155091981", "alowareCampaignId": "63949",
			"alowareDirection": "outbound", "syncMethod": "webhook", "alowareSummary": "Sam called Jane (+15552017788) about her renewal."},
	}}
	return rec, res
}

func failedRecord(id string, now time.Time) (delivery.CallRecord, mapping.Result) {
	rec, res := deliveredRecord(id, now)
	started := rec.FirstSeenAt.Add(62 * time.Second)
	fin := started.Add(180 * time.Millisecond)
	rec.Status, rec.KendoCallID, rec.DeliveredAt, rec.Analysis = lifecycle.Failed, "", nil, nil
	rec.Reason = "Kendo refused the payload (400); fix it and redeliver"
	rec.LastError = "400 Bad Request: repEmail is not a valid email"
	rec.UpdatedAt = fin
	rec.AttemptLog = []delivery.Attempt{{N: 1, StartedAt: started, FinishedAt: &fin, Outcome: "bad_request", HTTPStatus: 400, Message: "repEmail is not a valid email"}}
	rec.Warnings = []string{"body.wait_time: not a number; ignored"}
	return rec, res
}

// seedDay fills the fake with n calls of one busy day (newest first), a paused key, a
// chart near the limit, two quarantined events and the checks.
func seedDay(f *fakeEngine, now time.Time, n int) {
	statuses := []lifecycle.Status{lifecycle.Delivered, lifecycle.Analyzed, lifecycle.Delivered, lifecycle.Scheduled,
		lifecycle.Delivered, lifecycle.Ignored, lifecycle.Analyzed, lifecycle.Skipped, lifecycle.Delivered, lifecycle.Received}
	for i := n - 1; i >= 0; i-- {
		id := strconv.Itoa(940868000 + i)
		var rec delivery.CallRecord
		var res mapping.Result
		switch {
		case i == 1 || i == 7:
			rec, res = failedRecord(id, now)
		case i == 4:
			rec, res = failedRecord(id, now)
			rec.OutcomeUnknown = true
			rec.Reason = "the request may have reached Kendo: no answer was recorded"
			rec.LastError = "context deadline exceeded after sending"
		default:
			rec, res = deliveredRecord(id, now)
			rec.Status = statuses[i%len(statuses)]
			if !rec.Status.Sent() {
				rec.KendoCallID, rec.DeliveredAt, rec.Analysis, rec.AttemptLog, rec.Attempts = "", nil, nil, nil, 0
			}
			if rec.Status == lifecycle.Delivered {
				rec.Analysis = nil
			}
			if rec.Status == lifecycle.Scheduled {
				rec.Team, rec.Reason = "support", "waiting: Kendo refused the key (401) since "+now.Add(-18*time.Minute).UTC().Format("15:04")
			}
			if rec.Status == lifecycle.Ignored {
				rec.Reason, rec.Direction, rec.RepEmail = "an SMS, not a phone call", "inbound", ""
			}
			if rec.Status == lifecycle.Skipped {
				rec.Reason = "missed call: nothing Kendo could analyse"
				if i%20 == 17 {
					rec.Reason = "talk time 4 s is under --min-talk-time 10s" // a send rule's
				}
			}
			if rec.Status == lifecycle.Analyzed && rec.DeliveredAt != nil {
				rec.LateArtifacts = []delivery.LateArtifact{{Event: "transcription.call.summarized", ReceivedAt: rec.DeliveredAt.Add(40 * time.Second),
					Artifacts: []string{"summary"}, KendoHas: []string{"recording", "transcript"}, AfterDelivery: 40,
					Note: "summary arrived 40 s after delivery; Kendo has the recording and the transcript"}}
			}
		}
		shiftRecord(&rec, -time.Duration(i)*9*time.Minute)
		f.add(rec, res)
	}
	pausedSince := now.Add(-18 * time.Minute)
	oldest := now.Add(-31 * time.Minute)
	f.overview = delivery.Overview{
		Received: 412, Delivered: 377, Analyzed: 351, Queued: 47, OldestQueued: &oldest,
		Keys: []delivery.KeyUse{
			{Team: "sales", KeyID: "key_0a1b2c3d4e5f6a7b", Limit: 30, Period: time.Minute, InWindow: 27, Backlog: 41, DrainTime: 82 * time.Second},
			{Team: "support", KeyID: "key_9f8e7d6c5b4a3921", Limit: 30, Period: time.Minute, Backlog: 6, Paused: true, PausedSince: &pausedSince,
				PauseReason: "Kendo answered 401 Unauthorized: invalid API key"},
		},
	}
	start := now.Truncate(time.Minute).Add(-3 * time.Hour)
	for m := 0; m < 180; m++ {
		d := 6 + (m*7)%11
		if m > 95 && m < 130 {
			d = 28 + m%3 // a burst at the pace limit
		}
		fails := 0
		if m%47 == 0 {
			fails = 2
		}
		f.overview.PerMinute = append(f.overview.PerMinute, delivery.MinuteCount{Minute: start.Add(time.Duration(m) * time.Minute), Delivered: d, Failed: fails})
	}
	f.quarantine = []delivery.QuarantinedEvent{
		{ID: 17, ReceivedAt: now.Add(-2 * time.Hour), Event: "Contact-Merged", Size: 1840, Problems: []delivery.Problem{{Location: "body", Message: "no communication id (body.id) in an event of an unknown shape"}}},
		{ID: 12, ReceivedAt: now.Add(-5 * time.Hour), Size: 312, Problems: []delivery.Problem{{Location: "body.id", Message: `"call-+15552017788" is not an id`}}},
	}
	f.checks = []preflight.Check{
		{Name: "database", OK: true, Detail: "sqlite:/data/aloware-kendo.db is writable; schema version 7"},
		{Name: "kendo key (sales)", OK: true, Detail: "key_0a1b2c3d4e5f6a7b accepted (a request Kendo refused for its body, not for the key)"},
		{Name: "kendo key (support)", OK: false, Detail: "key_9f8e7d6c5b4a3921 refused: 401 Unauthorized"},
		{Name: "inbound auth", OK: true, Detail: "Basic credentials set"},
	}
}

// shiftRecord moves every time of a record by d, so one recorded call can stand for a day.
func shiftRecord(r *delivery.CallRecord, d time.Duration) {
	move := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		m := t.Add(d)
		return &m
	}
	r.FirstSeenAt, r.UpdatedAt = r.FirstSeenAt.Add(d), r.UpdatedAt.Add(d)
	r.CallDate, r.DeliveredAt, r.NextAttemptAt, r.PurgedAt = move(r.CallDate), move(r.DeliveredAt), move(r.NextAttemptAt), move(r.PurgedAt)
	for i := range r.Events {
		r.Events[i].ReceivedAt = r.Events[i].ReceivedAt.Add(d)
	}
	for i := range r.AttemptLog {
		r.AttemptLog[i].StartedAt = r.AttemptLog[i].StartedAt.Add(d)
		r.AttemptLog[i].FinishedAt = move(r.AttemptLog[i].FinishedAt)
	}
	if r.Analysis != nil {
		a := *r.Analysis
		a.ReceivedAt = a.ReceivedAt.Add(d)
		r.Analysis = &a
	}
}
