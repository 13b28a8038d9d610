package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/refusal"
)

// Operator is what the operator routes (the calls list, bulk and single-call actions,
// the quarantine) need from the delivery service; *delivery.Service implements it.
type Operator interface {
	// Call returns the call's record, or delivery.ErrNotFound.
	Call(ctx context.Context, alowareCallID string) (delivery.CallRecord, error)
	// Redeliver schedules a failed call again, by naming who asked; delivery.ErrNotFound,
	// delivery.ErrNotRedeliverable, delivery.ErrOutcomeUnknown or delivery.ErrPurged otherwise.
	Redeliver(ctx context.Context, alowareCallID string, opts delivery.RedeliverOptions, by string) (delivery.CallRecord, error)
	// ListCalls lists calls newest first (by first-seen time), filtered.
	ListCalls(ctx context.Context, f delivery.ListFilter) (delivery.CallPage, error)
	// RedeliverMany queues every redeliverable call the filter matches, each at most
	// once however often it is asked, outcome-unknown ones only when opts says so (a dry
	// run queues nothing); by names who asked.
	RedeliverMany(ctx context.Context, f delivery.ListFilter, opts delivery.BulkOptions, by string) (delivery.BulkResult, error)
	// Skip stops a call that is not sent yet: delivery.ErrNotFound or delivery.ErrNotSkippable.
	Skip(ctx context.Context, alowareCallID, by string) (delivery.CallRecord, error)
	// Erase deletes a call's stored content now and leaves the tombstone status erased,
	// naming by: delivery.ErrNotFound for an id never seen.
	Erase(ctx context.Context, alowareCallID, by string) (delivery.CallRecord, error)
	// Quarantine lists quarantined events, newest first.
	Quarantine(ctx context.Context, limit int, cursor string) (delivery.QuarantinePage, error)
	// ReplayQuarantine re-reads every quarantined event with the current code; by names who asked.
	ReplayQuarantine(ctx context.Context, by string) (delivery.ReplayResult, error)
	// DiscardQuarantined deletes one quarantined event (delivery.ErrNotQuarantined when
	// there is none); DiscardQuarantine those a filter selects. by names who asked.
	DiscardQuarantined(ctx context.Context, id int64, by string) (delivery.DiscardResult, error)
	DiscardQuarantine(ctx context.Context, f delivery.DiscardFilter, by string) (delivery.DiscardResult, error)
	// Reps lists every Aloware agent the calls name, with the e-mail sent and its state.
	Reps(ctx context.Context) ([]delivery.Agent, error)
}

type listCallsInput struct {
	Status []CallStatus `query:"status,explode" doc:"only calls in any of these statuses (repeat the parameter: ?status=failed&status=unrouted)"`
	Since  time.Time    `query:"since" doc:"only calls first seen at or after this time (RFC 3339)" example:"2026-08-05T00:00:00Z"`
	Until  time.Time    `query:"until" doc:"only calls first seen before this time (RFC 3339)"`
	Q      listQuery    `query:"q" doc:"an Aloware call id or a Kendo callId (exact match)"`
	Rep    []string     `query:"rep,explode" enum:"mapped,missing,invalid,mismatch" doc:"only calls whose rep is in any of these states (repeat the parameter); sent without a rep: ?rep=missing&rep=invalid&status=delivered&status=analyzed"`
	Limit  pageSize     `query:"limit" doc:"page size"`
	Cursor listCursor   `query:"cursor" doc:"the next value of the previous page"`
}

type callPageOutput struct {
	Body CallPage
}

// BulkRedelivery is the body of POST /calls/redeliver: which calls to send again.
type BulkRedelivery struct {
	Status []CallStatus `json:"status,omitempty" maxItems:"20" doc:"calls in any of these statuses (e.g. failed, unrouted, skipped)"`
	Since  *time.Time   `json:"since,omitempty" doc:"calls first seen at or after this time"`
	Until  *time.Time   `json:"until,omitempty" doc:"calls first seen before this time"`
	IDs    []string     `json:"ids,omitempty" maxItems:"10000" doc:"these Aloware call ids"`
	Rep    []string     `json:"rep,omitempty" maxItems:"4" enum:"mapped,missing,invalid,mismatch" doc:"calls whose rep is in any of these states, as GET /calls' rep filter (sent without a rep: [\"missing\", \"invalid\"])"`
	// Naming the risk is the only way to re-send a call that Kendo may already have.
	IncludeOutcomeUnknown bool `json:"includeOutcomeUnknown,omitempty" doc:"also queue the calls whose outcome is unknown (a request reached Kendo and no answer was recorded): if Kendo has one of them, it gets it twice. Without it they are excluded and counted under excluded.outcomeUnknown"`
	DryRun                bool `json:"dryRun,omitempty" doc:"answer what would be queued, and queue nothing (200 instead of 202)"`
}

