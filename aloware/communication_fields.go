package aloware

import (
	"strings"

	"github.com/aloware-kendo/aloware-kendo/internal/jsontape"
)

// readCommunication reads the communication fields of o into c: an envelope's body, a
// bare object, the flat form of Aloware's n8n trigger, Zapier's flattened object (whose
// folded keys make "Talk Time" match "talk_time"), or the communication object nested in
// transcription.* bodies. Fields o does not carry are left as they are.
//
// Zapier renders some values as labels ("Call", "completed", "Inbound") and some objects
// nested ("User": {"ID", "Name"}) or flat ("User Name"); every form is read, in every
// shape, since tools that forward raw webhooks have been seen to do the same.
func (r *reader) readCommunication(o object, c *Communication) {
	setInt(&c.Type, r.communicationType(o, "type"))
	setInt(&c.Direction, r.direction(o, "direction"))
	r.status(o, "current_status", &c.CurrentStatus2, &c.CurrentStatus)
	setInt(&c.CurrentStatus2, r.integer(o, "current_status2"))
	r.status(o, "disposition_status", &c.DispositionStatus2, &c.DispositionStatus)
	setInt(&c.DispositionStatus2, r.integer(o, "disposition_status2"))

	setText(&c.CallDispositionID, r.id(o, "call_disposition_id"))
	r.named(o, "call_disposition", &c.CallDispositionID, &c.CallDisposition)

	setInt(&c.TalkTime, r.seconds(o, "talk_time"))
	setInt(&c.WaitTime, r.seconds(o, "wait_time"))
	setInt(&c.HoldTime, r.seconds(o, "hold_time"))
	setInt(&c.Duration, r.seconds(o, "duration"))

	if t := r.timestamp(o, "created_at"); !t.IsZero() {
		c.CreatedAt = t
	}
	if t := r.timestamp(o, "updated_at"); !t.IsZero() {
		c.UpdatedAt = t
	}

	r.readContact(o, c)

	setText(&c.CampaignID, r.id(o, "campaign_id"))
	setText(&c.CampaignName, r.text(o, "campaign_name"))
	r.named(o, "campaign", &c.CampaignID, &c.CampaignName)

	setText(&c.RingGroupID, r.id(o, "ring_group_id"))
	r.named(o, "ring_group", &c.RingGroupID, nil)

	r.readUser(o, c)

	if b := r.boolean(o, "has_recording"); b != nil {
		c.HasRecording = b
	}
	r.readArtifacts(o, c)
	if tags := r.tags(o, "tags"); len(tags) > 0 {
		c.Tags = tags
	}
}

// communicationType reads type as a number or a label ("Call", "SMS", "Appointment").
func (r *reader) communicationType(o object, key string) *int {
	v, ok := o.get(key)
	if !ok {
		return nil
	}
	if v.Kind() == jsontape.String {
		switch strings.ToLower(strings.TrimSpace(v.Text())) {
		case "call", "phone call":
			return intPtr(1)
		case "sms", "text", "message":
			return intPtr(2)
		case "conference":
			return intPtr(3)
		case "appointment":
			return intPtr(12)
		case "":
			return nil
		}
	}
	return r.integerValue(v, o.where(key))
}

// direction reads 1/2, or "inbound"/"outbound" in any case (Zapier renders the label).
func (r *reader) direction(o object, key string) *int {
	v, ok := o.get(key)
	if !ok {
		return nil
	}
	if v.Kind() == jsontape.String {
		switch strings.ToLower(strings.TrimSpace(v.Text())) {
		case "inbound", "incoming":
			return intPtr(1)
		case "outbound", "outgoing":
			return intPtr(2)
		case "":
			return nil
		}
	}
	return r.integerValue(v, o.where(key))
}

// status reads a status that may be the label ("completed", as current_status and
// disposition_status are), or the number (9) or a numeric string ("9"), as Zapier has
// also sent them under those keys.
func (r *reader) status(o object, key string, num **int, label *string) {
	v, ok := o.get(key)
	if !ok {
		return
	}
	if v.Kind() == jsontape.String && !jsontape.IsNumber(strings.TrimSpace(v.Text())) {
		setText(label, strings.ToLower(strings.TrimSpace(v.Text())))
		return
	}
	setInt(num, r.integerValue(v, o.where(key)))
}

