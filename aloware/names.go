package aloware

import "strings"

// IsKnownEventName reports whether name is one of the event names Aloware is known to
// send (seen in deliveries captured from real accounts, or on its webhook form), in any
// of its three naming styles. Unknown names are still
// accepted and classified; callers use this only to warn.
func IsKnownEventName(name string) bool {
	n := normalizeName(name)
	switch {
	case n == "":
		return true // bare and test payloads have no name
	case strings.HasPrefix(n, "inboundphonecall"), strings.HasPrefix(n, "outboundphonecall"),
		strings.HasPrefix(n, "inboundsms"), strings.HasPrefix(n, "outboundsms"),
		strings.HasPrefix(n, "inboundappointment"), strings.HasPrefix(n, "outboundappointment"),
		strings.HasPrefix(n, "transcription"), strings.HasPrefix(n, "contact"):
		return true
	}
	switch n {
	case "recordingsaved", "calldisposed", "callsummarized", "voicemailsaved", "appointmentsaved",
		"communicationinitiated", "communicationdisposed":
		return true
	}
	return false
}
