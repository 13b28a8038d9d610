// Package handlers is the HTTP edge of aloware-kendo: the huma operations, their
// OpenAPI description, problem+json errors, authentication wiring and /metrics. It is
// the only package that knows HTTP status codes.
package handlers

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/apidocs"
	"github.com/aloware-kendo/aloware-kendo/mask"
)

// MaxWait caps /push?wait=: long enough for a settle time plus Kendo's answer, short
// enough for the HTTP clients of n8n, Make and Zapier.
const MaxWait = 5 * time.Minute

// Authenticator guards the protected routes (*inbound.Authenticator implements it).
type Authenticator interface {
	Enabled() bool
	Middleware(next http.Handler, open func(path string) bool) http.Handler
}

// Deps is what the edge is built from. Every field may be left zero: a nil Intake makes
// /push and /readyz answer 503, a nil Operator the operator routes (GET /calls and
// /calls/{id}, redelivery, skip, erase, the quarantine), a nil Auth leaves every route open.
type Deps struct {
	Intake      Intake
	Mapper      Mapper // POST /map with the service's rep lookup and teams; the pure mapping when nil
	Operator    Operator
	Auth        Authenticator
	MetricsAuth bool                  // /metrics needs the inbound credentials too
	Gatherer    prometheus.Gatherer   // what /metrics serves; prometheus.DefaultGatherer when nil
	Registerer  prometheus.Registerer // where the HTTP metrics go; none when nil
	Logger      *slog.Logger          // slog.Default() when nil
	// UI is the ops page (package ui), served at /ui and below. It checks its own access
	// (--ui-basic, else the inbound credentials, else loopback clients only).
	UI http.Handler
	// Stopping is closed when shutdown begins: /readyz answers 503 from then on, and a
	// /push?wait= stops waiting and answers with the stored status.
	Stopping <-chan struct{}
	// KendoWebhook serves POST /kendo/webhook, which is refused while it has no secret.
	KendoWebhook KendoWebhook

	// AllowedHosts are the Host names (and addresses, CIDR ranges, "*.suffix" patterns)
	// answered besides loopback ones while no inbound credentials are configured
	// (--allowed-hosts).
	AllowedHosts []string

	// BodyMemory is how many bytes the bodies of authenticated routes may hold in
	// memory at once (--body-memory-mb; its default when 0). A body that does not fit
	// is a 503 with Retry-After before any of it is read. Open routes have a small
	// budget of their own (openBodyMemory).
	BodyMemory int64
}

func (d Deps) stopping() bool {
	select {
	case <-d.Stopping: // a nil channel never fires
		return true
	default:
		return false
	}
}

// logger masks what it writes: an error may quote a call's content.
func (d Deps) logger() *slog.Logger {
	if d.Logger == nil {
		return slog.New(mask.Handler(slog.Default().Handler()))
	}
	return slog.New(mask.Handler(d.Logger.Handler()))
}

// New builds the service's HTTP handler: every operation, /metrics, JSON 404/405s,
// authentication on the protected routes, the browser guards (guard.go), and panic
// recovery around all of it.
func New(d Deps) http.Handler {
	mux := http.NewServeMux()
	api := NewAPI(mux)
	Register(api, d)
	mux.Handle("GET /docs", apidocs.Handler(api.OpenAPI()))
	if d.UI != nil {
		mux.Handle("/ui", d.UI)
		mux.Handle("/ui/", d.UI)
	}
	mux.HandleFunc("/", notFound(mux))

	var h http.Handler = mux
	if d.Auth != nil && d.Auth.Enabled() {
		h = d.Auth.Middleware(h, OpenPath(d.MetricsAuth))
	}
	h = guardCrossOrigin(h)
	if d.Auth == nil || !d.Auth.Enabled() {
		h = guardHost(h, d.AllowedHosts)
	}
	return recoverPanics(d.logger(), h)
}

// OpenPath reports which paths need no inbound credentials: health, readiness, the docs,
// the spec, Kendo's webhook (its signature is its authentication), /metrics unless
// metricsAuth, and the ops page, which checks access itself.
func OpenPath(metricsAuth bool) func(path string) bool {
	return func(path string) bool {
		switch path {
		case "/healthz", "/readyz", "/docs", "/ui", KendoWebhookPath:
			return true
		case "/metrics":
			return !metricsAuth
		}
		return strings.HasPrefix(path, "/openapi") || strings.HasPrefix(path, "/ui/")
	}
}

// protected is the security requirement of every operation behind the inbound
// credentials: either scheme will do.
var protected = []map[string][]string{{bearerScheme: {}}, {basicScheme: {}}}

// Register adds every operation to api, behind the request-body budget. With zero Deps
// the operations still register, so the OpenAPI document can be printed without a
// database.
func Register(api huma.API, d Deps) {
	s := &server{deps: d, log: d.logger(), bodies: newBodies(d.BodyMemory, OpenPath(d.MetricsAuth))}
	api.UseMiddleware(s.bodies.middleware(api), s.nameRequester)
	if d.Registerer != nil {
		s.bodies.refuse = bodyRefusals(d.Registerer)
		// Innermost: the middlewares above hand on a new context (huma.WithValue), and
		// the status the operation sets is on the one it gets.
		api.UseMiddleware(requestMetrics(d.Registerer))
	}
	registerTools(api, s)
	registerCalls(api, s)
	registerOperatorRoutes(api, s)
	registerOperations(api, s)
	registerKendoWebhook(api, s)
	finishSpec(api.OpenAPI())
}

// server holds the dependencies the operation handlers share.
type server struct {
	deps   Deps
	log    *slog.Logger
	bodies *bodies
}

// notFound answers unknown routes with problem+json instead of ServeMux's plain text,
// and tells a wrong method (405 with Allow) from an unknown path (404).
func notFound(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeProblem(w, http.StatusMethodNotAllowed, "use "+strings.Join(allow, " or ")+" on "+r.URL.Path)
			return
		}
		writeProblem(w, http.StatusNotFound, "no route "+r.URL.Path+"; see /docs")
	}
}
