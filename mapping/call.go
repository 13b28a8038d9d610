// Package mapping merges the Aloware events of one call and maps the call to a Kendo
// Push payload plus a readiness verdict. Every mapping rule lives in rules.go.
package mapping

import "github.com/aloware-kendo/aloware-kendo/aloware"

// Call is everything known about one Aloware communication after merging its events.
type Call struct {
	ID         string                // Aloware communication id ("" when the events carried none, e.g. a test payload)
	Kind       aloware.Kind          // the most call-like kind among the events
	Comm       aloware.Communication // merged fields: latest state wins, artifacts are kept
	EventNames []string              // event names in arrival order ("" for bare/Zapier objects without one)

	// Complete is sticky: once an event said the call ended, it stays ended.
	Complete bool
	// CompletedBy names the first event that said the call ended. A later Call-Disposed
	// restates it and is not counted as a second completion.
	CompletedBy string
	// Restatements counts events that only restated a completion already seen (Call-Disposed).
	Restatements int
}

// Merge folds the events of one call, given in arrival order, into a Call.
func Merge(events []aloware.Event) Call {
	return Call{}
}
