package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// otlpReceiver is an OTLP/HTTP trace endpoint: it keeps every span exported to it, and
// the raw bodies, to search them.
type otlpReceiver struct {
	mu     sync.Mutex
	spans  []*tracepb.Span
	attrs  []*commonpb.KeyValue // every attribute: resources', spans', events', links'
	bodies [][]byte
}

func newOTLPReceiver(t *testing.T) (*otlpReceiver, string) {
	r := &otlpReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/v1/traces" || req.Header.Get("Content-Type") != "application/x-protobuf" {
			http.Error(w, "want protobuf on /v1/traces", http.StatusNotFound)
			return
		}
		var body io.Reader = req.Body
		if req.Header.Get("Content-Encoding") == "gzip" {
			gz, err := gzip.NewReader(req.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = gz
		}
		raw, _ := io.ReadAll(body)
		var export coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(raw, &export); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.bodies = append(r.bodies, raw)
		for _, rs := range export.ResourceSpans {
			r.attrs = append(r.attrs, rs.GetResource().GetAttributes()...)
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					r.spans = append(r.spans, s)
					r.attrs = append(r.attrs, s.Attributes...)
					for _, e := range s.Events {
						r.attrs = append(r.attrs, e.Attributes...)
					}
					for _, l := range s.Links {
						r.attrs = append(r.attrs, l.Attributes...)
					}
				}
			}
		}
		r.mu.Unlock()
		answer, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(answer)
	}))
	t.Cleanup(srv.Close)
	return r, srv.URL
}

func (r *otlpReceiver) named(name string) []*tracepb.Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*tracepb.Span
	for _, s := range r.spans {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

func attr(s *tracepb.Span, key string) string {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			return anyString(kv.Value)
		}
	}
	return ""
}

func anyString(v *commonpb.AnyValue) string {
	switch v := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return v.StringValue
	case *commonpb.AnyValue_IntValue:
		return fmt.Sprint(v.IntValue)
	case *commonpb.AnyValue_BoolValue:
		return fmt.Sprint(v.BoolValue)
	case *commonpb.AnyValue_DoubleValue:
		return fmt.Sprint(v.DoubleValue)
	case *commonpb.AnyValue_ArrayValue:
		var parts []string
		for _, e := range v.ArrayValue.Values {
			parts = append(parts, anyString(e))
		}
		return strings.Join(parts, ",")
	case *commonpb.AnyValue_KvlistValue:
		var parts []string
		for _, kv := range v.KvlistValue.Values {
			parts = append(parts, kv.Key+"="+anyString(kv.Value))
		}
		return strings.Join(parts, ",")
	case *commonpb.AnyValue_BytesValue:
		return string(v.BytesValue)
	}
	return ""
}

