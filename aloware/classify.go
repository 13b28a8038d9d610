package aloware

import "strings"

// classify decides an event's Kind: by the communication type first, then by the event
// name, then by whether the body looks like a call. Zapier has put SMS event names on
// real calls, so the type outranks the name. The rules are listed for
// readers in mapping/rules.go.
func classify(name string, c Communication, callFields bool) Kind {
	if c.Type != nil {
		switch *c.Type {
		case 1, 3: // call, conference
			return KindCall
		case 2:
			return KindSMS
		case 12:
			return KindAppointment
		}
		return KindOther
	}
	n := normalizeName(name)
	switch {
	case isContactEvent(name):
		return KindOther
	case strings.Contains(n, "phonecall"), strings.HasPrefix(n, "transcription"),
		n == "recordingsaved", n == "calldisposed", n == "callsummarized", n == "voicemailsaved":
		return KindCall
	case strings.Contains(n, "sms"):
		return KindSMS
	case strings.Contains(n, "appointment"):
		return KindAppointment
	}
	if callFields {
		return KindCall // an unknown event name with a call body is still a call
	}
	return KindOther
}

// isContactEvent: Contact Created/Updated/Disposed/DNC Updated carry a contact, whose
// id is a contact id, not a communication id.
func isContactEvent(name string) bool {
	return strings.HasPrefix(normalizeName(name), "contact")
}

// isTranscriptEvent: the events that bring a call's transcript or AloAi summary
// (Transcription-Saved, transcription.*, Call Summarized, in any naming style), which
// name their call apart from their own body (rule K2).
func isTranscriptEvent(name string) bool {
	n := normalizeName(name)
	return strings.HasPrefix(n, "transcription") || n == "callsummarized"
}

// normalizeName folds the three naming styles ("Recording-Saved", "recording.saved",
// "Recording Saved") into one: lower case without separators.
func normalizeName(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	for _, r := range strings.ToLower(name) {
		switch r {
		case '-', '.', '_', ' ':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// callFieldKeys are keys only call bodies carry.
// (Zapier's Title-Case spellings match them too: its objects are folded.)
var callFieldKeys = []string{"talk_time", "direct_recording_url", "parsed_transcription", "call_disposition_id", "call_disposition", "has_recording"}

func hasCallFields(objs ...object) bool {
	for _, o := range objs {
		for _, k := range callFieldKeys {
			if o.has(k) {
				return true
			}
		}
	}
	return false
}
