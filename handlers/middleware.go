package handlers

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// writeProblem writes an RFC 9457 problem outside huma (404s, panics), shaped exactly
// like huma's own errors.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(&huma.ErrorModel{Title: http.StatusText(status), Status: status, Detail: detail})
}

// recoverPanics turns a panic into a logged 500 problem instead of a dropped
// connection. http.ErrAbortHandler is re-raised: it is net/http's own signal.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &statusWriter{ResponseWriter: w}
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(p)
			}
			log.Error("panic while serving a request", "method", r.Method, "path", r.URL.Path,
				"panic", p, "stack", string(debug.Stack()))
			if rw.status == 0 { // nothing written yet: the client can still get an answer
				writeProblem(rw, http.StatusInternalServerError, "internal error; it was logged")
			}
		}()
		next.ServeHTTP(rw, r)
	})
}

// statusWriter remembers whether the header went out, so recovery does not write twice.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer (deadlines, flush).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// requestMetrics records each operation's duration and status. The histogram is shared
// when several handlers register on one registry (tests, several servers).
func requestMetrics(reg prometheus.Registerer) func(huma.Context, func(huma.Context)) {
	hist := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "aloware_kendo_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by operation and status code.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300},
	}, []string{"operation", "code"})
	hist = registered(reg, hist)
	return func(ctx huma.Context, next func(huma.Context)) {
		start := time.Now()
		next(ctx)
		op := "unknown"
		if o := ctx.Operation(); o != nil && o.OperationID != "" {
			op = o.OperationID
		}
		status := ctx.Status()
		if status == 0 {
			status = http.StatusOK
		}
		hist.WithLabelValues(op, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
	}
}

// bodyRefusals counts the bodies refused before or while reading them, by status: 413
// (too large), 503 (the body budget is spent), 408 (too slow), 400 (cut short).
func bodyRefusals(reg prometheus.Registerer) func(status int) {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "aloware_kendo_http_body_refusals_total",
		Help: "Request bodies refused before or while reading them, by status code (503: the body memory budget was spent).",
	}, []string{"code"})
	c = registered(reg, c)
	return func(status int) { c.WithLabelValues(strconv.Itoa(status)).Inc() }
}

// registered registers c on reg, or answers the collector registered there before under
// the same name: several handlers may share one registry (tests, several servers).
func registered[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			return are.ExistingCollector.(C)
		}
	}
	return c
}