type bulkInput struct {
	Body BulkRedelivery
}

type bulkOutput struct {
	Status int
	Body   BulkResult
}

type quarantineInput struct {
	Limit  pageSize   `query:"limit" doc:"page size"`
	Cursor listCursor `query:"cursor" doc:"the next value of the previous page"`
}

type quarantineOutput struct {
	Body QuarantinePage
}

type replayOutput struct {
	Body ReplayResult
}

// bulkBodyLimit bounds POST /calls/redeliver: 10,000 ids of 20 digits fit with room.
const bulkBodyLimit = 512 << 10

func registerOperatorRoutes(api huma.API, s *server) {
	huma.Register(api, huma.Operation{
		OperationID: "list-calls",
		Method:      http.MethodGet,
		Path:        "/calls",
		Summary:     "List calls",
		Description: "Calls newest first (by when their first event arrived), filtered by status, time and id, a page " +
			"at a time: pass `next` as `cursor` for the following page. Each item says where the call stands, its " +
			"rep e-mail and the rep's state (`repState`), direction, call date, attempts, last error and Kendo's callId. " +
			"`rep` filters by the rep's state: `?rep=missing&rep=invalid&status=delivered&status=analyzed` lists the calls sent without a rep. No phone numbers.",
		Tags:     []string{"calls"},
		Errors:   []int{http.StatusUnauthorized, http.StatusUnprocessableEntity, http.StatusServiceUnavailable},
		Security: protected,
	}, s.listCalls)

	huma.Register(api, huma.Operation{
		OperationID: "redeliver-calls",
		Method:      http.MethodPost,
		Path:        "/calls/redeliver",
		Summary:     "Send many calls to Kendo again",
		Description: "Queues every redeliverable call (failed, skipped or unrouted) the criteria match (all of the " +
			"given criteria: `status`, `since`, `until`, `ids`, `rep` — the rep's state, as in GET /calls; at least one is needed) and answers how many matched and how many were queued. Each call is queued at most once " +
			"however often this is asked (a call already queued is not queued again, a delivered call is never " +
			"sent twice), and the queued calls go out at the normal pace of their Kendo key, like any other " +
			"delivery. Their reason names who asked. A call whose outcome is unknown (Kendo may already have it) " +
			"is queued only with `includeOutcomeUnknown: true`. `dryRun: true` answers the same counts without " +
			"queuing anything. The answer is `{matched, queued, excluded: {reason: n}}`: every matched call is either " +
			"queued or excluded for one reason (`outcomeUnknown`, `unrouted`, `purged`, `notRedeliverable`).",
		Tags:          []string{"calls"},
		DefaultStatus: http.StatusAccepted,
		MaxBodyBytes:  bulkBodyLimit,
		Errors:        append([]int{http.StatusUnauthorized}, bodyErrors...),
		Security:      protected,
	}, s.redeliverMany)

	huma.Register(api, huma.Operation{
		OperationID: "skip-call",
		Method:      http.MethodPost,
		Path:        "/calls/{alowareCallId}/skip",
		Summary:     "Stop a call that is not sent yet",
		Description: "An operator decides a call is not to be sent: a call that waits (received, scheduled, unrouted) " +
			"becomes `skipped`, its pending delivery is cancelled and its reason names who asked. 409 for a call in " +
			"any other status (a request already in flight to Kendo cannot be called back).",
		Tags:     []string{"calls"},
		Errors:   []int{http.StatusUnauthorized, http.StatusNotFound, http.StatusConflict, http.StatusServiceUnavailable},
		Security: protected,
	}, s.skip)

	huma.Register(api, huma.Operation{
		OperationID: "erase-call",
		Method:      http.MethodDelete,
		Path:        "/calls/{alowareCallId}",
		Summary:     "Erase a call's stored content",
		Description: "Right to erasure: deletes the call's raw events and payload text now, cancels a pending " +
			"delivery and leaves a tombstone with status `erased` (ids, status, Kendo's callId, event names and " +
			"times), so later events of the call are acknowledged and dropped, never sent. It does not delete " +
			"what Kendo already received. The answer comes once the content is gone from the database files too (SQLite: " +
			"overwritten and the WAL checkpointed; PostgreSQL: the tables vacuumed). Erasing an erased call answers the tombstone again.",
		Tags:     []string{"calls"},
		Errors:   []int{http.StatusUnauthorized, http.StatusNotFound, http.StatusServiceUnavailable},
		Security: protected,
	}, s.erase)

	huma.Register(api, huma.Operation{
		OperationID: "list-quarantine",
		Method:      http.MethodGet,
		Path:        "/quarantine",
		Summary:     "List events that could not be used",
		Description: "JSON objects /push stored but could not use (no readable call id, an unknown shape), newest " +
			"first, each with its id, arrival time, event name if any, size and problems; and how many there " +
			"are and the bytes they take. Their content is not shown here.",
		Tags:     []string{"calls"},
		Errors:   []int{http.StatusUnauthorized, http.StatusUnprocessableEntity, http.StatusServiceUnavailable},
		Security: protected,
	}, s.quarantine)

	huma.Register(api, huma.Operation{
		OperationID: "replay-quarantine",
		Method:      http.MethodPost,
		Path:        "/quarantine/replay",
		Summary:     "Re-read the quarantine with the current code",
		Description: "After an upgrade or a configuration fix: every quarantined event is read again; those that " +
			"now parse are fed into their calls in arrival order (and delivered as usual) and leave the " +
			"quarantine. Answers how many were replayed and how many remain. Safe to repeat.",
		Tags:     []string{"calls"},
		Errors:   []int{http.StatusUnauthorized, http.StatusServiceUnavailable},
		Security: protected,
	}, s.replayQuarantine)

	registerQuarantineDiscard(api, s)
	registerReps(api, s)
}

