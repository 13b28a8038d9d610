// Package emulator is a local stand-in for KendoAI's Push API. It enforces the
// rules Kendo documents (5 MiB body, an API key, 30 requests per rolling minute per
// key, a transcript or an audioUrl, a valid rep e-mail) and keeps what it accepted in
// memory so a person or a test can see exactly what Kendo would have received.
package emulator

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// IngestPath is Kendo's real path; /ingest and / are accepted too, so
// --kendo-url can point at the emulator's bare address.
const IngestPath = "/api/integrations/push-api/ingest"

// Options configure an Emulator. The zero value is usable.
type Options struct {
	Rate   kendo.Rate       // per-key limit; zero = kendo.DefaultRate (30/min)
	Keys   []string         // accepted keys; empty = any key matching ^pk_[A-Za-z0-9_-]{4,}$
	Now    func() time.Time // clock for windows and receivedAt; nil = time.Now
	Logger *slog.Logger     // one line per ingest answer; nil = silent
	// Webhook, when it has a URL, sends a signed call.uploaded for every accepted call.
	Webhook Webhook
}

// Accepted is one call the emulator answered 201 to.
type Accepted struct {
	KendoCallID string          `json:"callId"`
	ReceivedAt  time.Time       `json:"receivedAt"`
	KeyID       string          `json:"keyId"`   // kendo.KeyID of the key; never the key itself
	Payload     json.RawMessage `json:"payload"` // the body as received (an apiKey field redacted)
}

// Emulator is an http.Handler serving the Push API plus inspection routes.
type Emulator struct {
	rate   kendo.Rate
	keys   []string
	now    func() time.Time
	log    *slog.Logger
	routes *http.ServeMux

	webhook    Webhook
	hookClient *http.Client
	ctx        context.Context // ends at Close: pending webhooks stop
	stop       context.CancelFunc
	sending    sync.WaitGroup

	mu       sync.Mutex
	windows  *windows
	calls    []Accepted
	answered map[int]int
	hooks    []*WebhookDelivery
}

// New builds an Emulator; see Options for defaults.
func New(opts Options) *Emulator {
	e := &Emulator{rate: opts.Rate, now: opts.Now, log: opts.Logger, answered: map[int]int{}}
	if !e.rate.Valid() {
		e.rate = kendo.DefaultRate
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	for _, k := range opts.Keys {
		if k = strings.TrimSpace(k); k != "" {
			e.keys = append(e.keys, k)
		}
	}
	e.windows = newWindows(e.rate)
	e.webhook, e.hookClient = opts.Webhook, opts.Webhook.Client
	if e.hookClient == nil {
		e.hookClient = &http.Client{Timeout: 10 * time.Second}
	}
	e.ctx, e.stop = context.WithCancel(context.Background())

	m := http.NewServeMux()
	m.HandleFunc("POST "+IngestPath, e.ingest)
	m.HandleFunc("POST /ingest", e.ingest)
	m.HandleFunc("POST /{$}", e.ingest)
	m.HandleFunc("GET /calls", e.listCalls)
	m.HandleFunc("DELETE /calls", e.clearCalls)
	m.HandleFunc("GET /stats", e.stats)
	m.HandleFunc("GET /webhooks", e.listWebhooks)
	m.HandleFunc("POST /webhooks/test", e.sendTest)
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, map[string]string{"status": "ok"}) })
	m.HandleFunc("GET /{$}", e.about)
	e.routes = m
	return e
}

// ServeHTTP routes to ingest and the inspection endpoints.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { e.routes.ServeHTTP(w, r) }

// Calls returns the accepted calls in arrival order (a copy).
func (e *Emulator) Calls() []Accepted {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := slices.Clone(e.calls)
	for i := range out {
		out[i].Payload = slices.Clone(out[i].Payload)
	}
	return out
}

// Answered counts ingest requests answered with status since start or Reset.
func (e *Emulator) Answered(status int) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.answered[status]
}

// Reset forgets accepted calls, status counts and the list of webhooks (pending ones
// are still sent). Rate windows keep running, as they would at Kendo: clearing the list
// must not hand out fresh quota.
func (e *Emulator) Reset() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := len(e.calls)
	e.calls, e.answered, e.hooks = nil, map[int]int{}, nil
	return n
}

func (e *Emulator) listCalls(w http.ResponseWriter, _ *http.Request) {
	calls := e.Calls()
	if calls == nil {
		calls = []Accepted{} // [] rather than null for readers
	}
	writeJSON(w, http.StatusOK, calls)
}

func (e *Emulator) clearCalls(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]int{"deleted": e.Reset()})
}

func (e *Emulator) stats(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	by, total := map[string]int{}, 0
	for status, n := range e.answered {
		by[strconv.Itoa(status)] = n
		total += n
	}
	accepted := len(e.calls)
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"requests": total, "accepted": accepted, "byStatus": by})
}

func (e *Emulator) about(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"service": "kendo-emulator",
		"rate":    e.rate.String(),
		"routes": []string{
			"POST " + IngestPath + " (also POST /ingest, POST /)",
			"GET /calls", "DELETE /calls", "GET /stats", "GET /healthz",
			"GET /webhooks", "POST /webhooks/test",
		},
		"webhook": e.webhook.URL != "",
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
