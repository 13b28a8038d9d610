package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
)

const hookSecret = "whsec_emulator_test_secret"

// receiver is a real HTTP endpoint that checks signatures as the service does and
// answers from a script (one status per request; 200 once the script is used up).
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	script  []int
	got     []received
	release chan struct{} // when non-nil, every request waits for it
}

type received struct {
	header   http.Header
	body     []byte
	verified bool
}

func newReceiver(t *testing.T, script ...int) *receiver {
	t.Helper()
	rc := &receiver{script: script}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		release := rc.release
		rc.got = append(rc.got, received{r.Header.Clone(), body,
			kendo.VerifySignature([][]byte{[]byte(hookSecret)}, body, r.Header.Get(kendo.SignatureHeader))})
		status := http.StatusOK
		if len(rc.script) > 0 {
			status, rc.script = rc.script[0], rc.script[1:]
		}
		rc.mu.Unlock()
		if release != nil {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func withWebhook(t *testing.T, rc *receiver, delay time.Duration) (*Emulator, *httptest.Server) {
	t.Helper()
	e := New(Options{Rate: kendo.Rate{Limit: 1000, Period: time.Minute}, Webhook: Webhook{
		URL: rc.URL + "/kendo/webhook", Secret: hookSecret, Delay: delay, Retries: 3, Backoff: time.Millisecond,
	}})
	t.Cleanup(e.Close)
	return e, serve(t, e)
}

// settled waits until no delivery is scheduled any more and returns them all.
func settled(t *testing.T, e *Emulator, n int) []WebhookDelivery {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		hooks := e.Webhooks()
		done := len(hooks) == n
		for _, h := range hooks {
			done = done && h.State != WebhookScheduled
		}
		if done {
			return hooks
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhooks never settled: %+v", hooks)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWebhookAfterEachAcceptedCall(t *testing.T) {
	rc := newReceiver(t)
	e, srv := withWebhook(t, rc, 10*time.Millisecond)
	first := ingestA(t, srv, `{"transcript":"Rep: hi","repName":"Sam Carter","repEmail":"sam@example.com","duration":245.5}`)
	second := ingestA(t, srv, `{"audioUrl":"https://x.example/a.mp3"}`)
	if r := ingestA(t, srv, `{"callTitle":"no content"}`); r.status != 400 {
		t.Fatalf("refused call: %d", r.status)
	}
	hooks := settled(t, e, 2) // the refused call gets none
	var ids []string
	for _, r := range []resp{first, second} {
		var ok struct {
			KendoCallID string `json:"callId"`
		}
		_ = json.Unmarshal(r.body, &ok)
		ids = append(ids, ok.KendoCallID)
	}

	got := rc.requests()
	if len(got) != 2 {
		t.Fatalf("receiver got %d requests", len(got))
	}
	seen := map[string]bool{}
	for i, h := range hooks {
		if h.State != WebhookDelivered || h.Attempts != 1 || h.Status != 200 || h.KendoCallID != ids[i] || h.Event != "call.uploaded" {
			t.Errorf("delivery %d: %+v", i, h)
		}
		if seen[h.DeliveryID] || !strings.HasPrefix(h.DeliveryID, "dlv_") {
			t.Errorf("delivery id %q is not unique", h.DeliveryID)
		}
		seen[h.DeliveryID] = true
	}
	for _, r := range got {
		if !r.verified {
			t.Errorf("signature does not verify: %s", r.header.Get(kendo.SignatureHeader))
		}
		if r.header.Get(kendo.EventHeader) != "call.uploaded" || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("headers %v", r.header)
		}
	}

	// The body is Kendo's shape, read back with the service's parser. The two
	// deliveries race each other, so find the first call's by its delivery id.
	if got[0].header.Get(kendo.DeliveryIDHeader) != hooks[0].DeliveryID {
		got[0], got[1] = got[1], got[0]
	}
	ev, err := kendo.ParseWebhook(got[0].header, got[0].body)
	if err != nil {
		t.Fatal(err)
	}
	d := ev.Data
	if ev.Event != "call.uploaded" || ev.Test || !strings.HasPrefix(ev.ID, "evt_") || ev.CreatedAt.IsZero() ||
		ev.DeliveryID != hooks[0].DeliveryID || len(ev.Dropped) != 0 {
		t.Errorf("event %+v", ev)
	}
	if d.KendoCallID != ids[0] || d.AgentName != "Sam Carter" || d.Duration != 245.5 || d.AgentID == "" || d.UserID == "" || d.TeamMemberUserID == "" || d.Timestamp.IsZero() {
		t.Errorf("data %+v", d)
	}
	var raw struct{ Data struct{ AIScore any } }
	_ = json.Unmarshal(got[0].body, &raw)
	if s, ok := raw.Data.AIScore.(string); !ok || s < "50" || s > "99" || len(s) != 2 {
		t.Errorf("aiScore %#v, want a string from 50 to 99", raw.Data.AIScore)
	}
	if string(hooks[0].Body) != string(got[0].body) {
		t.Error("GET /webhooks does not show the bytes that were signed")
	}

	var listed []WebhookDelivery
	if r := do(t, srv, req{method: http.MethodGet, path: "/webhooks"}); r.status != 200 || json.Unmarshal(r.body, &listed) != nil || len(listed) != 2 {
		t.Fatalf("GET /webhooks: %d %s", r.status, r.body)
	}
	if r := do(t, srv, req{method: http.MethodGet, path: "/webhooks"}); strings.Contains(string(r.body), hookSecret) {
		t.Error("GET /webhooks shows the secret")
	}
}

func TestWebhookRetries(t *testing.T) {
	tests := []struct {
		name     string
		script   []int
		state    string
		attempts int
		status   int
	}{
		{"recovers after 5xx and 429", []int{503, 429, 200}, WebhookDelivered, 3, 200},
		{"gives up after the retries", []int{500, 500, 500, 500, 500}, WebhookFailed, 4, 500},
		{"a refusal is final", []int{401}, WebhookFailed, 1, 401},
		{"a missing route is final", []int{404}, WebhookFailed, 1, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, tt.script...)
			e, srv := withWebhook(t, rc, 0)
			ingestA(t, srv, okBody)
			h := settled(t, e, 1)[0]
			if h.State != tt.state || h.Attempts != tt.attempts || h.Status != tt.status {
				t.Fatalf("delivery %+v, want %s after %d attempts (%d)", h, tt.state, tt.attempts, tt.status)
			}
			got := rc.requests()
			if len(got) != tt.attempts {
				t.Fatalf("receiver got %d requests, want %d", len(got), tt.attempts)
			}
			for _, r := range got {
				if id := r.header.Get(kendo.DeliveryIDHeader); id != h.DeliveryID {
					t.Errorf("a retry carries delivery id %q, want %q", id, h.DeliveryID)
				}
			}
		})
	}
}

