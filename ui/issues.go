package ui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/mask"
	"github.com/aloware-kendo/aloware-kendo/reps"
)

// IssueEngine is the part of the engine the issues page reads. It is apart from Engine
// so an engine without it (a test's fake) still serves every other page; the page then
// says it cannot list issues.
type IssueEngine interface {
	// Issues lists the open issues (failed, flagged, unrouted calls) grouped by cause.
	Issues(ctx context.Context) ([]delivery.Issue, error)
	// RedeliverIssue redelivers one group under the rules of a bulk redelivery.
	RedeliverIssue(ctx context.Context, id string, opts delivery.BulkOptions, by string) (delivery.BulkResult, error)
}

var _ IssueEngine = (*delivery.Service)(nil)

type issuesPage struct {
	layout
	Unavailable bool
	Groups      []issueView
}

type issueView struct {
	Kind      string // failed, flagged, unrouted
	Cause     string // masked for the page
	Key       url.Values
	Calls     int
	FirstSeen string
	LastSeen  string
	Action    string // the button's words
	Confirm   string // for flagged groups: what the operator must tick
	CallsURL  string // the calls of the group's status in the list
	Flag      string // the ledger's flag of delivered calls; "" for failed, unrouted, outcome unknown
	LinkURL   string // for a flag of delivered calls: where it is fixed (the action is a link, not a form)
}

// issues lists the open issues by cause, each with its count, first and last seen, and
// one action for all of its calls.
func (s *server) issues(w http.ResponseWriter, r *http.Request) {
	p := issuesPage{layout: s.frame("Open issues", "issues", r)}
	eng, ok := s.engine.(IssueEngine)
	if !ok {
		p.Unavailable = true
		s.render(w, r, http.StatusServiceUnavailable, "issues", p)
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	issues, err := eng.Issues(ctx)
	if err != nil {
		s.log.Warn("ops page: the engine failed", "what", "issues", "error", err)
		p.Unavailable = true
		s.render(w, r, http.StatusServiceUnavailable, "issues", p)
		return
	}
	now := s.now().UTC()
	for _, is := range issues {
		v := issueView{Kind: string(is.Kind), Cause: mask.Text(is.Key.Cause), Key: issueForm(is), Calls: is.Calls,
			FirstSeen: fmtTime(is.FirstSeen) + " (" + ago(is.FirstSeen, now) + ")", LastSeen: fmtTime(is.LastSeen) + " (" + ago(is.LastSeen, now) + ")",
			CallsURL: "/ui?" + url.Values{"status": {string(is.Key.Status)}}.Encode() + "#calls"}
		switch {
		case is.Key.Flag != "":
			flagView(&v, is)
		case is.Kind == delivery.IssueUnrouted:
			v.Action = fmt.Sprintf("Route these %d again", is.Calls)
		case is.Kind == delivery.IssueFlagged:
			v.Action = fmt.Sprintf("Redeliver these %d", is.Calls)
			v.Confirm = fmt.Sprintf("I checked Kendo: it does not have these %d call(s)", is.Calls)
		default:
			v.Action = fmt.Sprintf("Redeliver these %d", is.Calls)
		}
		p.Groups = append(p.Groups, v)
	}
	s.render(w, r, http.StatusOK, "issues", p)
}

// flagView points a group of delivered calls the ledger flags where it is fixed: Kendo
// has the calls, so the action is never to send them again. A rep Kendo could not credit
// is fixed once in the e-mail map (the reps page shows which agent); an analysis that did
// not come is looked into call by call.
func flagView(v *issueView, is delivery.Issue) {
	v.Flag = string(is.Key.Flag)
	switch is.Key.Flag {
	case lifecycle.FlagNotAnalyzed:
		v.CallsURL = "/ui?" + url.Values{"status": {string(lifecycle.Delivered)}, "until": {is.Before.UTC().Format(time.RFC3339Nano)}}.Encode() + "#calls"
		v.Action, v.LinkURL = fmt.Sprintf("List these %d", is.Calls), v.CallsURL
	case lifecycle.FlagRepMismatch:
		v.CallsURL = "/ui?" + url.Values{"rep": {string(reps.Mismatch)}}.Encode() + "#calls"
		v.Action, v.LinkURL = "Fix the rep map", "/ui/reps"
	case lifecycle.FlagSentWithoutRep:
		v.CallsURL = "/ui?" + url.Values{"rep": {string(reps.Missing), string(reps.Invalid)},
			"status": {string(lifecycle.Delivered), string(lifecycle.Analyzed)}}.Encode() + "#calls"
		v.Action, v.LinkURL = "Fix the rep map", "/ui/reps"
	}
}

// issueForm names the group in the action's hidden fields by its id, never by its cause
// (a cause may quote a call's content; the page shows it masked).
func issueForm(is delivery.Issue) url.Values {
	v := url.Values{"issue": {is.ID}}
	if is.Key.OutcomeUnknown {
		v.Set(includeField, includeValue)
	}
	return v
}

// redeliverIssue runs a group's action: a bulk redelivery of its calls, those Kendo may
// already have only with the confirmation ticked.
func (s *server) redeliverIssue(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	_ = r.ParseForm()
	eng, ok := s.engine.(IssueEngine)
	id := r.PostForm.Get("issue")
	if !ok || id == "" {
		http.Redirect(w, r, errorURL("/ui/issues", "engine"), http.StatusSeeOther)
		return
	}
	// The engine keeps outcome-unknown calls out unless asked (the bulk rules); the page
	// asks only with the confirmation ticked.
	include := r.PostForm.Get(includeField) != ""
	if include && !confirmedOutcomeUnknown(r.PostForm) {
		http.Redirect(w, r, errorURL("/ui/issues", "not-confirmed"), http.StatusSeeOther)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), actionTimeout)
	defer cancel()
	res, err := eng.RedeliverIssue(ctx, id, delivery.BulkOptions{IncludeOutcomeUnknown: include}, s.gate.actor(r))
	if err != nil {
		s.log.Warn("ops page: the engine failed", "what", "issue redelivery", "error", err)
		http.Redirect(w, r, errorURL("/ui/issues", "engine"), http.StatusSeeOther)
		return
	}
	s.log.Info("ops page: issue redelivered", "issue", id, "includeOutcomeUnknown", include,
		"matched", res.Matched, "queued", res.Queued, "by", s.gate.actor(r))
	http.Redirect(w, r, noticeURL("/ui/issues", "issue", res.Queued, res.Matched, res.Excluded[delivery.ExcludedUnrouted])+"#notice", http.StatusSeeOther)
}
