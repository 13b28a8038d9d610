package emulator

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// Webhook makes the emulator close the loop as Kendo does once it has analysed a call:
// for every accepted call, after Delay, a signed call.uploaded to URL. The zero value
// (no URL) sends nothing.
type Webhook struct {
	URL     string
	Secret  string        // signs X-Kendo-Signature; never shown
	Delay   time.Duration // the "analysis" time after the 201
	Retries int           // attempts after the first; 0 = DefaultWebhookRetries
	Backoff time.Duration // wait before the first retry, doubling; 0 = DefaultWebhookBackoff
	Client  *http.Client  // nil = a client with a 10 s timeout
}

// Defaults of Webhook: a few retries over about half a minute, like a webhook sender
// that gives a receiver time to restart.
const (
	DefaultWebhookRetries = 4
	DefaultWebhookBackoff = 2 * time.Second
)

// Delivery states in WebhookDelivery.State.
const (
	WebhookScheduled  = "scheduled" // waiting for the analysis delay or a retry
	WebhookDelivered  = "delivered" // the receiver answered 2xx
	WebhookFailed     = "failed"    // refused for good (a 4xx but 408/429) or out of retries
	WebhookCancelled  = "cancelled" // the emulator stopped first
	webhookTestCallID = "test-call-id"
)

// WebhookDelivery is one outbound webhook and what became of it, as GET /webhooks lists
// it. Retries of a delivery keep its DeliveryID, as a receiver's dedupe expects.
type WebhookDelivery struct {
	DeliveryID  string          `json:"deliveryId"`
	Event       string          `json:"event"` // X-Kendo-Event: call.uploaded, or test
	KendoCallID string          `json:"callId"`
	State       string          `json:"state"`
	Attempts    int             `json:"attempts"`
	Status      int             `json:"status"`          // the last answer's status; 0 when none arrived
	Error       string          `json:"error,omitempty"` // the last attempt's failure
	LastTry     *time.Time      `json:"lastTry,omitempty"`
	Body        json.RawMessage `json:"body"` // exactly the signed bytes
}

// Webhooks returns the outbound webhook deliveries in the order they were scheduled (a copy).
func (e *Emulator) Webhooks() []WebhookDelivery {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]WebhookDelivery, len(e.hooks))
	for i, d := range e.hooks {
		out[i] = *d
		out[i].Body = slices.Clone(d.Body)
	}
	return out
}

// Close stops pending webhook deliveries (an attempt in flight finishes) and waits for
// them. The emulator still answers requests afterwards but schedules no more webhooks.
func (e *Emulator) Close() {
	e.stop()
	e.sending.Wait()
}

// analysed schedules call.uploaded for an accepted call. It never blocks the ingest
// answer: the delivery runs on its own goroutine.
func (e *Emulator) analysed(call Accepted) {
	if e.webhook.URL == "" {
		return
	}
	body := callUploaded(call, e.now())
	e.schedule(kendo.EventCallUploaded, call.KendoCallID, body, e.webhook.Delay)
}

// sendTest is Kendo's "send test" button: a signed test delivery, now.
func (e *Emulator) sendTest(w http.ResponseWriter, _ *http.Request) {
	if e.webhook.URL == "" {
		writeJSON(w, http.StatusConflict, map[string]string{"error": "no --webhook-url configured"})
		return
	}
	now := e.now().UTC()
	body, _ := json.Marshal(map[string]any{
		"id": "evt_test_" + randomHex(8), "event": kendo.EventCallUploaded, "created_at": now.Format(time.RFC3339Nano),
		"data": map[string]any{"_isTest": true, "callId": webhookTestCallID, "agentName": "Test Agent",
			"duration": 60, "aiScore": "75", "timestamp": now.Format(time.RFC3339Nano)},
	})
	d := e.schedule(kendo.EventTest, webhookTestCallID, body, 0)
	writeJSON(w, http.StatusAccepted, d)
}

func (e *Emulator) listWebhooks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, e.Webhooks())
}

func (e *Emulator) schedule(event, callID string, body []byte, delay time.Duration) WebhookDelivery {
	d := &WebhookDelivery{DeliveryID: "dlv_" + randomHex(12), Event: event, KendoCallID: callID, State: WebhookScheduled, Body: body}
	e.mu.Lock()
	e.hooks = append(e.hooks, d)
	snapshot := *d
	e.mu.Unlock()
	if e.ctx.Err() != nil {
		e.settle(d, WebhookCancelled, 0, "the emulator is stopping")
		return snapshot
	}
	e.sending.Go(func() { e.deliver(d, delay) })
	return snapshot
}

