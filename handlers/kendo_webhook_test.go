package handlers_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/inbound"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// fakeRecorder stands in for the engine: it answers what it is told and keeps what
// it was given.
type fakeRecorder struct {
	mu     sync.Mutex
	result delivery.WebhookResult
	err    error
	got    []kendo.WebhookEvent
	raw    [][]byte
}

func (f *fakeRecorder) RecordAnalysis(_ context.Context, ev kendo.WebhookEvent, raw []byte) (delivery.WebhookResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, ev)
	f.raw = append(f.raw, bytes.Clone(raw))
	return f.result, f.err
}

func (f *fakeRecorder) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.got)
}

const (
	secretGlobal = "whsec_global_secret"
	secretTeam   = "whsec_team_support_secret"
)

func signed(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func TestKendoWebhook(t *testing.T) {
	uploaded := readFile(t, filepath.Join(repoRoot, "testdata/kendo-webhook/call-uploaded.json"))
	testDelivery := readFile(t, filepath.Join(repoRoot, "testdata/kendo-webhook/test.json"))
	training := readFile(t, filepath.Join(repoRoot, "testdata/kendo-webhook/ai-training-completed.json"))
	secrets := [][]byte{[]byte(secretGlobal), []byte(secretTeam)}
	tests := []struct {
		name     string
		secrets  [][]byte
		recorder *fakeRecorder // nil: none configured
		body     []byte
		header   []string
		status   int
		result   string // the answer's result on a 2xx
		detail   string // part of the problem's detail otherwise
		recorded bool
	}{
		{"matched", secrets, &fakeRecorder{result: delivery.WebhookMatched}, uploaded,
			[]string{"X-Kendo-Signature", signed(secretGlobal, uploaded), "X-Kendo-Event", "call.uploaded", "X-Kendo-Delivery-Id", "dlv_1"},
			200, "matched", "", true},
		{"a team's secret", secrets, &fakeRecorder{result: delivery.WebhookMatched}, uploaded,
			[]string{"X-Kendo-Signature", signed(secretTeam, uploaded), "X-Kendo-Event", "call.uploaded"},
			200, "matched", "", true},
		{"unmatched is no error to Kendo", secrets, &fakeRecorder{result: delivery.WebhookUnmatched}, uploaded,
			[]string{"X-Kendo-Signature", signed(secretGlobal, uploaded)}, 200, "unmatched", "", true},
		{"a repeated delivery", secrets, &fakeRecorder{result: delivery.WebhookDuplicate}, uploaded,
			[]string{"X-Kendo-Signature", signed(secretGlobal, uploaded), "X-Kendo-Delivery-Id", "dlv_1"}, 200, "duplicate", "", true},
		{"another event", secrets, &fakeRecorder{result: delivery.WebhookIgnored}, training,
			[]string{"X-Kendo-Signature", signed(secretGlobal, training), "X-Kendo-Event", "ai.training.completed"}, 200, "ignored", "", true},
		// The engine sees a test delivery only to count it; the answer is "test" whatever it says.
		{"test delivery changes nothing", secrets, &fakeRecorder{result: delivery.WebhookMatched}, testDelivery,
			[]string{"X-Kendo-Signature", signed(secretGlobal, testDelivery), "X-Kendo-Event", "test"}, 200, "test", "", true},
		{"_isTest alone is a test", secrets, &fakeRecorder{result: delivery.WebhookMatched}, testDelivery,
			[]string{"X-Kendo-Signature", signed(secretGlobal, testDelivery), "X-Kendo-Event", "call.uploaded"}, 200, "test", "", true},
		{"test delivery without an engine", secrets, nil, testDelivery,
			[]string{"X-Kendo-Signature", signed(secretGlobal, testDelivery), "X-Kendo-Event", "test"}, 200, "test", "", false},

		{"no secret configured: refused", nil, &fakeRecorder{result: delivery.WebhookMatched}, uploaded,
			[]string{"X-Kendo-Signature", signed(secretGlobal, uploaded)}, 404, "", "--kendo-webhook-secret", false},
		{"no signature", secrets, &fakeRecorder{result: delivery.WebhookMatched}, uploaded, nil, 401, "", "missing X-Kendo-Signature", false},
		{"signed with another secret", secrets, &fakeRecorder{result: delivery.WebhookMatched}, uploaded,
			[]string{"X-Kendo-Signature", signed("whsec_someone_else", uploaded)}, 401, "", "does not match", false},
		{"body changed after signing", secrets, &fakeRecorder{result: delivery.WebhookMatched}, append(bytes.Clone(uploaded), ' '),
			[]string{"X-Kendo-Signature", signed(secretGlobal, uploaded)}, 401, "", "does not match", false},
		{"signature not hex", secrets, &fakeRecorder{result: delivery.WebhookMatched}, uploaded,
			[]string{"X-Kendo-Signature", "not-hex"}, 401, "", "does not match", false},
		{"a test delivery is verified too", secrets, nil, testDelivery,
			[]string{"X-Kendo-Signature", signed("wrong", testDelivery), "X-Kendo-Event", "test"}, 401, "", "does not match", false},
		{"signed, but not JSON", secrets, &fakeRecorder{result: delivery.WebhookMatched}, []byte("not json"),
			[]string{"X-Kendo-Signature", signed(secretGlobal, []byte("not json"))}, 400, "", "not a JSON object", false},
		{"storage failed: Kendo retries", secrets, &fakeRecorder{err: errors.New("database is locked")}, uploaded,
			[]string{"X-Kendo-Signature", signed(secretGlobal, uploaded)}, 503, "", "send it again", true},
		{"no engine in this process", secrets, nil, uploaded,
			[]string{"X-Kendo-Signature", signed(secretGlobal, uploaded)}, 503, "", "not recorded", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := handlers.Deps{KendoWebhook: handlers.KendoWebhook{Secrets: tt.secrets}}
			if tt.recorder != nil {
				d.KendoWebhook.Recorder = tt.recorder
			}
			srv := newServer(t, d)
			resp := post(t, srv.URL+"/kendo/webhook", tt.body, tt.header...)
			if resp.status != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.status, tt.status, clip(resp.body))
			}
			if tt.status/100 == 2 {
				if got := resp.json(t)["result"]; got != tt.result {
					t.Errorf("result %v, want %s", got, tt.result)
				}
			} else if p := resp.problem(t); !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("detail %q, want it to say %q", p.Detail, tt.detail)
			}
			if tt.status == 503 && resp.header.Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
			recorded := tt.recorder != nil && tt.recorder.calls() > 0
			if recorded != tt.recorded {
				t.Fatalf("recorded = %v, want %v", recorded, tt.recorded)
			}
			if recorded && !bytes.Equal(tt.recorder.raw[0], tt.body) {
				t.Errorf("the recorder got other bytes than were signed")
			}
		})
	}
}

