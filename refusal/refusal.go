// Package refusal is the one table of the engine's refusals: each error the engine's
// operator actions and reads return on purpose (no such call, nothing left to send, a
// call Kendo may already have …), with the HTTP status the API answers it with and the
// notice the ops page shows. The API (package handlers) and the ops page (package ui)
// both translate through it, so the two never tell an operator different things about
// the same refusal; an error the table does not hold is the engine failing (a 503, or
// the page's "the service log says why").
//
// Only handlers writes Status: the page redirects with Code and shows Notice.
package refusal

import (
	"errors"
	"net/http"

	"github.com/aloware-kendo/aloware-kendo/delivery"
)

// Refusal is one row of the table.
type Refusal struct {
	// Err is the engine's sentinel, matched with errors.Is.
	Err error
	// Code names the refusal in the ops page's redirect (?error=purged): a short word,
	// never a message, so nothing arbitrary is reflected into the page.
	Code string
	// Status is the API's answer (an RFC 9457 problem with this status).
	Status int
	// Summary completes "call <id> …" as the API problem's detail.
	Summary string
	// Notice is what the ops page says to the operator who asked.
	Notice string
}

// The refusals, most specific first (the first row whose Err matches wins).
var table = []Refusal{
	{Err: delivery.ErrNotFound, Code: "not-found", Status: http.StatusNotFound,
		Summary: "not found",
		Notice:  "No event of this call was ever received."},
	{Err: delivery.ErrPurged, Code: "purged", Status: http.StatusGone,
		Summary: "has nothing left to send: its content is no longer stored",
		Notice:  "Nothing left to send: the call's content is no longer stored (purged after the retention time, or erased)."},
	{Err: delivery.ErrOutcomeUnknown, Code: "outcome-unknown", Status: http.StatusConflict,
		Summary: "may already be at Kendo",
		Notice:  "Kendo may already have this call: a request reached it and no answer was recorded. Check Kendo before you redeliver it."},
	{Err: delivery.ErrNotRedeliverable, Code: "not-redeliverable", Status: http.StatusConflict,
		Summary: "cannot be redelivered",
		Notice:  "Only a failed, skipped or unrouted call with something to send can be redelivered; this one is not."},
	{Err: delivery.ErrNotSkippable, Code: "not-skippable", Status: http.StatusConflict,
		Summary: "cannot be skipped",
		Notice:  "Only a call not sent yet (received, scheduled or unrouted) can be skipped."},
	{Err: delivery.ErrBadCursor, Code: "bad-cursor", Status: http.StatusUnprocessableEntity,
		Summary: "is not on a page this listing gave out",
		Notice:  "That page of calls does not exist (the link's cursor is not one this service gave out)."},
}

// Of finds err's row; false when err is no refusal (the engine failed).
func Of(err error) (Refusal, bool) {
	if err == nil {
		return Refusal{}, false
	}
	for _, r := range table {
		if errors.Is(err, r.Err) {
			return r, true
		}
	}
	return Refusal{}, false
}

// ByCode finds the row a page redirect names; false for a code of no refusal.
func ByCode(code string) (Refusal, bool) {
	for _, r := range table {
		if r.Code == code {
			return r, true
		}
	}
	return Refusal{}, false
}

// All is every row, in table order (a copy: the table does not change).
func All() []Refusal { return append([]Refusal(nil), table...) }
