package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/aloware-kendo/aloware-kendo/aloware"
	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/refusal"
)

type pushInput struct {
	Wait string `query:"wait" doc:"Wait up to this long (Go duration such as 30s or 2m, or whole seconds; at most 5m) for the call to be delivered; 201 when it was." example:"30s"`
	// The body is read by the bodies middleware (requestBody), not by huma: one copy.
}

type receiptOutput struct {
	Status int
	Body   Receipt
}

type callInput struct {
	AlowareCallID string `path:"alowareCallId" doc:"Aloware communication id (body.id of its events): decimal digits. Any other id answers 404." example:"940868616"`
}

type redeliverInput struct {
	AlowareCallID         string `path:"alowareCallId" doc:"Aloware communication id (body.id of its events): decimal digits. Any other id answers 404." example:"940868616"`
	IncludeOutcomeUnknown bool   `query:"includeOutcomeUnknown" doc:"Send it even if Kendo may already have it (outcomeUnknown: an earlier request reached Kendo and no answer was recorded). Check Kendo first: Kendo has no idempotency key, so a call it has is doubled."`
}

type callOutput struct {
	Status int
	Body   CallRecord
}

func registerCalls(api huma.API, s *server) {
	huma.Register(api, huma.Operation{
		OperationID: "push-event",
		Method:      http.MethodPost,
		Path:        "/push",
		Summary:     "Take in one Aloware webhook delivery",
		Description: "Point Aloware's webhook (or an n8n, Make or Zapier step) here. The event is stored durably " +
			"before the answer, merged with the other events of its call, and the call is sent to Kendo " +
			"once it is complete and has a recording or transcript, after the settle time. " +
			"Answers 202 with the call's status once stored; with `?wait=`, 201 with Kendo's `callId` if the " +
			"call was delivered within the wait; 200 with `duplicate: true` and the original `callId` for " +
			"a call that had already been delivered. Aloware's test delivery `{\"test_payload\": true}` " +
			"gets a 202 with status `ignored`.\n\n" +
			"Every JSON object is stored: a field that cannot be read is dropped and named in `warnings`; an " +
			"object that cannot be used at all (no readable call id, an unknown shape) is kept in quarantine " +
			"and answered 202 with status `quarantined` and its `problems` (see GET /quarantine). Only a body " +
			"that is not a JSON object (not JSON, empty, an array, over 5 MiB) gets a 4xx and is not kept, and " +
			"a 422 also when the quarantine is full. A 503 (with Retry-After) means nothing was stored: send it again.",
		Tags:          []string{"calls"},
		DefaultStatus: http.StatusAccepted,
		Responses: map[string]*huma.Response{"202": {
			Description: "Stored. `status` tells where the call stands (`received`, `scheduled`, `ignored` …, or `quarantined`) and `deliverAfter` when it will be sent.",
		}},
		MaxBodyBytes: bodyLimit,
		Errors:       append([]int{http.StatusUnauthorized}, bodyErrors...),
		Security:     protected,
	}, s.push)
	describeBody(api, "/push", "One Aloware webhook delivery, as Aloware sends it.",
		&huma.Schema{Ref: "#/components/schemas/" + alowareEventSchema}, alowareEventExamples(false))
	alsoAnswers(api.OpenAPI().Paths["/push"].Post, http.StatusAccepted, map[int]string{
		http.StatusOK:      "The call had already been delivered: `duplicate` is true and `callId` is Kendo's original id.",
		http.StatusCreated: "Delivered to Kendo within `wait`: `callId` is Kendo's id.",
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-call",
		Method:      http.MethodGet,
		Path:        "/calls/{alowareCallId}",
		Summary:     "Show where a call stands",
		Description: "The call's record: status, Kendo's `callId` once delivered, attempts (each with Kendo's answer), " +
			"the last error, the events seen (names and times, never content), warnings, `payload` — the exact body " +
			"of the latest request to Kendo (`payloadSource: sent`, with its size and SHA-256), or before any request " +
			"what a delivery would send now (`would_send`), masked — and `purgedAt` once its " +
			"content was purged or erased. Every communication id the service has stored answers, ignored ones " +
			"too (status `ignored` and the reason); 404 for ids never seen, and for anything that is not an " +
			"Aloware call id (decimal digits, at most 20) without a database read.",
		Tags:     []string{"calls"},
		Errors:   []int{http.StatusUnauthorized, http.StatusNotFound, http.StatusServiceUnavailable},
		Security: protected,
	}, s.getCall)

	huma.Register(api, huma.Operation{
		OperationID: "redeliver-call",
		Method:      http.MethodPost,
		Path:        "/calls/{alowareCallId}/redeliver",
		Summary:     "Send a failed call to Kendo again",
		Description: "Schedules a new delivery of a call whose status is `failed` (e.g. after fixing the Kendo key " +
			"or the rep's e-mail) and answers 202 with its record. 409 for any other status: a delivered " +
			"call is never sent twice; 409 too for a call Kendo may already have (`outcomeUnknown`) unless " +
			"`includeOutcomeUnknown=true` says an operator checked Kendo. 410 when the call's content was purged (`--retain`) or erased: there " +
			"is nothing left to send.",
		Tags:          []string{"calls"},
		DefaultStatus: http.StatusAccepted,
		Responses: map[string]*huma.Response{"202": {
			Description: "Redelivery scheduled; the record shows the call back in `scheduled`.",
		}},
		Errors:   []int{http.StatusUnauthorized, http.StatusNotFound, http.StatusConflict, http.StatusGone, http.StatusServiceUnavailable},
		Security: protected,
	}, s.redeliver)
}

