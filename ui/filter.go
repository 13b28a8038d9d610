package ui

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// filterForm is the calls filter as the page's form (and its links) carry it: the
// parameters of GET /calls.
type filterForm struct {
	Statuses     []string
	Since, Until string // as typed: RFC 3339, or the datetime-local form in UTC
	Q            string
	Cursor       string
	Errors       []string
}

// Limits on what a query may carry: the engine's, as the API applies them.
const (
	maxQuery  = delivery.MaxListQuery
	maxCursor = delivery.MaxListCursor
)

// timeLayouts are what the filter reads: RFC 3339, and what <input type="datetime-local">
// sends (without a zone; the page labels it UTC).
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"}

func parseFilter(q url.Values) (filterForm, delivery.ListFilter) {
	var form filterForm
	var f delivery.ListFilter
	for _, s := range q["status"] {
		st := lifecycle.Status(s)
		if !st.Valid() {
			form.Errors = append(form.Errors, fmt.Sprintf("unknown status %q", s))
			continue
		}
		if !slices.Contains(form.Statuses, s) {
			form.Statuses = append(form.Statuses, s)
			f.Statuses = append(f.Statuses, st)
		}
	}
	form.Since, form.Until = strings.TrimSpace(q.Get("since")), strings.TrimSpace(q.Get("until"))
	var err error
	if f.Since, err = parseTime(form.Since); err != nil {
		form.Errors = append(form.Errors, "since: "+err.Error())
	}
	if f.Until, err = parseTime(form.Until); err != nil {
		form.Errors = append(form.Errors, "until: "+err.Error())
	}
	form.Q = strings.TrimSpace(q.Get("q"))
	if len(form.Q) > maxQuery {
		form.Errors = append(form.Errors, fmt.Sprintf("q: at most %d characters", maxQuery))
		form.Q = form.Q[:maxQuery]
	}
	f.Query = form.Q
	form.Cursor = q.Get("cursor")
	if len(form.Cursor) > maxCursor {
		form.Errors = append(form.Errors, "cursor: too long; start from the first page")
		form.Cursor = ""
	}
	f.Cursor = form.Cursor
	return form, f
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time; use 2026-08-05T20:58 (UTC) or RFC 3339", s)
}

// values is the filter as query parameters, without the cursor (links add their own).
func (f filterForm) values() url.Values {
	v := url.Values{}
	for _, s := range f.Statuses {
		v.Add("status", s)
	}
	for k, val := range map[string]string{"since": f.Since, "until": f.Until, "q": f.Q} {
		if val != "" {
			v.Set(k, val)
		}
	}
	return v
}

// Has reports whether a status box is ticked (for the form).
func (f filterForm) Has(s string) bool { return slices.Contains(f.Statuses, s) }

// Active reports whether anything narrows the list.
func (f filterForm) Active() bool {
	return len(f.Statuses) > 0 || f.Since != "" || f.Until != "" || f.Q != ""
}

// SinceInput and UntilInput are the times in the form <input type="datetime-local"> shows.
func (f filterForm) SinceInput() string { return inputTime(f.Since) }
func (f filterForm) UntilInput() string { return inputTime(f.Until) }

func inputTime(s string) string {
	t, err := parseTime(s)
	if err != nil || t.IsZero() {
		return s
	}
	if t.Second() != 0 {
		return t.Format("2006-01-02T15:04:05")
	}
	return t.Format("2006-01-02T15:04")
}

// includesFailed reports whether failed calls are in the filter's scope, so the page
// offers to redeliver them.
func (f filterForm) IncludesFailed() bool {
	return len(f.Statuses) == 0 || f.Has(string(lifecycle.Failed))
}

// bulkFilter is the filter of "redeliver every failed call of this filter": the form's
// times and query, restricted to failed calls.
func bulkFilter(q url.Values) (delivery.ListFilter, []string) {
	form, f := parseFilter(q)
	f.Statuses = []lifecycle.Status{lifecycle.Failed}
	f.Cursor = ""
	return f, form.Errors
}
