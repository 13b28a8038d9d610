package ui

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/mask"
	"github.com/aloware-kendo/aloware-kendo/refusal"
)

type overviewPage struct {
	layout
	Now       string
	Overview  bool // the engine answered the overview
	Tiles     []tileView
	Keys      []keyView
	Paused    []keyView
	Chart     *chartView
	Filter    filterForm
	Statuses  []string
	Rows      []rowView
	ListError string
	Next      string // link to the next (older) page
	First     string // link back to the newest page, when not on it
	Here      string // this list's address, for the actions to come back to
	BulkQuery url.Values
}

func (s *server) overview(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	now := s.now().UTC()
	form, filter := parseFilter(r.URL.Query())
	p := overviewPage{layout: s.frame("Ops", "overview", r), Now: fmtTime(now), Filter: form}
	for _, st := range lifecycle.CallStatuses() {
		p.Statuses = append(p.Statuses, string(st))
	}

	if ov, err := s.engine.Overview(ctx); err != nil {
		s.log.Warn("ops page: the engine failed", "what", "overview", "error", err)
	} else {
		p.Overview = true
		p.Tiles = overviewTiles(ov, now)
		p.Keys = keyViews(ov.Keys)
		for _, k := range p.Keys {
			if k.Paused {
				p.Paused = append(p.Paused, k)
			}
		}
		p.Chart = buildChart(ov.PerMinute, limitPerMinute(ov.Keys))
	}

	here := form.values()
	p.BulkQuery = here
	p.Here = "/ui"
	if len(here) > 0 {
		p.Here += "?" + here.Encode()
	}
	if len(form.Errors) > 0 {
		p.ListError = "Fix the filter: " + strings.Join(form.Errors, "; ") + "."
	} else if page, err := s.engine.ListCalls(ctx, filter); errors.Is(err, delivery.ErrBadCursor) {
		refused, _ := refusal.Of(err)
		p.ListError = refused.Notice
		p.First = p.Here + "#calls"
	} else if err != nil {
		s.log.Warn("ops page: the engine failed", "what", "calls", "error", err)
		p.ListError = "The calls could not be read; the service log says why."
	} else {
		p.Rows = rowViews(page.Items, now)
		if page.Next != "" {
			next := form.values()
			next.Set("cursor", page.Next)
			p.Next = "/ui?" + next.Encode() + "#calls"
		}
		if form.Cursor != "" {
			p.First = p.Here + "#calls"
		}
	}
	s.render(w, r, http.StatusOK, "overview", p)
}

type callPage struct {
	layout
	Link        string
	Rec         recordView
	Timeline    []timelineEntry
	Attempts    []attemptView
	Payload     *payloadView
	PayloadNote string
}

// callID reads the path's id. An id no call can have (empty, too long, control
// characters) is answered like an unknown one, without asking the engine.
func callID(r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if id == "" || len(id) > 64 {
		return "", false
	}
	for _, c := range id {
		if c < 0x20 || c == 0x7f {
			return "", false
		}
	}
	return id, true
}

func (s *server) call(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	id, rec, ok := s.readCall(ctx, w, r)
	if !ok {
		return
	}
	p := callPage{layout: s.frame("Call "+id, "call", r), Link: callPath(id), Rec: recordViewOf(rec), Timeline: timeline(rec), Attempts: attemptViews(rec.AttemptLog)}
	if rec.Payload != nil {
		p.Payload = payloadViewOf(*rec.Payload, rec.Status)
	} else {
		p.PayloadNote = "The call's content is no longer stored (purged after the retention time, or erased); its ids, status and history stay."
	}
	s.render(w, r, http.StatusOK, "call", p)
}

// readCall reads the call the path names, or answers the page that says why it cannot
// (no such call, or the engine failing) and reports false.
func (s *server) readCall(ctx context.Context, w http.ResponseWriter, r *http.Request) (string, delivery.CallRecord, bool) {
	id, ok := callID(r)
	if !ok {
		s.callNotFound(w, r)
		return "", delivery.CallRecord{}, false
	}
	rec, err := s.engine.Call(ctx, id)
	switch {
	case errors.Is(err, delivery.ErrNotFound):
		s.callNotFound(w, r)
		return "", delivery.CallRecord{}, false
	case err != nil:
		s.engineFailed(w, r, "the call", err)
		return "", delivery.CallRecord{}, false
	}
	return id, rec, true
}

func (s *server) callNotFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, "message", messagePage{layout: s.frame("Call not found", "", r),
		Heading: "No such call", Lines: []string{"No event of this call id was ever received."}, Back: "/ui"})
}

// callStatus is the little JSON the call page polls while the call waits, to reload
// itself when the status changes.
func (s *server) callStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := callID(r)
	if !ok {
		writeJSON(w, r, http.StatusNotFound, map[string]string{"error": "not found"})
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	rec, err := s.engine.Call(ctx, id)
	switch {
	case errors.Is(err, delivery.ErrNotFound):
		writeJSON(w, r, http.StatusNotFound, map[string]string{"error": "not found"})
	case err != nil:
		s.log.Warn("ops page: the engine failed", "what", "call status", "error", err)
		writeJSON(w, r, http.StatusServiceUnavailable, map[string]string{"error": "unavailable"})
	default:
		writeJSON(w, r, http.StatusOK, map[string]any{"status": rec.Status, "attempts": rec.Attempts, "updatedAt": isoTime(rec.UpdatedAt)})
	}
}

type erasePage struct {
	layout
	ID, Link, Status string
}

func (s *server) eraseConfirm(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	id, rec, ok := s.readCall(ctx, w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "erase", erasePage{layout: s.frame("Erase call "+id, "call", r), ID: id, Link: callPath(id), Status: string(rec.Status)})
}

type quarantinePage struct {
	layout
	Items       []quarantineView
	Total       int
	Bytes       string
	Next, First string
	Unavailable bool
}

func (s *server) quarantine(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	cursor := r.URL.Query().Get("cursor")
	if len(cursor) > maxCursor {
		cursor = ""
	}
	p := quarantinePage{layout: s.frame("Quarantine", "quarantine", r)}
	page, err := s.engine.Quarantine(ctx, delivery.DefaultListLimit, cursor)
	if err != nil {
		s.log.Warn("ops page: the engine failed", "what", "quarantine", "error", err)
		p.Unavailable = true
	} else {
		p.Items, p.Total, p.Bytes = quarantineViews(page.Items), page.Total, fmtBytes(page.Bytes)
		if page.Next != "" {
			p.Next = "/ui/quarantine?" + url.Values{"cursor": {page.Next}}.Encode()
		}
		if cursor != "" {
			p.First = "/ui/quarantine"
		}
	}
	s.render(w, r, http.StatusOK, "quarantine", p)
}

type checksPage struct {
	layout
	Checks []checkView
	Failed int
	Took   string
}

type checkView struct {
	Name, Detail string
	OK           bool
}

func (s *server) checks(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), checksTimeout)
	defer cancel()
	start := time.Now()
	p := checksPage{layout: s.frame("Preflight checks", "checks", r)}
	checks := s.engine.Checks(ctx)
	if s.configChecks != nil {
		checks = append(checks, s.configChecks(ctx)...)
	}
	for _, c := range checks {
		p.Checks = append(p.Checks, checkView{Name: c.Name, Detail: mask.Text(c.Detail), OK: c.OK})
		if !c.OK {
			p.Failed++
		}
	}
	p.Took = fmtDuration(time.Since(start).Round(100 * time.Millisecond))
	s.render(w, r, http.StatusOK, "checks", p)
}

func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	writeBody(w, r, status, b)
}
