// Package tracing turns on OpenTelemetry traces when the standard OTEL_* environment asks
// for them, and is a no-op otherwise: nothing wraps the HTTP edge or the Kendo client,
// and the engine's spans go to OpenTelemetry's no-op provider.
//
// A trace starts at the HTTP edge (POST /push, with the caller's W3C traceparent as its
// parent) and holds the intake of one event. A delivery is a trace of its own, linked to
// the intake that scheduled it: a delivery happens seconds to hours later, in another
// process perhaps, and is the outcome of several events, so it is not any one request's
// child. The link travels in the delivery job's metadata, as a traceparent.
package tracing

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/contrib/exporters/autoexport"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// ScopeName names the instrumentation of this service in every span it makes.
const ScopeName = "github.com/aloware-kendo/aloware-kendo"

// on is set by Start when traces are exported; the HTTP wrappers look at it.
var on atomic.Bool

// Requested reports whether the environment asks for traces. OpenTelemetry's own default
// for an unset OTEL_TRACES_EXPORTER is "otlp" to localhost:4318; here unset means off,
// so a service that nobody configured sends nothing anywhere. Traces are on when
// OTEL_TRACES_EXPORTER names an exporter (other than "none"), or an OTLP endpoint is set
// (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT); OTEL_SDK_DISABLED=true
// turns them off whatever else is set.
func Requested(getenv func(string) string) bool {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return false
	}
	switch exporter := strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")); exporter {
	case "none":
		return false
	case "":
		return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
	default:
		return true
	}
}

// Enabled reports whether Start turned traces on.
func Enabled() bool { return on.Load() }

// Start installs the global tracer provider and the W3C trace-context propagator when the
// environment asks for traces (Requested), and returns the function that flushes and stops
// them. The exporter, its endpoint, headers, protocol and timeouts, the sampler
// (OTEL_TRACES_SAMPLER) and the batching (OTEL_BSP_*) all follow OpenTelemetry's
// standard variables; service.name defaults to aloware-kendo (OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES override it).
func Start(ctx context.Context, getenv func(string) string, version string) (shutdown func(context.Context) error, err error) {
	noop := func(context.Context) error { return nil }
	if !Requested(getenv) {
		return noop, nil
	}
	exporter, err := autoexport.NewSpanExporter(ctx)
	if err != nil {
		return noop, err
	}
	res, err := resource.Merge(
		resource.NewSchemaless(attribute.String("service.name", "aloware-kendo"), attribute.String("service.version", version)),
		// Detected last, so OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win.
		resource.Environment(),
	)
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return noop, err
	}
	provider := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
	otel.SetTracerProvider(provider)
	// Only the trace context: baggage would let any caller put its own attributes in.
	otel.SetTextMapPropagator(propagation.TraceContext{})
	own := provider.Tracer(ScopeName)
	tracer.Store(&own)
	on.Store(true)
	return func(ctx context.Context) error {
		on.Store(false)
		tracer.Store(nil)
		return provider.Shutdown(ctx)
	}, nil
}

// tracer is the tracer of the provider Start installed; nil while traces are off.
var tracer atomic.Pointer[trace.Tracer]

// Tracer is the tracer of this service's own spans: while traces are off, OpenTelemetry's
// no-op tracer, whose spans cost one small allocation.
func Tracer() trace.Tracer {
	if t := tracer.Load(); t != nil {
		return *t
	}
	return noop.Tracer{}
}

// Handler wraps the service's HTTP handler when traces are on: a server span per request
// but probes and scrapes, named after its route (POST /push), child of the caller's
// traceparent when it sends one.
// Off, it returns h itself.
func Handler(h http.Handler) http.Handler {
	if !Enabled() {
		return h
	}
	return otelhttp.NewHandler(h, "aloware-kendo", otelhttp.WithFilter(notProbe))
}

// notProbe leaves out the requests that run every few seconds and tell nothing about an
// event: health and readiness probes and metric scrapes.
func notProbe(r *http.Request) bool {
	switch r.URL.Path {
	case "/healthz", "/readyz", "/metrics":
		return false
	}
	return true
}

// KendoTransport wraps the transport of requests to Kendo when traces are on: a client
// span per request (named kendo.push) under the delivery's span. Nothing is propagated to
// Kendo: it takes part in no trace of ours, and a third party needs no ids of them.
func KendoTransport(base http.RoundTripper) http.RoundTripper {
	if !Enabled() {
		return base
	}
	return otelhttp.NewTransport(base,
		otelhttp.WithPropagators(propagation.NewCompositeTextMapPropagator()),
		otelhttp.WithSpanNameFormatter(func(string, *http.Request) string { return "kendo.push" }))
}

// Traceparent returns the W3C traceparent of the span in ctx, or "" when there is none
// (traces off, or nothing sampled).
func Traceparent(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ""
	}
	carrier := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, carrier)
	return carrier.Get("traceparent")
}

// LinkTo returns the link to the span a traceparent names, or no option when it names none.
func LinkTo(traceparent string) []trace.SpanStartOption {
	if traceparent == "" {
		return nil
	}
	ctx := propagation.TraceContext{}.Extract(context.Background(), propagation.MapCarrier{"traceparent": traceparent})
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return nil
	}
	return []trace.SpanStartOption{trace.WithLinks(trace.Link{SpanContext: sc})}
}
