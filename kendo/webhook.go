package kendo

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Kendo's outbound webhook (Integrations > Webhooks): the headers every delivery
// carries and the event names we read.
const (
	SignatureHeader   = "X-Kendo-Signature"   // hex HMAC-SHA256 of the raw body, keyed with the webhook secret
	EventHeader       = "X-Kendo-Event"       // the event, or "test" for a test delivery
	DeliveryIDHeader  = "X-Kendo-Delivery-Id" // one id per delivery
	EventCallUploaded = "call.uploaded"       // "sent when a call analysis is available"
	EventTest         = "test"                // X-Kendo-Event of a test delivery
)

// WebhookEvent is one of Kendo's outbound webhook deliveries (Integrations > Webhooks),
// e.g. call.uploaded, "sent when a call analysis is available".
type WebhookEvent struct {
	DeliveryID string    // X-Kendo-Delivery-Id; "" when absent
	ID         string    // body id, "evt_…"
	Event      string    // body event, else X-Kendo-Event ("test" for test deliveries)
	CreatedAt  time.Time // body created_at; zero when absent or unreadable
	Test       bool      // X-Kendo-Event: test, or data._isTest: true
	Data       WebhookCall
	// Dropped names the fields that were present but unreadable (wrong type, bad
	// date): they were left out, and the delivery was still taken.
	Dropped []string
}

// WebhookCall is the data of call.uploaded.
type WebhookCall struct {
	KendoCallID      string // data.callId: the callId the Push API answered (the natural reading)
	AgentID          string
	AgentName        string
	UserID           string
	TeamMemberUserID string
	Duration         float64
	AIScore          string // Kendo sends it as a string, e.g. "87"
	Timestamp        time.Time
}

// ErrWebhookBody: the body of a delivery is not a JSON object, so there is nothing
// to read from it.
var ErrWebhookBody = errors.New("the webhook body is not a JSON object")

// Sign is the signature Kendo puts in X-Kendo-Signature: the hex HMAC-SHA256 of
// the raw body keyed with the secret. The emulator signs with it; tests too.
func Sign(secret, body []byte) string { return hex.EncodeToString(mac(secret, body)) }

// mac is the HMAC-SHA256 of body keyed with secret: what Sign encodes and
// VerifySignature compares.
func mac(secret, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return m.Sum(nil)
}

// VerifySignature reports whether signatureHex is the HMAC of body under any of the
// secrets (a service has one per Kendo team). Empty secrets never verify anything;
// an empty or malformed signature, or one of the wrong length, is refused. The
// comparison is constant-time, and every secret is tried whatever matched.
func VerifySignature(secrets [][]byte, body []byte, signatureHex string) bool {
	got, err := hex.DecodeString(strings.TrimSpace(signatureHex))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	ok := false
	for _, secret := range secrets {
		if len(secret) == 0 {
			continue
		}
		ok = hmac.Equal(got, mac(secret, body)) || ok
	}
	return ok
}

// ParseWebhook reads a verified delivery leniently: a field of the wrong type is
// dropped (and named in Dropped), never a reason to refuse what Kendo signed. Ids
// and aiScore may come as strings or numbers; duration as a number or a numeric
// string; times as RFC 3339. Only a body that is not a JSON object is an error
// (ErrWebhookBody).
func ParseWebhook(header http.Header, body []byte) (WebhookEvent, error) {
	ev := WebhookEvent{DeliveryID: strings.TrimSpace(header.Get(DeliveryIDHeader))}
	headerEvent := strings.TrimSpace(header.Get(EventHeader))
	ev.Test = headerEvent == EventTest

	var top map[string]json.RawMessage
	if err := json.Unmarshal(bytes.TrimSpace(body), &top); err != nil || top == nil {
		return ev, ErrWebhookBody
	}
	r := lenient{obj: top}
	ev.ID = r.text("id")
	ev.Event = r.text("event")
	ev.CreatedAt = r.time("created_at")

	if raw, ok := top["data"]; ok && string(raw) != "null" {
		var data map[string]json.RawMessage
		if json.Unmarshal(raw, &data) != nil || data == nil {
			r.dropped = append(r.dropped, "data")
		} else {
			d := lenient{obj: data, prefix: "data."}
			ev.Data = WebhookCall{
				KendoCallID:      d.text("callId"),
				AgentID:          d.text("agentId"),
				AgentName:        d.text("agentName"),
				UserID:           d.text("userId"),
				TeamMemberUserID: d.text("teamMemberUserId"),
				Duration:         d.number("duration"),
				AIScore:          d.text("aiScore"),
				Timestamp:        d.time("timestamp"),
			}
			ev.Test = d.flag("_isTest") || ev.Test
			r.dropped = append(r.dropped, d.dropped...)
		}
	}
	if ev.Event == "" {
		ev.Event = headerEvent
	}
	ev.Dropped = r.dropped
	return ev, nil
}

// lenient reads fields of one JSON object, noting the ones it had to drop.
type lenient struct {
	obj     map[string]json.RawMessage
	prefix  string
	dropped []string
}

func (l *lenient) raw(field string) (json.RawMessage, bool) {
	v, ok := l.obj[field]
	if !ok || string(v) == "null" {
		return nil, false
	}
	return v, true
}

func (l *lenient) drop(field string) { l.dropped = append(l.dropped, l.prefix+field) }

// text reads a string, or a number as its literal ("87" from 87).
func (l *lenient) text(field string) string {
	v, ok := l.raw(field)
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return strings.TrimSpace(s)
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String()
	}
	l.drop(field)
	return ""
}

// number reads a finite number, or a numeric string.
func (l *lenient) number(field string) float64 {
	v, ok := l.raw(field)
	if !ok {
		return 0
	}
	var f float64
	if json.Unmarshal(v, &f) == nil {
		return f
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	}
	l.drop(field)
	return 0
}

// flag reads a boolean, or the string "true".
func (l *lenient) flag(field string) bool {
	v, ok := l.raw(field)
	if !ok {
		return false
	}
	var b bool
	if json.Unmarshal(v, &b) == nil {
		return b
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return strings.EqualFold(strings.TrimSpace(s), "true")
	}
	l.drop(field)
	return false
}

// time reads an RFC 3339 time, in UTC.
func (l *lenient) time(field string) time.Time {
	s := l.text(field)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		l.drop(field)
		return time.Time{}
	}
	return t.UTC()
}