// With OTEL_EXPORTER_OTLP_ENDPOINT set, the real binary exports one trace per event from
// POST /push (its parent the caller's traceparent, as n8n sends it) through the intake,
// and the delivery with its Kendo request as a trace linked to the intake that scheduled
// it. No key, token, phone number or recording URL is in any exported byte, and Kendo
// gets no trace header.
func TestTracesExportedOverOTLP(t *testing.T) {
	t.Parallel()
	const (
		kendoKey     = "pk_live_TRACEkendoKEY123"
		inboundToken = "inbound-TRACE-token-456"
	)
	receiver, endpoint := newOTLPReceiver(t)
	k := kendotest.New(t, kendo.Rate{Limit: 30, Period: time.Minute})
	var kendoHeaders sync.Map
	k.SetFault(func(_ int64, _ http.ResponseWriter, r *http.Request) bool {
		for name := range r.Header {
			kendoHeaders.Store(strings.ToLower(name), true)
		}
		return false
	})
	addr := freeAddr(t)
	p := start(t, "serve", addr, "/readyz", []string{
		"OTEL_EXPORTER_OTLP_ENDPOINT=" + endpoint,
		"OTEL_BSP_SCHEDULE_DELAY=50", // milliseconds: export at once, not every 5 s
		"OTEL_TRACES_EXPORTER=", "OTEL_SDK_DISABLED=", "OTEL_TRACES_SAMPLER=",
	}, "serve", "--listen", addr, "--log-level", "debug", "--db", "sqlite:"+t.TempDir()+"/ak.db",
		"--kendo-url", k.URL(), "--kendo-api-key", kendoKey, "--settle", "1s", "--inbound-token", inboundToken)

	events := lifecycle(t, "outbound-940868616")
	var secrets = []string{kendoKey, inboundToken}
	callerParent := map[string]string{} // trace id → the caller's span id
	for i, raw := range events {
		secrets = append(secrets, phoneNumbers(raw)...)
		secrets = append(secrets, recordingURLs(raw)...)
		traceID, spanID := fmt.Sprintf("4bf92f3577b34da6a3ce929d0e0e47%02x", i), fmt.Sprintf("00f067aa0ba902%02x", i)
		callerParent[traceID] = spanID
		req, _ := http.NewRequest(http.MethodPost, p.base+"/push", bytes.NewReader(raw))
		req.Header.Set("Authorization", "Bearer "+inboundToken)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("traceparent", "00-"+traceID+"-"+spanID+"-01")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 202 {
			t.Fatalf("push %d: %d", i, resp.StatusCode)
		}
	}
	if len(secrets) < 4 {
		t.Fatalf("the fixture should carry phone numbers and a recording URL: %v", secrets)
	}
	waitFor(t, 30*time.Second, "delivery", func() bool {
		req, _ := http.NewRequest(http.MethodGet, p.base+"/calls/940868616", nil)
		req.Header.Set("Authorization", "Bearer "+inboundToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(body), `"status":"delivered"`)
	})
	waitFor(t, 30*time.Second, "the spans", func() bool {
		return len(receiver.named("intake")) == len(events) && len(receiver.named("deliver")) == 1 && len(receiver.named("kendo.push")) == 1
	})

	// One trace per event: the server span is the caller's child, the intake the server span's.
	servers := map[string]*tracepb.Span{} // by span id
	for _, s := range receiver.named("POST /push") {
		traceID := hex.EncodeToString(s.TraceId)
		if want, ok := callerParent[traceID]; !ok || hex.EncodeToString(s.ParentSpanId) != want {
			t.Errorf("POST /push span in trace %s with parent %x: not the caller's traceparent", traceID, s.ParentSpanId)
		}
		if s.Kind != tracepb.Span_SPAN_KIND_SERVER {
			t.Errorf("POST /push span of kind %v", s.Kind)
		}
		servers[string(s.SpanId)] = s
	}
	if len(servers) != len(events) {
		t.Errorf("%d POST /push spans, want %d", len(servers), len(events))
	}
	intakes := map[string]*tracepb.Span{} // by trace id + span id
	for _, s := range receiver.named("intake") {
		parent, ok := servers[string(s.ParentSpanId)]
		if !ok || !bytes.Equal(parent.TraceId, s.TraceId) {
			t.Errorf("intake span %x is not the child of a POST /push span", s.SpanId)
		}
		if attr(s, "aloware.call_id") != "940868616" || attr(s, "aloware.event") == "" {
			t.Errorf("intake span attributes: %v", s.Attributes)
		}
		intakes[string(s.TraceId)+string(s.SpanId)] = s
	}

	// The delivery: a trace of its own, linked to the intake that scheduled it.
	delivers := receiver.named("deliver")
	if len(delivers) != 1 {
		t.Fatalf("%d deliver spans, want 1", len(delivers))
	}
	deliver := delivers[0]
	if _, ok := callerParent[hex.EncodeToString(deliver.TraceId)]; ok || len(deliver.ParentSpanId) != 0 {
		t.Errorf("the deliver span should start a trace of its own: trace %x parent %x", deliver.TraceId, deliver.ParentSpanId)
	}
	if len(deliver.Links) != 1 {
		t.Fatalf("deliver span has %d links, want 1 (to the intake)", len(deliver.Links))
	}
	linked, ok := intakes[string(deliver.Links[0].TraceId)+string(deliver.Links[0].SpanId)]
	if !ok {
		t.Fatalf("deliver links to %x/%x, which is no intake span", deliver.Links[0].TraceId, deliver.Links[0].SpanId)
	}
	if got := attr(linked, "aloware_kendo.status"); got != "scheduled" {
		t.Errorf("the linked intake left the call %q, want the one that scheduled it", got)
	}
	if attr(deliver, "kendo.outcome") != "accepted" || attr(deliver, "kendo.status_code") != "201" || attr(deliver, "kendo.call_id") == "" {
		t.Errorf("deliver span attributes: %v", deliver.Attributes)
	}
	push := receiver.named("kendo.push")[0]
	if !bytes.Equal(push.TraceId, deliver.TraceId) || !bytes.Equal(push.ParentSpanId, deliver.SpanId) || push.Kind != tracepb.Span_SPAN_KIND_CLIENT {
		t.Errorf("kendo.push span is not the deliver span's client child: %v", push)
	}
	if probes := receiver.named("GET /readyz"); len(probes) != 0 {
		t.Errorf("%d spans of readiness probes, want none", len(probes))
	}
	if _, sent := kendoHeaders.Load("traceparent"); sent {
		t.Error("Kendo got a traceparent header")
	}

	// Nothing secret or personal anywhere in what was exported.
	receiver.mu.Lock()
	defer receiver.mu.Unlock()
	for _, s := range secrets {
		for _, kv := range receiver.attrs {
			if v := anyString(kv.Value); strings.Contains(v, s) {
				t.Errorf("attribute %s = %q holds %q", kv.Key, v, s)
			}
		}
		for _, body := range receiver.bodies {
			if bytes.Contains(body, []byte(s)) {
				t.Errorf("an export request holds %q", s)
			}
		}
	}
	if len(receiver.attrs) < 20 {
		t.Errorf("only %d attributes exported: the scan proves little", len(receiver.attrs))
	}
}