func statusesOf(ss []CallStatus) []lifecycle.Status {
	if len(ss) == 0 {
		return nil
	}
	out := make([]lifecycle.Status, len(ss))
	for i, s := range ss {
		out[i] = lifecycle.Status(s)
	}
	return out
}

// timeOrder is a 422 when until is not after since.
func timeOrder(since, until time.Time, where string) error {
	if !since.IsZero() && !until.IsZero() && !until.After(since) {
		return huma.Error422UnprocessableEntity("until must be after since",
			&huma.ErrorDetail{Location: where + "until", Message: "until must be after since", Value: until})
	}
	return nil
}

// badCursor answers a cursor this service did not hand out (the caller's mistake), with
// the status of its refusal.
func badCursor(cursor string) error {
	r, _ := refusal.Of(delivery.ErrBadCursor)
	return huma.NewError(r.Status, "invalid cursor",
		&huma.ErrorDetail{Location: "query.cursor", Message: "not a cursor of this listing; use the next value of a page, or leave it out to start from the newest", Value: cursor})
}

func (s *server) listCalls(ctx context.Context, in *listCallsInput) (*callPageOutput, error) {
	if err := timeOrder(in.Since, in.Until, "query."); err != nil {
		return nil, err
	}
	if s.deps.Operator == nil {
		return nil, unavailable("delivery is not configured in this process")
	}
	page, err := s.deps.Operator.ListCalls(ctx, delivery.ListFilter{
		Statuses: statusesOf(in.Status), Since: in.Since, Until: in.Until, Query: string(in.Q), RepStates: repStatesOf(in.Rep),
		Limit: in.Limit.orDefault(), Cursor: string(in.Cursor),
	})
	if errors.Is(err, delivery.ErrBadCursor) {
		return nil, badCursor(string(in.Cursor))
	}
	if err != nil {
		s.log.Error("list-calls: database error", "error", err)
		return nil, unavailable("the calls could not be read; try again")
	}
	return &callPageOutput{Body: callPageOf(page)}, nil
}