func (s *server) push(ctx context.Context, in *pushInput) (*receiptOutput, error) {
	wait, err := parseWait(in.Wait)
	if err != nil {
		return nil, huma.Error422UnprocessableEntity("invalid wait", &huma.ErrorDetail{Location: "query.wait", Message: err.Error(), Value: in.Wait})
	}
	raw := requestBody(ctx)
	if s.deps.Intake == nil {
		return nil, unavailable("delivery is not configured in this process")
	}
	var rec delivery.Receipt
	if werr := s.bodies.working(ctx, raw, func() { rec, err = s.deps.Intake.Accept(ctx, raw) }); werr != nil {
		// The client went away while its event waited its turn.
		return nil, unavailable("the request ended before its event could be read; nothing was kept, send it again")
	}
	if err != nil {
		var ie *aloware.InputError
		if errors.As(err, &ie) {
			return nil, inputProblem(err)
		}
		s.log.Error("push: event not stored", "error", err)
		return nil, unavailable("the event could not be stored; nothing was kept, send it again")
	}
	// From here on the event is stored: whatever happens, the answer is a 2xx. Its body
	// is not needed any more: a ?wait= must not hold the budget other pushes need.
	rec = detached(rec)
	releaseBody(ctx)
	if rec.Duplicate || rec.Late {
		return &receiptOutput{Status: http.StatusOK, Body: receiptOf(rec)}, nil
	}
	if wait > 0 && rec.AlowareCallID != "" && !rec.Status.Final() {
		waitCtx, cancel := s.untilStopping(ctx)
		waited, err := s.deps.Intake.Wait(waitCtx, rec.AlowareCallID, wait)
		cancel()
		switch {
		case err == nil:
			rec = merged(rec, waited)
		case waitCtx.Err() == nil:
			s.log.Warn("push: waiting for delivery failed; answering with the stored status", "alowareCallId", rec.AlowareCallID, "error", err)
		}
	}
	if rec.Status == lifecycle.Delivered && !rec.Duplicate {
		return &receiptOutput{Status: http.StatusCreated, Body: receiptOf(rec)}, nil
	}
	return &receiptOutput{Status: http.StatusAccepted, Body: receiptOf(rec)}, nil
}

