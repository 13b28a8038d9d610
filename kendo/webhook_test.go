package kendo_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
)

func readWebhook(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "kendo-webhook", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hmacHex computes the signature independently of kendo.Sign, as Kendo would.
func hmacHex(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func TestSign(t *testing.T) {
	body := readWebhook(t, "call-uploaded.json")
	if got, want := kendo.Sign([]byte("whsec_one"), body), hmacHex("whsec_one", body); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	// RFC 4231 test case 2, so the scheme is the standard one and not just self-consistent.
	if got := kendo.Sign([]byte("Jefe"), []byte("what do ya want for nothing?")); got != "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" {
		t.Fatalf("RFC 4231 case 2: %s", got)
	}
}

func TestVerifySignature(t *testing.T) {
	body := readWebhook(t, "call-uploaded.json")
	one, two := []byte("whsec_team_one"), []byte("whsec_team_two")
	good := hmacHex("whsec_team_two", body)
	tests := []struct {
		name    string
		secrets [][]byte
		body    []byte
		sig     string
		want    bool
	}{
		{"the only secret", [][]byte{two}, body, good, true},
		{"any of several secrets", [][]byte{one, two}, body, good, true},
		{"upper-case hex", [][]byte{two}, body, strings.ToUpper(good), true},
		{"surrounding spaces", [][]byte{two}, body, " " + good + " ", true},
		{"wrong secret", [][]byte{one}, body, good, false},
		{"no secrets", nil, body, good, false},
		{"empty secrets never verify", [][]byte{{}}, body, hmacHex("", body), false},
		{"body changed by one byte", [][]byte{two}, append([]byte(" "), body...), good, false},
		{"empty signature", [][]byte{two}, body, "", false},
		{"not hex", [][]byte{two}, body, "zz" + good[2:], false},
		{"odd length", [][]byte{two}, body, good[1:], false},
		{"truncated", [][]byte{two}, body, good[:32], false},
		{"too long", [][]byte{two}, body, good + "00", false},
		{"sha256= prefix is not Kendo's form", [][]byte{two}, body, "sha256=" + good, false},
		{"base64 is not Kendo's form", [][]byte{two}, body, "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := kendo.VerifySignature(tt.secrets, tt.body, tt.sig); got != tt.want {
				t.Errorf("VerifySignature = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseWebhook(t *testing.T) {
	header := func(event, delivery string) http.Header {
		h := http.Header{}
		if event != "" {
			h.Set(kendo.EventHeader, event)
		}
		if delivery != "" {
			h.Set(kendo.DeliveryIDHeader, delivery)
		}
		return h
	}
	at := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return t.UTC()
	}
	tests := []struct {
		name   string
		header http.Header
		body   []byte
		want   kendo.WebhookEvent
	}{
		{"call.uploaded", header("call.uploaded", "dlv_01"), readWebhook(t, "call-uploaded.json"), kendo.WebhookEvent{
			DeliveryID: "dlv_01", ID: "evt_01J9Z6Q2W8K3M5N7P9R1T3V5X7", Event: "call.uploaded", CreatedAt: at("2026-08-05T21:02:11.482Z"),
			Data: kendo.WebhookCall{
				KendoCallID: "5f0c6a2e-8d4b-4c1e-9a7f-3b2d1e0f9c8a", AgentID: "agt_7Hk2Lm9Qx", AgentName: "Sam Carter",
				UserID: "usr_3Fp8Rt1Wz", TeamMemberUserID: "tmu_9Bn4Cv6Xs", Duration: 245.5, AIScore: "87", Timestamp: at("2026-08-05T21:02:10Z"),
			},
		}},
		{"test delivery", header("test", "dlv_test"), readWebhook(t, "test.json"), kendo.WebhookEvent{
			DeliveryID: "dlv_test", ID: "evt_test_01J9Z6Q2W8", Event: "call.uploaded", CreatedAt: at("2026-08-05T21:00:00Z"), Test: true,
			Data: kendo.WebhookCall{KendoCallID: "test-call-id", AgentName: "Test Agent", Duration: 60, AIScore: "75", Timestamp: at("2026-08-05T21:00:00Z")},
		}},
		{"_isTest alone makes a test", header("call.uploaded", ""), []byte(`{"event":"call.uploaded","data":{"_isTest":true}}`),
			kendo.WebhookEvent{Event: "call.uploaded", Test: true}},
		{"X-Kendo-Event: test alone makes a test", header("test", ""), []byte(`{"data":{}}`),
			kendo.WebhookEvent{Event: "test", Test: true}},
		{"another event", header("ai.training.completed", "dlv_02"), readWebhook(t, "ai-training-completed.json"), kendo.WebhookEvent{
			DeliveryID: "dlv_02", ID: "evt_01J9Z7A4B6C8D0E2F4G6H8J0K2", Event: "ai.training.completed", CreatedAt: at("2026-08-06T09:15:00Z"),
		}},
		{"wrong types are dropped, not refused", header("call.uploaded", "dlv_03"), readWebhook(t, "odd-types.json"), kendo.WebhookEvent{
			DeliveryID: "dlv_03", ID: "12345", Event: "call.uploaded",
			Data:    kendo.WebhookCall{KendoCallID: "987654", Duration: 245.5, AIScore: "87"},
			Dropped: []string{"created_at", "data.agentId", "data.agentName", "data.timestamp"},
		}},
		{"data not an object", header("", ""), []byte(`{"event":"call.uploaded","data":"x"}`),
			kendo.WebhookEvent{Event: "call.uploaded", Dropped: []string{"data"}}},
		{"duration not a number", header("", ""), []byte(`{"data":{"duration":"long","aiScore":true}}`),
			kendo.WebhookEvent{Dropped: []string{"data.duration", "data.aiScore"}}},
		{"empty object", header("", ""), []byte(`{}`), kendo.WebhookEvent{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := kendo.ParseWebhook(tt.header, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseWebhook =\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
	for _, body := range []string{``, `null`, `[]`, `"x"`, `{"id":`, `not json`} {
		if _, err := kendo.ParseWebhook(http.Header{}, []byte(body)); !errors.Is(err, kendo.ErrWebhookBody) {
			t.Errorf("ParseWebhook(%q) error = %v, want ErrWebhookBody", body, err)
		}
	}
}
