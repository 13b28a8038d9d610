package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/aloware-kendo/aloware-kendo/aloware"
	"github.com/aloware-kendo/aloware-kendo/delivery"
)

type pushInput struct {
	Wait    string `query:"wait" doc:"Wait up to this long (Go duration such as 30s or 2m, or whole seconds; at most 5m) for the call to be delivered; 201 when it was." example:"30s"`
	RawBody []byte
}

type receiptOutput struct {
	Status int
	Body   delivery.Receipt
}

type callInput struct {
	AlowareCallID string `path:"alowareCallId" maxLength:"64" doc:"Aloware communication id (body.id of its events)" example:"940868616"`
}

type callOutput struct {
	Status int
	Body   delivery.CallRecord
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
			"gets a 202 with status `ignored`. A 503 (with Retry-After) means nothing was stored: send it again.",
		Tags:          []string{"calls"},
		DefaultStatus: http.StatusAccepted,
		Responses: map[string]*huma.Response{"202": {
			Description: "Stored. `status` tells where the call stands (`received`, `scheduled`, `ignored` …) and `deliverAfter` when it will be sent.",
		}},
		MaxBodyBytes: bodyLimit,
		Errors:       []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity, http.StatusServiceUnavailable},
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
		Description: "The call's record: status, Kendo's `callId` once delivered, attempts, the last error and the " +
			"events seen (names and times). Every communication id the service has stored answers, " +
			"ignored ones too (status `ignored` and the reason); 404 only for ids never seen.",
		Tags:     []string{"calls"},
		Errors:   []int{http.StatusNotFound, http.StatusServiceUnavailable},
		Security: protected,
	}, s.getCall)

	huma.Register(api, huma.Operation{
		OperationID: "redeliver-call",
		Method:      http.MethodPost,
		Path:        "/calls/{alowareCallId}/redeliver",
		Summary:     "Send a failed call to Kendo again",
		Description: "Schedules a new delivery of a call whose status is `failed` (e.g. after fixing the Kendo key " +
			"or the rep's e-mail) and answers 202 with its record. 409 for any other status: a delivered " +
			"call is never sent twice.",
		Tags:          []string{"calls"},
		DefaultStatus: http.StatusAccepted,
		Responses: map[string]*huma.Response{"202": {
			Description: "Redelivery scheduled; the record shows the call back in `scheduled`.",
		}},
		Errors:   []int{http.StatusNotFound, http.StatusConflict, http.StatusServiceUnavailable},
		Security: protected,
	}, s.redeliver)
}

func (s *server) push(ctx context.Context, in *pushInput) (*receiptOutput, error) {
	wait, err := parseWait(in.Wait)
	if err != nil {
		return nil, huma.Error422UnprocessableEntity("invalid wait", &huma.ErrorDetail{Location: "query.wait", Message: err.Error(), Value: in.Wait})
	}
	if why := jsonProblem(in.RawBody); why != "" {
		// Never hand non-JSON to the store; Accept would refuse it anyway.
		return nil, inputProblem(in.RawBody, &notJSONError{why})
	}
	if s.deps.Pusher == nil {
		return nil, unavailable("delivery is not configured in this process")
	}
	rec, err := s.deps.Pusher.Accept(ctx, in.RawBody)
	if err != nil {
		var ie *aloware.InputError
		if errors.As(err, &ie) {
			return nil, inputProblem(in.RawBody, err)
		}
		s.log.Error("push: event not stored", "error", err)
		return nil, unavailable("the event could not be stored; nothing was kept, send it again")
	}
	// From here on the event is stored: whatever happens, the answer is a 2xx.
	if rec.Duplicate {
		return &receiptOutput{Status: http.StatusOK, Body: rec}, nil
	}
	if wait > 0 && rec.AlowareCallID != "" && !rec.Status.Final() {
		waitCtx, cancel := s.untilStopping(ctx)
		waited, err := s.deps.Pusher.Wait(waitCtx, rec.AlowareCallID, wait)
		cancel()
		switch {
		case err == nil:
			rec = merged(rec, waited)
		case waitCtx.Err() == nil:
			s.log.Warn("push: waiting for delivery failed; answering with the stored status", "alowareCallId", rec.AlowareCallID, "error", err)
		}
	}
	if rec.Status == delivery.StatusDelivered && !rec.Duplicate {
		return &receiptOutput{Status: http.StatusCreated, Body: rec}, nil
	}
	return &receiptOutput{Status: http.StatusAccepted, Body: rec}, nil
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

// merged keeps what only the intake receipt knows (the event name) next to the
// status Wait found.
func merged(accepted, waited delivery.Receipt) delivery.Receipt {
	if waited.Event == "" {
		waited.Event = accepted.Event
	}
	if waited.AlowareCallID == "" {
		waited.AlowareCallID = accepted.AlowareCallID
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
	if s.deps.Pusher == nil {
		return nil, unavailable("delivery is not configured in this process")
	}
	rec, err := s.deps.Pusher.Call(ctx, in.AlowareCallID)
	if err != nil {
		return nil, s.callProblem("get-call", in.AlowareCallID, err)
	}
	return &callOutput{Status: http.StatusOK, Body: rec}, nil
}

func (s *server) redeliver(ctx context.Context, in *callInput) (*callOutput, error) {
	if s.deps.Pusher == nil {
		return nil, unavailable("delivery is not configured in this process")
	}
	rec, err := s.deps.Pusher.Redeliver(ctx, in.AlowareCallID)
	if err != nil {
		return nil, s.callProblem("redeliver-call", in.AlowareCallID, err)
	}
	return &callOutput{Status: http.StatusAccepted, Body: rec}, nil
}

func (s *server) callProblem(op, id string, err error) error {
	loc := &huma.ErrorDetail{Location: "path.alowareCallId", Value: id}
	switch {
	case errors.Is(err, delivery.ErrNotFound):
		loc.Message = "no event of this call was ever received"
		return huma.Error404NotFound("call "+id+" not found", loc)
	case errors.Is(err, delivery.ErrNotRedeliverable):
		loc.Message = err.Error()
		return huma.Error409Conflict("call "+id+" cannot be redelivered", loc)
	}
	s.log.Error(op+": database error", "alowareCallId", id, "error", err)
	return unavailable("the call's record could not be read; try again")
}

// alsoAnswers documents the other 2xx statuses an operation chooses at run time, with
// the same body schema as its default one.
func alsoAnswers(op *huma.Operation, defaultStatus int, others map[int]string) {
	base := op.Responses[strconv.Itoa(defaultStatus)]
	for status, desc := range others {
		op.Responses[strconv.Itoa(status)] = &huma.Response{Description: desc, Content: base.Content}
	}
}