func (s *server) redeliverMany(ctx context.Context, in *bulkInput) (*bulkOutput, error) {
	b := in.Body
	if len(b.Status) == 0 && b.Since == nil && b.Until == nil && len(b.IDs) == 0 && len(b.Rep) == 0 {
		return nil, huma.Error422UnprocessableEntity("say which calls: status, since, until, ids or rep",
			&huma.ErrorDetail{Location: "body", Message: "at least one of status, since, until, ids and rep is needed; use status [\"failed\"] for every failed call"})
	}
	var since, until time.Time
	if b.Since != nil {
		since = *b.Since
	}
	if b.Until != nil {
		until = *b.Until
	}
	if err := timeOrder(since, until, "body."); err != nil {
		return nil, err
	}
	var bad []error
	for i, id := range b.IDs {
		if !possibleCallID(id) {
			bad = append(bad, &huma.ErrorDetail{Location: "body.ids[" + strconv.Itoa(i) + "]", Message: "not an Aloware call id (decimal digits, at most 20)"})
		}
	}
	if len(bad) > 0 {
		return nil, huma.Error422UnprocessableEntity("ids that cannot be Aloware call ids", bad...)
	}
	if s.deps.Operator == nil {
		return nil, unavailable("delivery is not configured in this process")
	}
	res, err := s.deps.Operator.RedeliverMany(ctx, delivery.ListFilter{
		Statuses: statusesOf(b.Status), Since: since, Until: until, IDs: b.IDs, RepStates: repStatesOf(b.Rep),
	}, delivery.BulkOptions{IncludeOutcomeUnknown: b.IncludeOutcomeUnknown, DryRun: b.DryRun}, requester(ctx))
	if err != nil {
		s.log.Error("redeliver-calls: database error", "error", err)
		if b.DryRun {
			return nil, unavailable("the calls could not be counted; try again")
		}
		return nil, unavailable("nothing was queued; try again") // a bulk that failed part-way queued at most its committed batches
	}
	status := http.StatusAccepted
	if b.DryRun {
		status = http.StatusOK
	}
	excluded := res.Excluded
	if excluded == nil {
		excluded = map[string]int{}
	}
	return &bulkOutput{Status: status, Body: BulkResult{Matched: res.Matched, Queued: res.Queued, Excluded: excluded}}, nil
}

func (s *server) skip(ctx context.Context, in *callInput) (*callOutput, error) {
	return s.onCall("skip-call", in.AlowareCallID, http.StatusOK, s.deps.Operator != nil, func() (delivery.CallRecord, error) {
		return s.deps.Operator.Skip(ctx, in.AlowareCallID, requester(ctx))
	})
}

func (s *server) erase(ctx context.Context, in *callInput) (*callOutput, error) {
	return s.onCall("erase-call", in.AlowareCallID, http.StatusOK, s.deps.Operator != nil, func() (delivery.CallRecord, error) {
		return s.deps.Operator.Erase(ctx, in.AlowareCallID, requester(ctx))
	})
}

func (s *server) quarantine(ctx context.Context, in *quarantineInput) (*quarantineOutput, error) {
	if s.deps.Operator == nil {
		return nil, unavailable("delivery is not configured in this process")
	}
	page, err := s.deps.Operator.Quarantine(ctx, in.Limit.orDefault(), string(in.Cursor))
	if errors.Is(err, delivery.ErrBadCursor) {
		return nil, badCursor(string(in.Cursor))
	}
	if err != nil {
		s.log.Error("list-quarantine: database error", "error", err)
		return nil, unavailable("the quarantine could not be read; try again")
	}
	return &quarantineOutput{Body: quarantinePageOf(page)}, nil
}

func (s *server) replayQuarantine(ctx context.Context, _ *struct{}) (*replayOutput, error) {
	if s.deps.Operator == nil {
		return nil, unavailable("delivery is not configured in this process")
	}
	res, err := s.deps.Operator.ReplayQuarantine(ctx, requester(ctx))
	if err != nil {
		s.log.Error("replay-quarantine: database error", "error", err)
		return nil, unavailable("the replay did not finish; try again")
	}
	return &replayOutput{Body: ReplayResult{Replayed: res.Replayed, Remaining: res.Remaining}}, nil
}