// The recorder gets the parsed delivery, headers included.
func TestKendoWebhookParsesForTheRecorder(t *testing.T) {
	body := readFile(t, filepath.Join(repoRoot, "testdata/kendo-webhook/call-uploaded.json"))
	rec := &fakeRecorder{result: delivery.WebhookMatched}
	srv := newServer(t, handlers.Deps{KendoWebhook: handlers.KendoWebhook{Recorder: rec, Secrets: [][]byte{[]byte(secretGlobal)}}})
	resp := post(t, srv.URL+"/kendo/webhook", body,
		"X-Kendo-Signature", signed(secretGlobal, body), "X-Kendo-Event", "call.uploaded", "X-Kendo-Delivery-Id", "dlv_parse")
	if resp.status != 200 {
		t.Fatalf("%d %s", resp.status, resp.body)
	}
	ev := rec.got[0]
	if ev.DeliveryID != "dlv_parse" || ev.Event != "call.uploaded" || ev.Test ||
		ev.Data.KendoCallID != "5f0c6a2e-8d4b-4c1e-9a7f-3b2d1e0f9c8a" || ev.Data.AIScore != "87" || ev.Data.AgentName != "Sam Carter" {
		t.Errorf("recorder got %+v", ev)
	}
}

// Kendo has no inbound credentials: the webhook stays open when they are required
// everywhere else, and the signature still guards it.
func TestKendoWebhookIsOpenToKendo(t *testing.T) {
	auth, err := inbound.New(inbound.Config{Token: "s3cret-token"})
	if err != nil {
		t.Fatal(err)
	}
	body := readFile(t, filepath.Join(repoRoot, "testdata/kendo-webhook/call-uploaded.json"))
	rec := &fakeRecorder{result: delivery.WebhookMatched}
	srv := newServer(t, handlers.Deps{Auth: auth, KendoWebhook: handlers.KendoWebhook{Recorder: rec, Secrets: [][]byte{[]byte(secretGlobal)}}})
	if resp := post(t, srv.URL+"/kendo/webhook", body, "X-Kendo-Signature", signed(secretGlobal, body)); resp.status != 200 {
		t.Errorf("signed, no inbound credentials: %d %s", resp.status, resp.body)
	}
	if resp := post(t, srv.URL+"/kendo/webhook", body); resp.status != 401 || resp.header.Get("WWW-Authenticate") != "" {
		t.Errorf("unsigned: %d (WWW-Authenticate %q), want the webhook's own 401", resp.status, resp.header.Get("WWW-Authenticate"))
	}
	if resp := post(t, srv.URL+"/push", []byte(`{"test_payload":true}`)); resp.status != 401 {
		t.Errorf("/push without credentials: %d", resp.status)
	}
}

