package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// readyTimeout bounds the database ping of /readyz, so a hung database makes the
// probe fail instead of hang.
const readyTimeout = 3 * time.Second

// Health is the body of /healthz and /readyz.
type Health struct {
	Status string `json:"status" enum:"ok,ready" doc:"ok (alive) or ready (can take work)" example:"ok"`
}

type statusOutput struct {
	Body Health
}

func statusBody(s string) *statusOutput { return &statusOutput{Body: Health{Status: s}} }

func registerOperations(api huma.API, s *server) {
	huma.Register(api, huma.Operation{
		OperationID: "get-health",
		Method:      http.MethodGet,
		Path:        "/healthz",
		Summary:     "Liveness",
		Description: "200 while the process serves HTTP. It checks nothing else, so an orchestrator restarts only a hung process. Never asks for credentials.",
		Tags:        []string{"operations"},
		Security:    open,
	}, func(context.Context, *struct{}) (*statusOutput, error) { return statusBody("ok"), nil })

	huma.Register(api, huma.Operation{
		OperationID: "get-readiness",
		Method:      http.MethodGet,
		Path:        "/readyz",
		Summary:     "Readiness",
		Description: "200 when the service can take events now: a write to the database would succeed (a cheap write " +
			"probe, its result cached for a few seconds, so a full disk, a read-only database or a dropped PostgreSQL " +
			"database shows here and clears by itself when the fault does) and the service is not shutting down. " +
			"503 otherwise, from the moment a shutdown begins, so a load balancer stops sending events first. " +
			"Never asks for credentials.",
		Tags:     []string{"operations"},
		Errors:   []int{http.StatusServiceUnavailable},
		Security: open,
	}, s.ready)

	huma.Register(api, huma.Operation{
		OperationID: "get-metrics",
		Method:      http.MethodGet,
		Path:        "/metrics",
		Summary:     "Prometheus metrics",
		Description: "Prometheus text format: intake, delivery and HTTP metrics. Open unless the service runs with `--metrics-auth`.",
		Tags:        []string{"operations"},
		Errors:      []int{http.StatusUnauthorized},
		Responses: map[string]*huma.Response{"200": {
			Description: "Metrics in the Prometheus text exposition format",
			Content:     map[string]*huma.MediaType{"text/plain": {Schema: &huma.Schema{Type: "string"}}},
		}},
		// Optional: the empty requirement means "no credentials" is acceptable too.
		Security: append([]map[string][]string{{}}, protected...),
	}, s.metrics)
}

func (s *server) ready(ctx context.Context, _ *struct{}) (*statusOutput, error) {
	if s.deps.stopping() {
		return nil, huma.Error503ServiceUnavailable("shutting down")
	}
	if s.deps.Intake == nil {
		return nil, huma.Error503ServiceUnavailable("delivery is not configured in this process")
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := s.deps.Intake.Ready(ctx); err != nil {
		s.log.Warn("readyz: not ready", "error", err)
		return nil, huma.Error503ServiceUnavailable("the database cannot take a write now")
	}
	return statusBody("ready"), nil
}

func (s *server) metrics(context.Context, *struct{}) (*huma.StreamResponse, error) {
	g := s.deps.Gatherer
	if g == nil {
		g = prometheus.DefaultGatherer
	}
	h := promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorLog: slogPrinter{s}})
	return &huma.StreamResponse{Body: func(ctx huma.Context) {
		r, w := humago.Unwrap(ctx)
		h.ServeHTTP(w, r)
	}}, nil
}

// slogPrinter lets promhttp report gathering errors through our logger.
type slogPrinter struct{ s *server }

func (p slogPrinter) Println(v ...any) { p.s.log.Error("metrics", "error", v) }