// untilStopping is ctx, also cancelled when shutdown begins, so a long ?wait= does not
// hold the shutdown up: the event is stored, a 202 is the right answer.
func (s *server) untilStopping(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	if s.deps.Stopping != nil {
		go func() {
			select {
			case <-s.deps.Stopping:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	return ctx, cancel
}

// detached copies the receipt's strings, which may be cut from the event's text: a
// receipt held through a ?wait= must not keep the event's bytes alive.
func detached(rec delivery.Receipt) delivery.Receipt {
	rec.AlowareCallID, rec.Event = strings.Clone(rec.AlowareCallID), strings.Clone(rec.Event)
	rec.Reason = strings.Clone(rec.Reason)
	rec.Warnings = slices.Clone(rec.Warnings)
	for i, w := range rec.Warnings {
		rec.Warnings[i] = strings.Clone(w)
	}
	rec.Problems = slices.Clone(rec.Problems)
	for i, p := range rec.Problems {
		rec.Problems[i] = delivery.Problem{Location: strings.Clone(p.Location), Message: strings.Clone(p.Message)}
	}
	return rec
}

// merged keeps what only the intake receipt knows (the event name, its warnings) next
// to the status Wait found.
func merged(accepted, waited delivery.Receipt) delivery.Receipt {
	if waited.Event == "" {
		waited.Event = accepted.Event
	}
	if waited.AlowareCallID == "" {
		waited.AlowareCallID = accepted.AlowareCallID
	}
	if waited.Warnings == nil {
		waited.Warnings = accepted.Warnings
	}
	return waited
}

// parseWait reads ?wait=: a Go duration ("30s", "2m") or whole seconds ("30").
func parseWait(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		n, nerr := strconv.ParseUint(s, 10, 32)
		if nerr != nil {
			return 0, fmt.Errorf("%q is not a duration; use e.g. 30s, 2m or 45", s)
		}
		d = time.Duration(n) * time.Second
	}
	switch {
	case d < 0:
		return 0, fmt.Errorf("%q is negative", s)
	case d > MaxWait:
		return 0, fmt.Errorf("%q is longer than the maximum of %s", s, MaxWait)
	}
	return d, nil
}

func (s *server) getCall(ctx context.Context, in *callInput) (*callOutput, error) {
	return s.onCall("get-call", in.AlowareCallID, http.StatusOK, s.deps.Operator != nil, func() (delivery.CallRecord, error) {
		return s.deps.Operator.Call(ctx, in.AlowareCallID)
	})
}

func (s *server) redeliver(ctx context.Context, in *redeliverInput) (*callOutput, error) {
	return s.onCall("redeliver-call", in.AlowareCallID, http.StatusAccepted, s.deps.Operator != nil, func() (delivery.CallRecord, error) {
		return s.deps.Operator.Redeliver(ctx, in.AlowareCallID, delivery.RedeliverOptions{IncludeOutcomeUnknown: in.IncludeOutcomeUnknown}, requester(ctx))
	})
}

// onCall runs one action on one call and answers its record with status: an id that
// cannot be an Aloware call id is a 404 without asking the database, and without the
// dependency the action needs (configured false) a 503.
func (s *server) onCall(op, id string, status int, configured bool, do func() (delivery.CallRecord, error)) (*callOutput, error) {
	if !possibleCallID(id) {
		return nil, s.callProblem(op, id, delivery.ErrNotFound)
	}
	if !configured {
		return nil, unavailable("delivery is not configured in this process")
	}
	rec, err := do()
	if err != nil {
		return nil, s.callProblem(op, id, err)
	}
	return &callOutput{Status: status, Body: callRecordOf(rec)}, nil
}

// maxCallIDDigits is the length of the largest uint64; Aloware's ids are far shorter.
const maxCallIDDigits = 20

// possibleCallID reports whether id can be an Aloware call id at all: decimal digits,
// at most 20 of them. Anything else (a NUL byte, a name, a path) was never stored.
func possibleCallID(id string) bool {
	if id == "" || len(id) > maxCallIDDigits {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// callProblem is the one translation of what the engine answered about one call. A
// refusal is answered with its row of the refusal table: its status, and as the message
// the very sentence the ops page shows for it. Anything else is the engine failing: a
// 503 the client may retry. The id is echoed only when it can be one (never a NUL byte
// or a megabyte of junk).
func (s *server) callProblem(op, id string, err error) error {
	r, ok := refusal.Of(err)
	if !ok {
		s.log.Error(op+": database error", "alowareCallId", id, "error", err)
		return unavailable("the call's record could not be read or changed; try again")
	}
	loc := &huma.ErrorDetail{Location: "path.alowareCallId", Message: r.Notice}
	subject := "call"
	switch {
	case possibleCallID(id):
		loc.Value, subject = id, "call "+id
	case r.Err == delivery.ErrNotFound:
		loc.Message = "not an Aloware call id (decimal digits, at most 20)"
	}
	if r.Err == delivery.ErrOutcomeUnknown { // the page asks on a confirmation page; the API by a parameter
		loc.Message += " To send it anyway, ask again with includeOutcomeUnknown=true."
	}
	return huma.NewError(r.Status, subject+" "+r.Summary, loc)
}

// alsoAnswers documents the other 2xx statuses an operation chooses at run time, with
// the same body schema as its default one.
func alsoAnswers(op *huma.Operation, defaultStatus int, others map[int]string) {
	base := op.Responses[strconv.Itoa(defaultStatus)]
	for status, desc := range others {
		op.Responses[strconv.Itoa(status)] = &huma.Response{Description: desc, Content: base.Content}
	}
}
