package delivery

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/riverqueue/river"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/teams"
	"github.com/aloware-kendo/aloware-kendo/tracing"
)

// Span attributes carry ids, names and outcomes only — never an event's content, a phone
// number, a recording URL, a payload or a key — as the logs do.
const (
	attrAlowareCallID = attribute.Key("aloware.call_id")
	attrEvent         = attribute.Key("aloware.event")
	attrStatus        = attribute.Key("aloware_kendo.status")
	attrDuplicate     = attribute.Key("aloware_kendo.duplicate")
	attrWarnings      = attribute.Key("aloware_kendo.warnings")
	attrQuarantined   = attribute.Key("aloware_kendo.quarantine_id")
	attrGeneration    = attribute.Key("aloware_kendo.generation")
	attrAttempt       = attribute.Key("aloware_kendo.attempt")
	attrTeam          = attribute.Key("aloware_kendo.team")
	attrKendoKeyID    = attribute.Key("kendo.key_id")
	attrKendoOutcome  = attribute.Key("kendo.outcome")
	attrKendoStatus   = attribute.Key("kendo.status_code")
	attrKendoCallID   = attribute.Key("kendo.call_id")
)

// endIntakeSpan records what the intake of one event did, and ends its span.
func endIntakeSpan(span trace.Span, rc Receipt, err error) {
	defer span.End()
	if !span.IsRecording() {
		return
	}
	if err != nil {
		// The error's text may quote the body; the answer the caller got says the rest.
		span.SetStatus(codes.Error, "event not stored")
		return
	}
	span.SetAttributes(attrStatus.String(string(rc.Status)), attrWarnings.Int(len(rc.Warnings)))
	if rc.AlowareCallID != "" {
		span.SetAttributes(attrAlowareCallID.String(rc.AlowareCallID))
	}
	if rc.Event != "" {
		span.SetAttributes(attrEvent.String(rc.Event))
	}
	if rc.Duplicate {
		span.SetAttributes(attrDuplicate.Bool(true))
	}
	if rc.QuarantineID != 0 {
		span.SetAttributes(attrQuarantined.Int64(rc.QuarantineID))
	}
}

// jobMetadata is the River metadata of a delivery job: the traceparent of the span that
// scheduled it, or none.
func jobMetadata(traceparent string) []byte {
	if traceparent == "" {
		return nil
	}
	raw, _ := json.Marshal(map[string]string{"traceparent": traceparent})
	return raw
}

// startDeliverySpan starts the span of one send of a call: the root of a trace of its
// own, linked to the intake (or the operator's redelivery) that scheduled the job.
func startDeliverySpan(ctx context.Context, job *river.Job[DeliverArgs]) (context.Context, trace.Span) {
	var meta struct { // River stores the metadata as JSON: a persisted format
		Traceparent string `json:"traceparent"`
	}
	_ = json.Unmarshal(job.Metadata, &meta) // no metadata or no traceparent: no link
	opts := append([]trace.SpanStartOption{
		trace.WithNewRoot(),
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(attrAlowareCallID.String(job.Args.AlowareCallID), attrGeneration.Int64(job.Args.Generation)),
	}, tracing.LinkTo(meta.Traceparent)...)
	return tracing.Tracer().Start(ctx, "deliver", opts...)
}

// traceSend records Kendo's answer on the delivery's span.
func traceSend(span trace.Span, team teams.Team, attempt attemptRef, res kendo.Result) {
	if !span.IsRecording() {
		return
	}
	span.SetAttributes(attrTeam.String(team.Name), attrKendoKeyID.String(kendo.KeyID(team.APIKey)),
		attrAttempt.Int(attempt.n), attrKendoOutcome.String(string(res.Outcome)))
	if res.Status != 0 {
		span.SetAttributes(attrKendoStatus.Int(res.Status))
	}
	if res.KendoCallID != "" {
		span.SetAttributes(attrKendoCallID.String(res.KendoCallID))
	}
	if res.Outcome != kendo.Accepted {
		// Kendo's message is scrubbed of the key but may quote the payload.
		span.SetStatus(codes.Error, "Kendo answered "+string(res.Outcome)+" "+strconv.Itoa(res.Status))
	}
}
