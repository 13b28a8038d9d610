// Package ui is the ops page, GET /ui: the service's own server-rendered pages for an
// operator. Tiles for the last 24 hours, each Kendo key's window and backlog, a chart of
// deliveries per minute, the calls with the filters of GET /calls, a call's timeline,
// attempts and payload (phone numbers masked, recording URLs cut), the quarantine and
// the preflight checks; and the actions: redeliver, skip, erase, replay.
//
// Templates, CSS and the little JavaScript are embedded: the page needs no internet, no
// build step and no script to work (the script only adds progress and live refresh).
// Like package inbound it writes its own HTTP answers: its pages are HTML, not the API's
// problem+json.
package ui

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aloware-kendo/aloware-kendo/buildinfo"
	"github.com/aloware-kendo/aloware-kendo/mask"
	"github.com/aloware-kendo/aloware-kendo/preflight"
)

// Options build the ops page.
type Options struct {
	Engine Engine
	// ConfigChecks are the preflight checks of the configuration (the Aloware token,
	// inbound auth, the teams file), shown after the engine's; nil for none.
	ConfigChecks func(ctx context.Context) []preflight.Check
	Access       Access
	Logger       *slog.Logger     // slog.Default() when nil
	Now          func() time.Time // tests only
}

// engineTimeout bounds what one page asks of the engine; an action may touch many calls
// (a bulk redelivery) and the checks probe Kendo and Aloware over the network.
const (
	engineTimeout = 15 * time.Second
	actionTimeout = time.Minute
	checksTimeout = 45 * time.Second
)

// realm names the page's Basic challenge. It differs from the API's, so a browser keeps
// the page's credentials apart from any it was given for the API.
const realm = "aloware-kendo ops page"

type server struct {
	engine       Engine
	configChecks func(ctx context.Context) []preflight.Check
	gate         *gate
	log          *slog.Logger
	now          func() time.Time
	pages        map[string]*template.Template
	assets       *assets
	build        string
	past         pastDays // the Completeness panel's days before today, as last read
}

// New builds the handler for /ui and everything below it. It fails only on credentials
// that are not valid (config has checked them before).
func New(o Options) (http.Handler, error) {
	if o.Engine == nil {
		return nil, errors.New("ui: no engine")
	}
	g, err := newGate(o.Access)
	if err != nil {
		return nil, err
	}
	s := &server{engine: o.Engine, configChecks: o.ConfigChecks, gate: g, log: o.Logger, now: o.Now, assets: loadAssets()}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = slog.New(mask.Handler(s.log.Handler())) // an engine's error may quote a call's content
	if s.now == nil {
		s.now = time.Now
	}
	if s.pages, err = parsePages(s.assets); err != nil {
		return nil, err
	}
	info := buildinfo.Read()
	s.build = "aloware-kendo " + info.Version
	if r := info.ShortRevision(); r != "" {
		s.build += " · " + r
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /ui", s.overview)
	mux.HandleFunc("GET /ui/{$}", s.overview)
	mux.HandleFunc("GET /ui/calls/{id}", s.call)
	mux.HandleFunc("GET /ui/calls/{id}/status", s.callStatus)
	mux.HandleFunc("GET /ui/calls/{id}/erase", s.eraseConfirm)
	mux.HandleFunc("GET /ui/calls/{id}/redeliver", s.redeliverConfirm)
	mux.HandleFunc("POST /ui/calls/{id}/redeliver", s.redeliver)
	mux.HandleFunc("POST /ui/calls/{id}/skip", s.skip)
	mux.HandleFunc("POST /ui/calls/{id}/erase", s.erase)
	mux.HandleFunc("GET /ui/redeliver", s.bulkConfirm)
	mux.HandleFunc("POST /ui/redeliver", s.redeliverMany)
	mux.HandleFunc("POST /ui/route-again", s.routeAgain)
	mux.HandleFunc("GET /ui/progress", s.progress)
	mux.HandleFunc("GET /ui/quarantine", s.quarantine)
	mux.HandleFunc("POST /ui/quarantine/replay", s.replay)
	mux.HandleFunc("POST /ui/quarantine/{id}/discard", s.discardOne)
	mux.HandleFunc("POST /ui/quarantine/discard", s.discardAll)
	mux.HandleFunc("GET /ui/reps", s.reps)
	mux.HandleFunc("GET /ui/checks", s.checks)
	mux.HandleFunc("GET /ui/issues", s.issues)
	mux.HandleFunc("POST /ui/issues/redeliver", s.redeliverIssue)
	mux.HandleFunc("GET /ui/static/{file}", s.static)
	mux.HandleFunc("/ui/", s.notFound)

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(s.crossOrigin))
	return s.guard(cop.Handler(mux)), nil
}