// deliver waits, then POSTs with retries until a 2xx, a final refusal, or the end.
func (e *Emulator) deliver(d *WebhookDelivery, wait time.Duration) {
	retries := e.webhook.Retries
	if retries <= 0 {
		retries = DefaultWebhookRetries
	}
	backoff := e.webhook.Backoff
	if backoff <= 0 {
		backoff = DefaultWebhookBackoff
	}
	for attempt := 1; ; attempt++ {
		if !sleep(e.ctx, wait) {
			e.settle(d, WebhookCancelled, 0, "the emulator stopped before the delivery")
			return
		}
		status, err := e.post(d)
		e.mu.Lock()
		now := time.Now().UTC()
		d.Attempts, d.Status, d.LastTry, d.Error = attempt, status, &now, ""
		if err != nil {
			d.Error = err.Error()
		}
		e.mu.Unlock()
		e.log.Info("kendo emulator sent a webhook", "deliveryId", d.DeliveryID, "event", d.Event,
			"callId", d.KendoCallID, "attempt", attempt, "status", status, "error", d.Error)
		switch {
		case err == nil && status/100 == 2:
			e.settle(d, WebhookDelivered, status, "")
			return
		case err == nil && !retryable(status):
			e.settle(d, WebhookFailed, status, fmt.Sprintf("the receiver answered %d", status))
			return
		case attempt > retries:
			e.settle(d, WebhookFailed, status, d.Error)
			return
		}
		wait = backoff << (attempt - 1)
	}
}

func (e *Emulator) post(d *WebhookDelivery) (int, error) {
	req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, e.webhook.URL, bytes.NewReader(d.Body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "kendo-emulator")
	req.Header.Set(kendo.SignatureHeader, kendo.Sign([]byte(e.webhook.Secret), d.Body))
	req.Header.Set(kendo.EventHeader, d.Event)
	req.Header.Set(kendo.DeliveryIDHeader, d.DeliveryID)
	resp, err := e.hookClient.Do(req)
	if err != nil {
		if ue, ok := err.(*url.Error); ok {
			return 0, ue.Err // its text repeats the URL, which may carry a password
		}
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

func (e *Emulator) settle(d *WebhookDelivery, state string, status int, msg string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	d.State = state
	if status != 0 {
		d.Status = status
	}
	if msg != "" {
		d.Error = msg
	}
}

// retryable: what a webhook sender tries again (the receiver may be restarting or busy).
func retryable(status int) bool {
	return status >= 500 || status == http.StatusTooManyRequests || status == http.StatusRequestTimeout
}

// sleep waits d, or returns false when ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// callUploaded is the body Kendo documents for call.uploaded, made from what the call
// carried: the rep's name as agentName, the payload's duration, and a score derived
// from the callId (a string, as Kendo sends it), so a run is reproducible.
func callUploaded(call Accepted, now time.Time) []byte {
	var p struct {
		RepName  string          `json:"repName"`
		RepName2 string          `json:"rep_name"`
		RepEmail string          `json:"repEmail"`
		Duration json.RawMessage `json:"duration"`
	}
	_ = json.Unmarshal(call.Payload, &p) // the emulator accepted it, so it is an object
	name := p.RepName
	if name == "" {
		name = p.RepName2
	}
	var duration float64
	_ = json.Unmarshal(p.Duration, &duration) // absent or not a number: 0
	who := p.RepEmail + "|" + name
	stamp := now.UTC().Format(time.RFC3339Nano)
	body, _ := json.Marshal(map[string]any{
		"id": "evt_" + randomHex(12), "event": kendo.EventCallUploaded, "created_at": stamp,
		"data": map[string]any{
			"callId": call.KendoCallID, "agentId": "agt_" + short(who, "agent"), "agentName": name,
			"userId": "usr_" + short(who, "user"), "teamMemberUserId": "tmu_" + short(who, "member"),
			"duration": duration, "aiScore": score(call.KendoCallID), "timestamp": stamp,
		},
	})
	return body
}

// score is a stable 50–99 from the callId.
func score(callID string) string {
	h := fnv.New32a()
	h.Write([]byte(callID))
	return strconv.Itoa(50 + int(h.Sum32()%50))
}

// short is a stable id for one rep and role, so one rep gets one agentId.
func short(who, role string) string {
	sum := sha256.Sum256([]byte(role + "\x00" + who))
	return hex.EncodeToString(sum[:5])
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
