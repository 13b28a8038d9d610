package delivery

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// PayloadSource says which body a call's Payload is.
type PayloadSource string

const (
	// PayloadSent: the body of the call's latest Kendo request, byte for byte as it was
	// recorded with the request.
	PayloadSent PayloadSource = "sent"
	// PayloadWouldSend: no request of the call has its body recorded (none was made yet,
	// or they were made before bodies were kept): what a delivery would send now.
	PayloadWouldSend PayloadSource = "would_send"
)

// Payload is what went, or would go, to Kendo for a call.
type Payload struct {
	Source PayloadSource
	Body   *kendo.Payload // nil when the call's events make no payload (an ignored event)

	// For a sent body: the request that carried it, and the exact body's size and
	// SHA-256 (hex), as its attempt records them.
	Attempt int
	Bytes   int
	SHA256  string

	// Mapping's verdict (a sent body was ready) and the warnings of mapping and of the rep
	// lookup, for a body that would be sent.
	Ready    bool
	State    string
	Reason   string
	Warnings []string
}

// payloadOf is the body the call's latest request sent, or else what outgoing would
// send now; nil once the call's content was purged or erased (nothing is left to show).
func (s *Service) payloadOf(ctx context.Context, q store.Querier, call store.Call) (*Payload, error) {
	if call.PurgedAt != nil {
		return nil, nil
	}
	sent, ok, err := s.db.LastSentBody(ctx, q, call.AlowareCallID)
	if err != nil {
		return nil, err
	}
	if ok {
		var body kendo.Payload
		if err := json.Unmarshal(sent.Body, &body); err != nil {
			return nil, fmt.Errorf("delivery: the body sent for call %s does not decode: %w", call.AlowareCallID, err)
		}
		return &Payload{Source: PayloadSent, Body: &body, Attempt: sent.Attempt, Bytes: len(sent.Body), SHA256: sent.SHA256,
			Ready: true}, nil
	}
	merged, err := s.mergedCall(ctx, q, call)
	if err != nil {
		return nil, err
	}
	res, shrunkHow := s.outgoing(merged, call.Shrunk)
	p := &Payload{Source: PayloadWouldSend, Body: res.Payload, Ready: res.Ready, State: string(res.State), Reason: res.Reason,
		Warnings: res.Warnings}
	if shrunkHow != "" {
		p.Warnings = append(p.Warnings, shrunkHow)
	}
	return p, nil
}
