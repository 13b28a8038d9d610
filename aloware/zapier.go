package aloware

import (
	"strings"

	"github.com/tidwall/gjson"
)

// zapierMarkers are Title-Case keys only Zapier's flattened "Call Disposed" object has.
var zapierMarkers = []string{"ID", "Event", "Type", "Direction", "Created At", "Current Status", "Disposition Status", "Talk Time"}

func isZapier(o object) bool {
	for _, k := range zapierMarkers {
		if o.has(k) {
			return true
		}
	}
	return false
}

// readZapier reads Zapier's flattened Title-Case keys into c. Zapier's exact rendering
// of nested objects is not published, so both nested ("User": {"ID", "Name"}) and flat
// ("User ID", "User Name") forms are read, and statuses may be labels or numbers.
func (r *reader) readZapier(o object, c *Communication) {
	setInt(&c.Type, r.zapierType(o, "Type"))
	setInt(&c.Direction, r.direction(o, "Direction"))
	r.status(o, "Current Status", &c.CurrentStatus2, &c.CurrentStatus)
	r.status(o, "Disposition Status", &c.DispositionStatus2, &c.DispositionStatus)

	setText(&c.CallDispositionID, r.id(o, "Call Disposition ID"))
	r.named(o, "Call Disposition", &c.CallDispositionID, &c.CallDisposition, "Name")

	setInt(&c.TalkTime, r.seconds(o, "Talk Time"))
	setInt(&c.WaitTime, r.seconds(o, "Wait Time"))
	setInt(&c.HoldTime, r.seconds(o, "Hold Time"))
	setInt(&c.Duration, r.seconds(o, "Duration"))
	if t := r.timestamp(o, "Created At"); !t.IsZero() {
		c.CreatedAt = t
	}
	if t := r.timestamp(o, "Updated At"); !t.IsZero() {
		c.UpdatedAt = t
	}

	setText(&c.ContactID, r.id(o, "Contact ID"))
	setText(&c.ContactName, r.text(o, "Contact Name"))
	if contact, ok := r.child(o, "Contact"); ok {
		setText(&c.ContactID, r.id(contact, "ID"))
		setText(&c.ContactName, firstText(r, contact, "Name", "Full Name"))
	}

	setText(&c.CampaignID, r.id(o, "Campaign ID"))
	setText(&c.CampaignName, r.text(o, "Campaign Name"))
	r.named(o, "Campaign", &c.CampaignID, &c.CampaignName, "Name")

	setText(&c.UserID, r.id(o, "User ID"))
	setText(&c.UserName, firstText(r, o, "User Name", "User Full Name"))
	setText(&c.UserEmail, r.text(o, "User Email"))
	if v, ok := o.get("User"); ok && v.IsObject() {
		user := newObject(v, o.at("User"))
		setText(&c.UserID, r.id(user, "ID"))
		setText(&c.UserName, firstText(r, user, "Name", "Full Name"))
		setText(&c.UserEmail, r.text(user, "Email"))
	} else if ok {
		setText(&c.UserName, r.textValue(v, o.at("User")))
	}

	setText(&c.RecordingURL, firstText(r, o, "Direct Recording URL", "Recording URL"))
	setText(&c.Summary, r.text(o, "Summary"))
}

// status reads a status that may be the number (9), a numeric string ("9") or the
// label ("completed").
func (r *reader) status(o object, key string, num **int, label *string) {
	v, ok := o.get(key)
	if !ok {
		return
	}
	if v.Type == gjson.String && !isJSONNumber(strings.TrimSpace(v.Str)) {
		setText(label, strings.ToLower(strings.TrimSpace(v.Str)))
		return
	}
	setInt(num, r.integerValue(v, o.at(key)))
}

// zapierType reads Type as a number or a label ("Call", "SMS", "Appointment").
func (r *reader) zapierType(o object, key string) *int {
	v, ok := o.get(key)
	if !ok {
		return nil
	}
	if v.Type == gjson.String {
		switch strings.ToLower(strings.TrimSpace(v.Str)) {
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
	return r.integerValue(v, o.at(key))
}
