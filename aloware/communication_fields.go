package aloware

import (
	"strings"

	"github.com/tidwall/gjson"
)

// readCommunication reads the snake_case communication fields (envelope body, bare
// object, or the communication object nested in transcription.* bodies) into c. Fields
// the object does not carry are left as they are.
func (r *reader) readCommunication(o object, c *Communication) {
	setInt(&c.Type, r.integer(o, "type"))
	setInt(&c.Direction, r.direction(o, "direction"))
	setInt(&c.CurrentStatus2, r.integer(o, "current_status2"))
	setText(&c.CurrentStatus, r.text(o, "current_status"))
	setInt(&c.DispositionStatus2, r.integer(o, "disposition_status2"))
	setText(&c.DispositionStatus, r.text(o, "disposition_status"))

	setText(&c.CallDispositionID, r.id(o, "call_disposition_id"))
	r.named(o, "call_disposition", &c.CallDispositionID, &c.CallDisposition, "name")

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

	setText(&c.ContactID, r.id(o, "contact_id"))
	if contact, ok := r.child(o, "contact"); ok {
		setText(&c.ContactID, r.id(contact, "id"))
		setText(&c.ContactName, contactName(r, contact))
	}

	setText(&c.CampaignID, r.id(o, "campaign_id"))
	r.named(o, "campaign", &c.CampaignID, &c.CampaignName, "name")

	setText(&c.UserID, r.id(o, "user_id"))
	setText(&c.UserName, r.text(o, "user_name")) // not observed; a common fallback
	setText(&c.UserEmail, r.text(o, "user_email"))
	if v, ok := o.get("user"); ok && v.IsObject() {
		user := newObject(v, o.at("user"))
		setText(&c.UserID, r.id(user, "id"))
		setText(&c.UserName, firstText(r, user, "name", "full_name"))
		setText(&c.UserEmail, r.text(user, "email"))
	} else if ok {
		setText(&c.UserName, r.textValue(v, o.at("user"))) // the user's name as a plain string
	}

	if b := r.boolean(o, "has_recording"); b != nil {
		c.HasRecording = b
	}
	// direct_recording_url is the observed key; recording_url is a fallback seen in
	// other integrations' code.
	setText(&c.RecordingURL, firstText(r, o, "direct_recording_url", "recording_url"))

	if pt, ok := o.get("parsed_transcription"); ok {
		if u := r.transcript(pt, o.at("parsed_transcription")); len(u) > 0 {
			c.Transcript = u
		}
	}
	setText(&c.Summary, r.text(o, "summary"))
}

// direction reads 1/2, or "inbound"/"outbound" in any case (Zapier renders the label).
func (r *reader) direction(o object, key string) *int {
	v, ok := o.get(key)
	if !ok {
		return nil
	}
	if v.Type == gjson.String {
		switch strings.ToLower(strings.TrimSpace(v.Str)) {
		case "inbound", "incoming":
			return intPtr(1)
		case "outbound", "outgoing":
			return intPtr(2)
		case "":
			return nil
		}
	}
	return r.integerValue(v, o.at(key))
}

// named reads a key that is either a plain name or an object {id, name}: Zapier renders
// Campaign and Call Disposition as objects, raw webhooks send names and ids apart.
func (r *reader) named(o object, key string, id, name *string, nameKey string) {
	v, ok := o.get(key)
	if !ok {
		return
	}
	if v.IsObject() {
		sub := newObject(v, o.at(key))
		setText(id, r.id(sub, idKey(sub)))
		setText(name, r.text(sub, nameKey))
		return
	}
	setText(name, r.textValue(v, o.at(key)))
}

// idKey returns "id" or Zapier's "ID", whichever the object has.
func idKey(o object) string {
	if o.has("ID") && !o.has("id") {
		return "ID"
	}
	return "id"
}

func contactName(r *reader, contact object) string {
	if n := r.text(contact, "name"); n != "" {
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
