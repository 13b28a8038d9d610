package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/refusal"
)

// Every action is a POST from a form of the page (cross-site ones are refused before
// they get here), answered with a redirect to a page that says what happened.

// maxFormBytes bounds a form's body: the page's forms carry a few short fields.
const maxFormBytes = 16 << 10

// redeliver sends one call again. A call Kendo may already have is sent only from its
// confirmation page (the form carries the operator's confirmation); asked from anywhere
// else, it goes to that page instead.
func (s *server) redeliver(w http.ResponseWriter, r *http.Request) {
	s.callAction(w, r, "redelivered", func(ctx context.Context, id string) error {
		opts := delivery.RedeliverOptions{IncludeOutcomeUnknown: confirmedOutcomeUnknown(r.PostForm)}
		_, err := s.engine.Redeliver(ctx, id, opts, s.gate.actor(r))
		return err
	})
}

func (s *server) skip(w http.ResponseWriter, r *http.Request) {
	s.callAction(w, r, "skipped", func(ctx context.Context, id string) error {
		_, err := s.engine.Skip(ctx, id, s.gate.actor(r))
		return err
	})
}

func (s *server) erase(w http.ResponseWriter, r *http.Request) {
	s.callAction(w, r, "erased", func(ctx context.Context, id string) error {
		_, err := s.engine.Erase(ctx, id, s.gate.actor(r))
		return err
	})
}

