// Package mapping merges the Aloware events of one call and maps the call to a Kendo
// Push payload plus a readiness verdict. rules.go lists every mapping rule and says
// where each one is written.
package mapping

import (
	"slices"

	"github.com/aloware-kendo/aloware-kendo/aloware"
)

// Call is everything known about one Aloware communication after merging its events.
type Call struct {
	AlowareCallID string                // Aloware communication id ("" when the events carried none, e.g. a test payload)
	Kind          aloware.Kind          // the most call-like kind among the events (rule M5)
	Comm          aloware.Communication // merged fields (rules M1–M3)
	EventNames    []string              // event names in arrival order ("" for bare/Zapier objects without one)

	// Complete is sticky (rule M2): once an event said the call ended, it stays ended.
	Complete bool
	// CompletedBy names the first event that said the call ended (rule C1).
	CompletedBy string
	// Restatements counts Call-Disposed events that only restated a completion already
	// seen (rule M4); they are never a second completion.
	Restatements int

	// ReadWarnings keeps the fields the events carried but that could not be read (rule
	// I2), as "location: message", each once, at most maxReadWarnings of them;
	// MoreReadWarnings counts the ones beyond. Map reports them, so a stored call shows
	// what /map showed for its events.
	ReadWarnings     []string
	MoreReadWarnings int
}

// maxReadWarnings bounds Call.ReadWarnings: a call's warnings are for a person to read,
// and its stored form must not grow with every odd event.
const maxReadWarnings = 20

// RulesVersion names the parse and merge rules a stored Call was folded with. Bump it
// whenever a change to package aloware or to the merge rules would fold the same events
// into a different Call: the engine then folds a call's stored raw events again instead
// of trusting the Call it kept.
const RulesVersion = 3

// Merge folds the events of one call, given in arrival order, into a Call.
func Merge(events []aloware.Event) Call {
	c := Call{EventNames: make([]string, 0, len(events))}
	for _, ev := range events {
		c.Fold(ev)
	}
	return c
}

// Fold merges one more event into the call (rules M1–M5). Folding events one at a time
// gives exactly what Merge gives for all of them, so the engine can keep the merged Call
// and fold each new event into it: an event's cost does not grow with the call's history.
func (c *Call) Fold(ev aloware.Event) {
	c.EventNames = append(c.EventNames, ev.Name)
	c.keepReadWarnings(ev.Warnings)
	if c.AlowareCallID == "" {
		c.AlowareCallID = ev.AlowareCallID
	}
	c.Kind = strongerKind(c.Kind, ev.Kind)
	stale := c.Complete && reportsEarlierState(ev)
	mergeComm(&c.Comm, ev.Comm, stale)
	if eventCompletes(ev) {
		switch {
		case !c.Complete:
			c.Complete, c.CompletedBy = true, ev.Name
		case isRestatement(ev):
			c.Restatements++
		}
	}
}

func (c *Call) keepReadWarnings(problems []aloware.Problem) {
	for _, p := range problems {
		w := p.Field + ": " + p.Message
		switch {
		case slices.Contains(c.ReadWarnings, w):
		case len(c.ReadWarnings) == maxReadWarnings:
			c.MoreReadWarnings++
		default:
			c.ReadWarnings = append(c.ReadWarnings, w)
		}
	}
}
