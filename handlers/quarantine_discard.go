package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/refusal"
)

// DiscardRequest is the body of POST /quarantine/discard: which quarantined events go.
type DiscardRequest struct {
	All            bool       `json:"all,omitempty" doc:"discard every quarantined event (the other fields must then be absent)"`
	IDs            []int64    `json:"ids,omitempty" maxItems:"1000" doc:"these quarantined events (ids of GET /quarantine)"`
	Event          string     `json:"event,omitempty" maxLength:"200" doc:"events of this name, exactly as GET /quarantine lists it"`
	ReceivedBefore *time.Time `json:"receivedBefore,omitempty" doc:"events received before this time"`
}

// DiscardResult answers a discard.
type DiscardResult struct {
	Discarded int `json:"discarded" doc:"events deleted from the quarantine for good"`
	Remaining int `json:"remaining" doc:"events left in the quarantine"`
}

type discardInput struct {
	Body DiscardRequest
}

type discardOneInput struct {
	ID int64 `path:"id" minimum:"1" doc:"the quarantined event's id (GET /quarantine)" example:"17"`
}

type discardOutput struct {
	Body DiscardResult
}

func registerQuarantineDiscard(api huma.API, s *server) {
	huma.Register(api, huma.Operation{
		OperationID: "discard-quarantined",
		Method:      http.MethodDelete,
		Path:        "/quarantine/{id}",
		Summary:     "Discard one quarantined event",
		Description: "Deletes the event for good: it is never replayed. The service log names who discarded it. " +
			"Answers how many were discarded (1) and how many remain; 404 when no quarantined event has this id.",
		Tags:     []string{"calls"},
		Errors:   []int{http.StatusUnauthorized, http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusServiceUnavailable},
		Security: protected,
	}, s.discardQuarantined)

	huma.Register(api, huma.Operation{
		OperationID: "discard-quarantine",
		Method:      http.MethodPost,
		Path:        "/quarantine/discard",
		Summary:     "Discard quarantined events",
		Description: "Deletes quarantined events for good: `{\"all\": true}` every one, or those matching every " +
			"criterion given (`ids`, `event`, `receivedBefore`); a body that names none is refused. The service log " +
			"names who discarded which. Answers how many were discarded and how many remain.",
		Tags:     []string{"calls"},
		Errors:   append([]int{http.StatusUnauthorized}, bodyErrors...),
		Security: protected,
	}, s.discardQuarantine)
}

func (s *server) discardQuarantined(ctx context.Context, in *discardOneInput) (*discardOutput, error) {
	if s.deps.Operator == nil {
		return nil, unavailable("delivery is not configured in this process")
	}
	res, err := s.deps.Operator.DiscardQuarantined(ctx, in.ID, requester(ctx))
	if r, ok := refusal.Of(err); ok {
		return nil, huma.NewError(r.Status, "quarantined event "+r.Summary,
			&huma.ErrorDetail{Location: "path.id", Message: r.Notice, Value: in.ID})
	}
	if err != nil {
		s.log.Error("discard-quarantined: database error", "error", err)
		return nil, unavailable("nothing was discarded; try again")
	}
	return &discardOutput{Body: DiscardResult{Discarded: res.Discarded, Remaining: res.Remaining}}, nil
}

func (s *server) discardQuarantine(ctx context.Context, in *discardInput) (*discardOutput, error) {
	b := in.Body
	f := delivery.DiscardFilter{All: b.All, IDs: b.IDs, Event: b.Event}
	if b.ReceivedBefore != nil {
		f.ReceivedBefore = *b.ReceivedBefore
	}
	named := len(b.IDs) > 0 || b.Event != "" || b.ReceivedBefore != nil
	switch {
	case b.All && named:
		return nil, huma.Error422UnprocessableEntity("all, or a filter: not both",
			&huma.ErrorDetail{Location: "body.all", Message: "all discards every event; leave it out to discard only what ids, event and receivedBefore select"})
	case !b.All && !named:
		return nil, huma.Error422UnprocessableEntity("say which events: all, ids, event or receivedBefore",
			&huma.ErrorDetail{Location: "body", Message: "at least one of all, ids, event and receivedBefore is needed; {\"all\": true} discards every quarantined event"})
	}
	if s.deps.Operator == nil {
		return nil, unavailable("delivery is not configured in this process")
	}
	res, err := s.deps.Operator.DiscardQuarantine(ctx, f, requester(ctx))
	if err != nil {
		s.log.Error("discard-quarantine: database error", "error", err)
		return nil, unavailable("nothing was discarded; try again")
	}
	return &discardOutput{Body: DiscardResult{Discarded: res.Discarded, Remaining: res.Remaining}}, nil
}