// guard sets the headers every answer carries and lets through only who the gate allows.
func (s *server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Vary", "Authorization, Accept-Encoding")
		if _, ok := s.assets.static[strings.TrimPrefix(r.URL.Path, "/ui/static/")]; ok && strings.HasPrefix(r.URL.Path, "/ui/static/") {
			// The stylesheet and the script are the same for everyone and hold nothing
			// secret; serving them to all lets the 401 and 403 pages be readable too.
			next.ServeHTTP(w, r)
			return
		}
		switch s.gate.check(r) {
		case needCredentials:
			if s.gate.basic {
				h.Set("WWW-Authenticate", `Basic realm="`+realm+`", charset="UTF-8"`)
			}
			s.deny(w, r, http.StatusUnauthorized)
			return
		case notLoopback:
			s.deny(w, r, http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// layout is what every page's frame shows.
type layout struct {
	Title   string
	Section string
	Notice  *notice
	Build   string
	CSS, JS string
}

func (s *server) frame(title, section string, r *http.Request) layout {
	return layout{Title: title, Section: section, Notice: noticeOf(r.URL.Query()), Build: s.build,
		CSS: s.assets.url("ops.css"), JS: s.assets.url("ops.js")}
}

// render writes a page with status. The page is rendered into a buffer first, so a
// template error becomes a clean 500 instead of half a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	var b bytes.Buffer
	if err := s.pages[page].ExecuteTemplate(&b, "layout", data); err != nil {
		s.log.Error("ops page: rendering failed", "page", page, "error", err)
		http.Error(w, "the page could not be rendered; the service log says why", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Pages show call content (masked, but personal all the same): never kept by a cache.
	h.Set("Cache-Control", "no-store")
	writeBody(w, r, status, b.Bytes())
}

// writeBody sends body, gzipped when the client takes it and it is worth it.
func writeBody(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	if len(body) > 1024 && acceptsGzip(r) {
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.BestSpeed)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = z.Bytes()
		w.Header().Set("Content-Encoding", "gzip")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// messagePage is the frame around one message: denied, not found, unavailable.
type messagePage struct {
	layout
	Heading string
	Lines   []string
	Back    string
}

func (s *server) deny(w http.ResponseWriter, r *http.Request, status int) {
	p := messagePage{layout: s.frame("Access to the ops page", "", r), Heading: "You cannot open the ops page from here"}
	switch {
	case status == http.StatusForbidden:
		p.Lines = []string{
			"This service runs without credentials, so its ops page is served only to this machine (loopback) — and your request came from another one, or through a proxy.",
			"To open the page to others, start the service with --ui-basic user:pass (or ALOWARE_KENDO_UI_BASIC), or with --inbound-basic; the browser then asks for the user name and password.",
		}
	case s.gate.basic:
		p.Heading = "Sign in to open the ops page"
		p.Lines = []string{"The ops page needs the user name and password given to the service (--ui-basic, or else --inbound-basic). Reload the page to be asked again."}
	default:
		p.Lines = []string{
			"The ops page takes the service's inbound credentials, and this service has only a bearer token (--inbound-token), which a browser cannot send by itself.",
			"Start the service with --ui-basic user:pass (or ALOWARE_KENDO_UI_BASIC) for the page; API clients can keep using the token.",
		}
	}
	s.render(w, r, status, "message", p)
}

func (s *server) crossOrigin(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusForbidden, "message", messagePage{layout: s.frame("Refused", "", r),
		Heading: "Refused: this request came from another site",
		Lines:   []string{"Actions of the ops page are taken only from the page itself. Open /ui and use its buttons."},
		Back:    "/ui"})
}

func (s *server) notFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, "message", messagePage{layout: s.frame("Not found", "", r),
		Heading: "Nothing here", Lines: []string{"The ops page has no such address."}, Back: "/ui"})
}

// engineFailed logs what the engine said and answers in words without it: engine errors
// are for the operator's log, not for a page that may be open on a shared screen.
func (s *server) engineFailed(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.log.Warn("ops page: the engine failed", "what", what, "error", err)
	status := http.StatusServiceUnavailable
	if errors.Is(err, context.DeadlineExceeded) {
		status = http.StatusGatewayTimeout
	}
	s.render(w, r, status, "message", messagePage{layout: s.frame("Unavailable", "", r),
		Heading: "The engine could not answer", Lines: []string{"Reading " + what + " failed; the service log says why. Try again in a moment."}, Back: "/ui"})
}

func (s *server) ctx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), engineTimeout)
}

// parsePages builds one template set per page: the shared layout and partials, the
// parts (part-*.html, one file per part of a page), and the page's own "content".
func parsePages(a *assets) (map[string]*template.Template, error) {
	funcs := template.FuncMap{"asset": a.url}
	base, err := template.New("base").Funcs(funcs).ParseFS(a.fs, "templates/layout.html", "templates/partials.html", "templates/part-*.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(a.fs, "templates/page-*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		t, err := template.Must(base.Clone()).ParseFS(a.fs, n)
		if err != nil {
			return nil, err
		}
		pages[strings.TrimSuffix(strings.TrimPrefix(n, "templates/page-"), ".html")] = t
	}
	return pages, nil
}
