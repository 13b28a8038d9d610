package reps

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// State is what became of a call's rep: whether Kendo can credit the call to a member.
type State string

const (
	// Mapped: an e-mail is sent as repEmail.
	Mapped State = "mapped"
	// Missing: no e-mail was known for the agent (not in the events, the Users API or the
	// e-mail map): the call goes without a rep.
	Missing State = "missing"
	// Invalid: an e-mail was known and dropped, since Kendo refuses a repEmail that is not
	// an e-mail address: the call goes without a rep.
	Invalid State = "invalid"
	// Mismatch: the call was sent with a rep, and Kendo's call.uploaded credited another
	// agent, or none.
	Mismatch State = "mismatch"
)

// States are every state, in the order a reader checks them.
var States = []State{Mapped, Missing, Invalid, Mismatch}

// WithoutRep are the states of a call that goes to Kendo with no repEmail.
var WithoutRep = []State{Missing, Invalid}

// Attribute says what became of a call's rep: sentEmail is the repEmail of the payload
// (after every lookup and check), knownEmail any e-mail the events, the Users API or the
// e-mail map gave for the agent — when one was known and none is sent, it was dropped.
func Attribute(sentEmail, knownEmail string) State {
	switch {
	case strings.TrimSpace(sentEmail) != "":
		return Mapped
	case strings.TrimSpace(knownEmail) != "":
		return Invalid
	}
	return Missing
}

// Credited says whether Kendo's call.uploaded credited the rep that was sent: its
// agentName is the member Kendo matched by repEmail, compared with the rep's name sent and
// any other name known for the rep (also: the rep lookup's name for the e-mail sent), as
// the same person's name written alike: case, accents, width and runs of spaces do not
// count. No agent named at all is not a credit; when no name was sent, any agent Kendo
// names is the one the e-mail matched.
func Credited(sentName, kendoAgentName string, also ...string) bool {
	k := foldName(kendoAgentName)
	if k == "" {
		return false
	}
	names := append([]string{sentName}, also...)
	known := false
	for _, n := range names {
		f := foldName(n)
		if f == k {
			return true
		}
		known = known || f != ""
	}
	return !known
}

// nameFolding takes a name to its letters alone: compatibility forms (full-width) to
// plain ones, accents removed, lower case.
var nameFolding = transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), cases.Lower(language.Und))

func foldName(s string) string {
	if folded, _, err := transform.String(nameFolding, s); err == nil {
		s = folded
	} else {
		s = strings.ToLower(s)
	}
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

// Warning is what a call whose rep is in state says to the operator; "" for Mapped.
// agentID is the agent's Aloware user id, when known: the key to add to the e-mail map.
func Warning(state State, agentID, kendoAgentName string) string {
	fix := "add the agent to --rep-email-map"
	if agentID != "" {
		fix = "map Aloware user " + agentID + " in --rep-email-map"
	}
	switch state {
	case Missing:
		return "sent without a rep: no e-mail is known for the agent, so Kendo cannot credit the call to a rep (" + fix + ")"
	case Invalid:
		return "sent without a rep: the agent's e-mail was dropped because Kendo refuses it, so Kendo cannot credit the call to a rep (" + fix + ")"
	case Mismatch:
		if strings.TrimSpace(kendoAgentName) == "" {
			return "Kendo credited the call to no agent, not to the rep sent (check that the rep's e-mail is a member of the Kendo team; " + fix + ")"
		}
		return "Kendo credited the call to another agent than the rep sent (" + fix + ")"
	}
	return ""
}