// named reads a key that is either a plain name or an object {id, name}: Zapier renders
// Campaign and Call Disposition as objects, raw webhooks send names and ids apart. A nil
// name reads only the id.
func (r *reader) named(o object, key string, id, name *string) {
	v, ok := o.get(key)
	if !ok {
		return
	}
	if v.IsObject() {
		sub := o.nested(key, v)
		setText(id, r.id(sub, "id"))
		if name != nil {
			setText(name, r.text(sub, "name"))
		}
		return
	}
	if name == nil {
		setText(id, r.idValue(v, o.where(key)))
		return
	}
	setText(name, r.textValue(v, o.where(key)))
}

// tags reads the names of a tag list: strings, or objects with a "name".
func (r *reader) tags(o object, key string) []string {
	v, ok := o.get(key)
	if !ok {
		return nil
	}
	if !v.IsArray() {
		r.warn(o.at(key), "must be an array of tags, got %s", typeName(v))
		return nil
	}
	var names []string
	i := 0
	v.Items(func(tag jsontape.Value) {
		loc := itemLoc{o.where(key), i}
		i++
		var name string
		switch {
		case tag.Kind() == jsontape.Null:
		case tag.IsObject():
			name = r.text(newObject(tag, loc.String(), o.folded), "name")
		default:
			name = r.textValue(tag, here(loc.String()))
		}
		if name != "" {
			names = append(names, name)
		}
	})
	return names
}

func contactName(r *reader, contact object) string {
	if n := firstText(r, contact, "name", "full_name"); n != "" {
		return n
	}
	first, last := r.text(contact, "first_name"), r.text(contact, "last_name")
	return strings.TrimSpace(first + " " + last)
}

// firstText returns the first non-empty of the keys (each read, so every wrong type is
// reported).
func firstText(r *reader, o object, keys ...string) string {
	var out string
	for _, k := range keys {
		if s := r.text(o, k); s != "" && out == "" {
			out = s
		}
	}
	return out
}

func setInt(dst **int, v *int) {
	if v != nil {
		*dst = v
	}
}

func setText(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

func intPtr(n int) *int { return &n }

// readTranscriptionRecord reads the body of a transcript or summary event that is the
// transcription's own record, naming its call in communication_id or communication.id.
// Its id, type, times and durations are the transcription's, not the call's, so only what
// it says about the call is read: the artifacts, the agent (an integration reading real
// accounts found the right user_id there) and the contact.
func (r *reader) readTranscriptionRecord(o object, c *Communication) {
	r.readContact(o, c)
	r.readUser(o, c)
	r.readArtifacts(o, c)
}

func (r *reader) readContact(o object, c *Communication) {
	setText(&c.ContactID, r.id(o, "contact_id"))
	setText(&c.ContactName, r.text(o, "contact_name"))
	if contact, ok := r.child(o, "contact"); ok {
		setText(&c.ContactID, r.id(contact, "id"))
		setText(&c.ContactName, contactName(r, contact))
	}
}

func (r *reader) readUser(o object, c *Communication) {
	setText(&c.UserID, r.id(o, "user_id"))
	setText(&c.UserName, firstText(r, o, "user_name", "user_full_name")) // not observed raw; a common fallback
	setText(&c.UserEmail, r.text(o, "user_email"))
	if v, ok := o.get("user"); ok && v.IsObject() {
		user := o.nested("user", v)
		setText(&c.UserID, r.id(user, "id"))
		setText(&c.UserName, firstText(r, user, "name", "full_name"))
		setText(&c.UserEmail, r.text(user, "email"))
	} else if ok {
		setText(&c.UserName, r.textValue(v, o.where("user"))) // the user's name as a plain string
	}
}

// readArtifacts reads what Kendo analyses: the recording, the transcript, the summary.
func (r *reader) readArtifacts(o object, c *Communication) {
	// direct_recording_url is the observed key; recording_url is a fallback seen in
	// other integrations' code; voicemail_url is where a communication keeps the
	// voicemail a caller left (Aloware's own web app reads it), the only audio such a
	// call gets.
	setText(&c.RecordingURL, firstText(r, o, "direct_recording_url", "recording_url", "voicemail_url"))
	if u := r.transcript(o, "parsed_transcription"); len(u) > 0 {
		c.Transcript = u
	}
	setText(&c.Summary, r.text(o, "summary"))
}
