package ui

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/aloware-kendo/aloware-kendo/delivery"
)

// A redelivery re-sends a call that Kendo may already have (its outcome is unknown: a
// request reached Kendo and no answer was recorded) only when the operator confirmed
// exactly that. Bulk redelivery is previewed first: a dry run counts what it would
// queue, and the page shows those counts before anything is sent.

// The form fields that confirm the risk: the action that includes outcome-unknown calls
// carries includeField=includeValue, and the operator ticks confirmField.
const (
	includeField = "outcome-unknown"
	includeValue = "include"
	confirmField = "confirm"
	confirmValue = "kendo-checked"
)

// confirmedOutcomeUnknown reports whether a form asks to include outcome-unknown calls
// and the operator confirmed it.
func confirmedOutcomeUnknown(form url.Values) bool {
	return form.Get(includeField) == includeValue && form.Get(confirmField) == confirmValue
}

type bulkPage struct {
	layout
	Query       url.Values // the filter, carried by both forms
	Back        string
	Matched     int
	Queued      int // queued without the outcome-unknown calls
	Unknown     int // outcome-unknown calls, queued only by the confirmed action
	Others      []string
	Unavailable bool
}

// bulkConfirm previews a bulk redelivery of the filter's failed calls with a dry run,
// and offers the redelivery itself and, apart, the confirmed one that also re-sends the
// calls Kendo may already have.
func (s *server) bulkConfirm(w http.ResponseWriter, r *http.Request) {
	filter, problems := bulkFilter(r.URL.Query())
	form, _ := parseFilter(r.URL.Query())
	p := bulkPage{layout: s.frame("Redeliver failed calls", "overview", r), Query: form.values(), Back: "/ui"}
	if len(p.Query) > 0 {
		p.Back += "?" + p.Query.Encode()
	}
	if len(problems) > 0 {
		http.Redirect(w, r, errorURL(p.Back, "bad-filter"), http.StatusSeeOther)
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	res, err := s.engine.RedeliverMany(ctx, filter, delivery.BulkOptions{DryRun: true}, s.gate.actor(r))
	if err != nil {
		s.log.Warn("ops page: the engine failed", "what", "bulk redelivery preview", "error", err)
		p.Unavailable = true
		s.render(w, r, http.StatusServiceUnavailable, "bulk", p)
		return
	}
	p.Matched, p.Queued, p.Unknown = res.Matched, res.Queued, res.Excluded[delivery.ExcludedOutcomeUnknown]
	for _, reason := range slices.Sorted(maps.Keys(res.Excluded)) {
		if reason != delivery.ExcludedOutcomeUnknown && res.Excluded[reason] > 0 {
			p.Others = append(p.Others, excludedText(reason, res.Excluded[reason]))
		}
	}
	s.render(w, r, http.StatusOK, "bulk", p)
}

func excludedText(reason string, n int) string {
	switch reason {
	case delivery.ExcludedUnrouted:
		return plural(n, "stays", "stay") + " unrouted: no team of the teams file takes it"
	case delivery.ExcludedPurged:
		return plural(n, "has", "have") + " no content left to send (purged or erased)"
	default:
		return plural(n, "is", "are") + " no longer failed, or never had anything to send"
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 call " + one
	}
	return strconv.Itoa(n) + " calls " + many
}

type redeliverPage struct {
	layout
	ID, Link, Return string
}

// redeliverConfirm asks before one call that Kendo may already have is sent again.
func (s *server) redeliverConfirm(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	id, rec, ok := s.readCall(ctx, w, r)
	if !ok {
		return
	}
	if !rec.OutcomeUnknown {
		http.Redirect(w, r, callPath(id), http.StatusSeeOther)
		return
	}
	back := returnPath(r.URL.Query().Get("return"), callPath(id))
	s.render(w, r, http.StatusOK, "redeliver", redeliverPage{layout: s.frame("Redeliver call "+id, "call", r), ID: id, Link: callPath(id), Return: back})
}
