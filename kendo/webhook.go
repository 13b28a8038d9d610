package kendo

import "time"

// WebhookEvent is one of Kendo's outbound webhook deliveries (Integrations > Webhooks),
// e.g. call.uploaded, "sent when a call analysis is available".
type WebhookEvent struct {
	DeliveryID string    // X-Kendo-Delivery-Id
	ID         string    // body id, "evt_…"
	Event      string    // body event (X-Kendo-Event says "test" for test deliveries)
	CreatedAt  time.Time // body created_at; zero when absent or unreadable
	Test       bool      // X-Kendo-Event: test, or data._isTest: true
	Data       WebhookCall
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