// callAction runs one call's action and redirects back: to the list it came from (the
// form's "return"), or to the call's page.
func (s *server) callAction(w http.ResponseWriter, r *http.Request, done string, act func(ctx context.Context, id string) error) {
	id, ok := callID(r)
	if !ok {
		s.callNotFound(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	_ = r.ParseForm()
	back := returnPath(r.PostForm.Get("return"), callPath(id))
	ctx, cancel := context.WithTimeout(r.Context(), actionTimeout)
	defer cancel()
	err := act(ctx, id)
	refused, isRefusal := refusal.Of(err)
	switch {
	case err == nil:
		s.log.Info("ops page: "+done, "alowareCallId", id, "by", s.gate.actor(r))
		http.Redirect(w, r, noticeURL(back, done), http.StatusSeeOther)
	case errors.Is(err, delivery.ErrOutcomeUnknown): // the engine asks for the operator's word first, on its own page
		http.Redirect(w, r, withQuery(callPath(id)+"/redeliver", url.Values{"return": {back}}), http.StatusSeeOther)
	case isRefusal: // the notice says what the API's answer says
		http.Redirect(w, r, errorURL(back, refused.Code), http.StatusSeeOther)
	default:
		s.log.Warn("ops page: the engine failed", "what", done, "alowareCallId", id, "error", err)
		http.Redirect(w, r, errorURL(back, "engine"), http.StatusSeeOther)
	}
}

// returnPath accepts only a path of the ops page itself, so a form cannot be made to
// redirect anywhere else.
func returnPath(p, fallback string) string {
	if !strings.HasPrefix(p, "/ui") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return fallback
	}
	u, err := url.Parse(p)
	if err != nil || u.Host != "" || u.Scheme != "" || (u.Path != "/ui" && !strings.HasPrefix(u.Path, "/ui/")) {
		return fallback
	}
	q := u.Query()
	for _, k := range []string{"done", "error", "n1", "n2", "from"} {
		q.Del(k) // the previous action's notice
	}
	u.RawQuery, u.Fragment = q.Encode(), ""
	return u.String()
}

// redeliverMany queues every failed call of the filter the form carries — those Kendo
// may already have only when the form confirms it — then shows the list with the result
// and the progress as they go out.
func (s *server) redeliverMany(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	_ = r.ParseForm()
	filter, problems := bulkFilter(r.PostForm)
	form, _ := parseFilter(r.PostForm)
	back := "/ui"
	if v := form.values(); len(v) > 0 {
		back += "?" + v.Encode()
	}
	if len(problems) > 0 {
		http.Redirect(w, r, errorURL(back, "bad-filter"), http.StatusSeeOther)
		return
	}
	from := s.now().UTC()
	ctx, cancel := context.WithTimeout(r.Context(), actionTimeout)
	defer cancel()
	if r.PostForm.Get(includeField) != "" && !confirmedOutcomeUnknown(r.PostForm) {
		http.Redirect(w, r, errorURL(back, "not-confirmed"), http.StatusSeeOther)
		return
	}
	opts := delivery.BulkOptions{IncludeOutcomeUnknown: confirmedOutcomeUnknown(r.PostForm)}
	res, err := s.engine.RedeliverMany(ctx, filter, opts, s.gate.actor(r))
	if err != nil {
		s.log.Warn("ops page: the engine failed", "what", "bulk redelivery", "error", err)
		http.Redirect(w, r, errorURL(back, "engine"), http.StatusSeeOther)
		return
	}
	s.log.Info("ops page: bulk redelivery", "matched", res.Matched, "queued", res.Queued, "includeOutcomeUnknown", opts.IncludeOutcomeUnknown,
		"by", s.gate.actor(r))
	target := withQuery(noticeURL(back, "bulk", res.Queued, res.Matched, res.Excluded[delivery.ExcludedOutcomeUnknown]),
		url.Values{"from": {strconv.FormatInt(from.UnixMilli(), 10)}})
	http.Redirect(w, r, target+"#notice", http.StatusSeeOther)
}

// progressPages bounds how much of a big bulk redelivery one poll reads (at the largest
// page size, 10,000 calls).
const progressPages = 20

// bulkProgress is what the page polls after a bulk redelivery: of the calls the filter
// covers that changed since the bulk began (which every call it queued did), how many
// went out, failed again, or still wait.
type bulkProgress struct {
	Queued    int  `json:"queued"`
	Delivered int  `json:"delivered"`
	Failed    int  `json:"failed"`
	InQueue   int  `json:"inQueue"`
	Done      bool `json:"done"`
	Partial   bool `json:"partial,omitempty"` // more calls than one poll reads: the counts are a lower bound
}

func (s *server) progress(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	form, filter := parseFilter(q)
	ms, err := strconv.ParseInt(q.Get("from"), 10, 64)
	queued, qerr := strconv.Atoi(q.Get("queued"))
	if len(form.Errors) > 0 || err != nil || qerr != nil || queued < 0 {
		writeJSON(w, r, http.StatusBadRequest, map[string]string{"error": "bad progress query"})
		return
	}
	from := time.UnixMilli(ms).UTC()
	filter.Statuses = []lifecycle.Status{lifecycle.Scheduled, lifecycle.Delivering, lifecycle.Delivered, lifecycle.Analyzed, lifecycle.Failed}
	filter.UpdatedSince = from // what the bulk queued, and what went out or failed since
	filter.Limit = delivery.MaxListLimit
	filter.Cursor = ""
	ctx, cancel := s.ctx(r)
	defer cancel()
	p := bulkProgress{Queued: queued}
	for range progressPages {
		page, err := s.engine.ListCalls(ctx, filter)
		if err != nil {
			s.log.Warn("ops page: the engine failed", "what", "bulk progress", "error", err)
			writeJSON(w, r, http.StatusServiceUnavailable, map[string]string{"error": "unavailable"})
			return
		}
		for _, c := range page.Items {
			switch {
			case c.Status.Queued():
				p.InQueue++
			case c.Status.Sent():
				p.Delivered++
			case c.Status == lifecycle.Failed:
				p.Failed++
			}
		}
		if filter.Cursor = page.Next; page.Next == "" {
			break
		}
	}
	p.Partial = filter.Cursor != ""
	p.Done = p.InQueue == 0 || p.Delivered+p.Failed >= p.Queued
	writeJSON(w, r, http.StatusOK, p)
}

func (s *server) replay(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), actionTimeout)
	defer cancel()
	res, err := s.engine.ReplayQuarantine(ctx, s.gate.actor(r))
	if err != nil {
		s.log.Warn("ops page: the engine failed", "what", "quarantine replay", "error", err)
		http.Redirect(w, r, errorURL("/ui/quarantine", "engine"), http.StatusSeeOther)
		return
	}
	s.log.Info("ops page: quarantine replayed", "replayed", res.Replayed, "remaining", res.Remaining, "by", s.gate.actor(r))
	http.Redirect(w, r, noticeURL("/ui/quarantine", "replayed", res.Replayed, res.Remaining), http.StatusSeeOther)
}