// The route is open: it takes 64 KiB at most (Kendo sends a few hundred bytes).
func TestKendoWebhookBodyLimit(t *testing.T) {
	rec := &fakeRecorder{result: delivery.WebhookMatched}
	srv := newServer(t, handlers.Deps{KendoWebhook: handlers.KendoWebhook{Recorder: rec, Secrets: [][]byte{[]byte(secretGlobal)}}})
	for size, want := range map[int]int{64 << 10: http.StatusOK, 64<<10 + 1: http.StatusRequestEntityTooLarge, 1 << 20: http.StatusRequestEntityTooLarge} {
		prefix, suffix := `{"event":"call.uploaded","data":{"agentName":"`, `"}}`
		body := []byte(prefix + strings.Repeat("a", size-len(prefix)-len(suffix)) + suffix)
		before := rec.calls()
		resp := post(t, srv.URL+"/kendo/webhook", body, "X-Kendo-Signature", signed(secretGlobal, body))
		if resp.status != want {
			t.Errorf("%d bytes: %d, want %d", size, resp.status, want)
		}
		if recorded := rec.calls() - before; (want == http.StatusOK) != (recorded == 1) {
			t.Errorf("%d bytes: recorded %d", size, recorded)
		}
	}
}

// The document says what Kendo must send and that no inbound credentials apply.
func TestKendoWebhookDocumented(t *testing.T) {
	spec, err := handlers.OpenAPIYAML()
	if err != nil {
		t.Fatal(err)
	}
	op := string(spec[bytes.Index(spec, []byte("  /kendo/webhook:")):])
	if end := strings.Index(op[len("  /kendo/webhook:"):], "\n  /"); end >= 0 {
		op = op[:len("  /kendo/webhook:")+end]
	}
	for _, want := range []string{"operationId: receive-kendo-webhook", "name: X-Kendo-Signature", "required: true", "\"401\":", "\"404\":", "\"503\":", "KendoWebhookAnswer"} {
		if !strings.Contains(op, want) {
			t.Errorf("the operation lacks %q:\n%s", want, op)
		}
	}
	if strings.Contains(op, "bearerAuth") || strings.Contains(op, "basicAuth") {
		t.Errorf("the webhook must not ask for inbound credentials (it is open: security [{}]):\n%s", op)
	}
}