func TestWebhookUnreachableReceiver(t *testing.T) {
	rc := newReceiver(t)
	url := rc.URL
	rc.Close()
	e := New(Options{Webhook: Webhook{URL: url + "/kendo/webhook?token=q_secret", Secret: hookSecret, Retries: 1, Backoff: time.Millisecond}})
	t.Cleanup(e.Close)
	srv := serve(t, e)
	if r := ingestA(t, srv, okBody); r.status != 201 {
		t.Fatalf("ingest: %d", r.status)
	}
	h := settled(t, e, 1)[0]
	if h.State != WebhookFailed || h.Attempts != 2 || h.Status != 0 || h.Error == "" || strings.Contains(h.Error, "q_secret") {
		t.Fatalf("delivery %+v", h)
	}
}

// A receiver that never answers holds up no ingest: each 201 comes back while every
// webhook is still stuck.
func TestWebhookNeverBlocksIngest(t *testing.T) {
	rc := newReceiver(t)
	rc.release = make(chan struct{})
	e, srv := withWebhook(t, rc, 0)
	for i := 0; i < 5; i++ {
		if r := ingestA(t, srv, okBody); r.status != 201 {
			t.Fatalf("ingest %d: %d", i, r.status)
		}
	}
	if n := len(e.Calls()); n != 5 {
		t.Fatalf("%d calls", n)
	}
	close(rc.release)
	settled(t, e, 5)
}

func TestWebhookCloseCancelsPending(t *testing.T) {
	rc := newReceiver(t)
	e, srv := withWebhook(t, rc, time.Hour)
	ingestA(t, srv, okBody)
	e.Close()
	h := e.Webhooks()[0]
	if h.State != WebhookCancelled || h.Attempts != 0 || len(rc.requests()) != 0 {
		t.Fatalf("after Close: %+v, %d requests", h, len(rc.requests()))
	}
	ingestA(t, srv, okBody) // still answers, schedules nothing more
	if hooks := e.Webhooks(); len(hooks) != 2 || hooks[1].State != WebhookCancelled {
		t.Fatalf("after Close: %+v", hooks)
	}
}

func TestWebhookTestDelivery(t *testing.T) {
	rc := newReceiver(t)
	e, srv := withWebhook(t, rc, time.Hour)
	r := do(t, srv, req{path: "/webhooks/test"})
	if r.status != http.StatusAccepted {
		t.Fatalf("POST /webhooks/test: %d %s", r.status, r.body)
	}
	settled(t, e, 1)
	got := rc.requests()
	if len(got) != 1 || !got[0].verified || got[0].header.Get(kendo.EventHeader) != "test" {
		t.Fatalf("receiver got %+v", got)
	}
	ev, err := kendo.ParseWebhook(got[0].header, got[0].body)
	if err != nil || !ev.Test {
		t.Fatalf("test delivery parsed as %+v, %v", ev, err)
	}
	if len(e.Calls()) != 0 {
		t.Error("a test delivery is no call")
	}

	off := serve(t, New(Options{}))
	if r := do(t, off, req{path: "/webhooks/test"}); r.status != http.StatusConflict {
		t.Errorf("without a webhook URL: %d", r.status)
	}
	if r := do(t, off, req{method: http.MethodGet, path: "/webhooks"}); r.status != 200 || strings.TrimSpace(string(r.body)) != "[]" {
		t.Errorf("GET /webhooks without a webhook: %d %s", r.status, r.body)
	}
}
