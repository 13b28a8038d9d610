package tracing

import (
	"context"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

func TestRequested(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"nothing set: off, not OpenTelemetry's default of OTLP to localhost", nil, false},
		{"an OTLP endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, true},
		{"a traces endpoint", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, true},
		{"an exporter named", map[string]string{"OTEL_TRACES_EXPORTER": "console"}, true},
		{"exporter none wins over an endpoint", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, false},
		{"the SDK disabled", map[string]string{"OTEL_SDK_DISABLED": "TRUE", "OTEL_TRACES_EXPORTER": "otlp"}, false},
		{"only a protocol or a service name", map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_SERVICE_NAME": "x"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Requested(func(k string) string { return tc.env[k] }); got != tc.want {
				t.Errorf("Requested = %v, want %v", got, tc.want)
			}
		})
	}
}

// Off, Start installs nothing and the wrappers hand back what they were given.
func TestOffCostsNothing(t *testing.T) {
	stop, err := Start(context.Background(), func(string) string { return "" }, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer stop(context.Background())
	if Enabled() {
		t.Fatal("traces on with no OTEL_* variable set")
	}
	h := http.NewServeMux()
	if got, ok := Handler(h).(*http.ServeMux); !ok || got != h {
		t.Error("Handler wrapped the handler while traces are off")
	}
	if got := KendoTransport(http.DefaultTransport); got != http.DefaultTransport {
		t.Error("KendoTransport wrapped the transport while traces are off")
	}
	ctx, span := Tracer().Start(context.Background(), "intake")
	defer span.End()
	if span.IsRecording() || Traceparent(ctx) != "" {
		t.Error("a span recorded while traces are off")
	}
}

// A traceparent taken from a span names that span again.
func TestTraceparentRoundTrip(t *testing.T) {
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14},
		SpanID:     trace.SpanID{0, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
	})
	tp := Traceparent(trace.ContextWithSpanContext(context.Background(), sc))
	if tp != "00-4bf90102030405060708090a0b0c0d0e-00f067aa0ba902b7-01" {
		t.Fatalf("traceparent %q", tp)
	}
	if len(LinkTo(tp)) != 1 || LinkTo("") != nil || LinkTo("00-garbage") != nil {
		t.Error("LinkTo: want one link for a traceparent, none for nothing or garbage")
	}
}

// BenchmarkSpanWhileOff: what the engine's spans cost per event while traces are off.
func BenchmarkSpanWhileOff(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		ctx, span := Tracer().Start(ctx, "intake")
		_ = Traceparent(ctx)
		span.End()
	}
}
