package e2e

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // database/sql driver "sqlite", to look into the service's database

	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/kendo/emulator"
)

const webhookSecret = "whsec_e2e_webhook_secret"

// Kendo's analysis webhook with real HTTP on both sides: the service
// and the emulator run as processes, the emulator sends a signed call.uploaded a second
// after it accepts the call, and the call goes delivered → analyzed. Then everything
// that must change nothing changes nothing: a repeat of the call's Aloware events, an
// unsigned or wrongly signed POST, Kendo's test delivery, a repeat of a delivery id. An
// unmatched callId is stored and counted, and the delay from delivery to analysis has
// its sample.
func TestWebhookClosesTheLoop(t *testing.T) {
	t.Parallel()
	dbs := map[string]func(t *testing.T) (location string, open func() *sql.DB){
		"sqlite": func(t *testing.T) (string, func() *sql.DB) {
			path := filepath.Join(t.TempDir(), "ak.db")
			return "sqlite:" + path, func() *sql.DB { return openDB(t, "sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)") }
		},
		"postgres": func(t *testing.T) (string, func() *sql.DB) {
			url := testenv.FreshPostgres(t)
			return url, func() *sql.DB { return openDB(t, "pgx", url) }
		},
	}
	for name, db := range dbs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			location, openDB := db(t)
			emuAddr := freeAddr(t)
			p := serve(t, "--db", location, "--kendo-url", "http://"+emuAddr+emulator.IngestPath, "--kendo-api-key", key,
				"--settle", "1s", "--kendo-webhook-secret", webhookSecret)
			emu := startEmulator(t, emuAddr, "--webhook-url", p.base+handlers.KendoWebhookPath,
				"--webhook-secret", webhookSecret, "--analysis-delay", "1s")

			const id = "940868616"
			events := lifecycle(t, "outbound-940868616")
			p.pushAll(t, events)
			waitFor(t, 30*time.Second, "the call delivered", func() bool {
				s := p.record(t, id).Status
				return s == "delivered" || s == "analyzed"
			})
			waitFor(t, 30*time.Second, "the call analyzed", func() bool { return p.record(t, id).Status == "analyzed" })
			rec := p.record(t, id)
			accepted := emu.calls(t)
			if len(accepted) != 1 || rec.KendoCallID != accepted[0].KendoCallID {
				t.Fatalf("Kendo accepted %d calls; the call's callId is %q", len(accepted), rec.KendoCallID)
			}
			hooks := emu.webhooks(t)
			if len(hooks) != 1 || hooks[0].State != emulator.WebhookDelivered || hooks[0].Status != 200 || hooks[0].KendoCallID != rec.KendoCallID {
				t.Fatalf("the emulator's webhooks: %+v", hooks)
			}
			var sent struct {
				Data struct{ AIScore, AgentName string }
			}
			if err := json.Unmarshal(hooks[0].Body, &sent); err != nil {
				t.Fatal(err)
			}
			a := rec.Analysis
			if a == nil || a.AIScore != sent.Data.AIScore || a.AIScore == "" || a.AgentName != sent.Data.AgentName || a.AgentName == "" ||
				rec.DeliveredAt == nil || a.ReceivedAt.Before(*rec.DeliveredAt) {
				t.Fatalf("analysis %+v (delivered at %v), want aiScore %q and agentName %q after the delivery", a, rec.DeliveredAt, sent.Data.AIScore, sent.Data.AgentName)
			}
			if n := p.metric(t, `aloware_kendo_kendo_webhooks_total{result="matched"}`); n != 1 {
				t.Fatalf("matched webhooks: %v, want 1", n)
			}
			if n := p.metric(t, "aloware_kendo_analysis_delay_seconds_count"); n != 1 {
				t.Fatalf("aloware_kendo_analysis_delay_seconds has %v samples, want 1", n)
			}

			// A repeat of any Aloware event of the analyzed call is a duplicate.
			for i, raw := range events {
				code, body := p.push(t, raw)
				if code != 200 || !strings.Contains(body, `"duplicate":true`) || !strings.Contains(body, `"callId":"`+rec.KendoCallID+`"`) {
					t.Fatalf("repeat of event %d: %d %s", i, code, body)
				}
			}

			// Unsigned and wrongly signed deliveries are refused.
			forged := callUploaded(rec.KendoCallID, "12", "dlv_forged")
			for _, sig := range []string{"", kendo.Sign([]byte("not-the-secret"), forged), "zz", strings.Repeat("0", 64)} {
				if code, body := p.postWebhook(t, forged, sig, "call.uploaded", "dlv_forged"); code != 401 {
					t.Fatalf("signature %q: %d %s, want 401", sig, code, body)
				}
			}

			// Kendo's test delivery (the emulator's "send test" button) changes nothing.
			resp, err := http.Post(emu.base+"/webhooks/test", "application/json", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			waitFor(t, 10*time.Second, "the test delivery answered", func() bool {
				hooks := emu.webhooks(t)
				return len(hooks) == 2 && hooks[1].Event == kendo.EventTest && hooks[1].State == emulator.WebhookDelivered && hooks[1].Status == 200
			})

			// So does a test delivery that names the analyzed call, with another score.
			test := bytes.Replace(callUploaded(rec.KendoCallID, "12", "dlv_test_1"), []byte(`"data":{`), []byte(`"data":{"_isTest":true,`), 1)
			if code, body := p.postWebhook(t, test, kendo.Sign([]byte(webhookSecret), test), kendo.EventTest, "dlv_test_1"); code != 200 || !strings.Contains(body, `"result":"test"`) {
				t.Fatalf("test delivery: %d %s", code, body)
			}

			// A repeat of a delivery id changes nothing, even with another score in it.
			repeat := callUploaded(rec.KendoCallID, "12", hooks[0].DeliveryID)
			if code, body := p.postWebhook(t, repeat, kendo.Sign([]byte(webhookSecret), repeat), "call.uploaded", hooks[0].DeliveryID); code != 200 || !strings.Contains(body, `"result":"duplicate"`) {
				t.Fatalf("repeated delivery id: %d %s", code, body)
			}

			// A call.uploaded for a callId no delivered call has is stored and counted.
			unmatched := callUploaded("kendo-call-nobody-sent", "77", "dlv_unmatched_1")
			if code, body := p.postWebhook(t, unmatched, kendo.Sign([]byte(webhookSecret), unmatched), "call.uploaded", "dlv_unmatched_1"); code != 200 || !strings.Contains(body, `"result":"unmatched"`) {
				t.Fatalf("unmatched callId: %d %s", code, body)
			}

			after := p.record(t, id)
			if after.Status != "analyzed" || *after.Analysis != *a || after.Attempts != 1 || len(after.AttemptLog) != 1 {
				t.Fatalf("the call changed: %+v, analysis %+v; was %+v", after, after.Analysis, a)
			}
			if n := len(emu.calls(t)); n != 1 {
				t.Fatalf("Kendo accepted %d calls, want 1", n)
			}
			for result, want := range map[string]float64{"matched": 1, "duplicate": 1, "test": 2, "unmatched": 1} {
				if n := p.metric(t, `aloware_kendo_kendo_webhooks_total{result="`+result+`"}`); n != want {
					t.Errorf("aloware_kendo_kendo_webhooks_total{result=%q} = %v, want %v", result, n, want)
				}
			}
			if n := p.metric(t, "aloware_kendo_analysis_delay_seconds_count"); n != 1 {
				t.Errorf("aloware_kendo_analysis_delay_seconds has %v samples, want 1", n)
			}
			db := openDB()
			var stored int
			if err := db.QueryRow(`SELECT COUNT(*) FROM ak_kendo_webhooks WHERE result = 'unmatched' AND kendo_call_id = 'kendo-call-nobody-sent'`).Scan(&stored); err != nil || stored != 1 {
				t.Fatalf("unmatched webhooks stored: %d (err %v), want 1", stored, err)
			}
		})
	}
}

// callUploaded is a call.uploaded body as Kendo documents it.
func callUploaded(kendoCallID, score, deliveryID string) []byte {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	return fmt.Appendf(nil, `{"id":"evt_%s","event":"call.uploaded","created_at":%q,"data":{"callId":%q,"agentId":"agt_e2e",`+
		`"agentName":"Sam Carter","userId":"usr_e2e","teamMemberUserId":"tmu_e2e","duration":245.5,"aiScore":%q,"timestamp":%q}}`,
		deliveryID, now, kendoCallID, score, now)
}

// postWebhook POSTs body to /kendo/webhook with Kendo's headers (no signature when sig is "").
func (p *proc) postWebhook(t testing.TB, body []byte, sig, event, deliveryID string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, p.base+handlers.KendoWebhookPath, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set(kendo.SignatureHeader, sig)
	}
	req.Header.Set(kendo.EventHeader, event)
	req.Header.Set(kendo.DeliveryIDHeader, deliveryID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", handlers.KendoWebhookPath, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// record reads GET /calls/{id} as the service's wire type.
func (p *proc) record(t testing.TB, id string) handlers.CallRecord {
	t.Helper()
	var rec handlers.CallRecord
	if s := p.status(t, id); s != "" {
		_ = json.Unmarshal([]byte(s), &rec)
	}
	return rec
}

// metric reads one sample from GET /metrics (series as Prometheus prints it; 0 when absent).
func (p *proc) metric(t testing.TB, series string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(p.body(t, "/metrics"))
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatalf("metric %s: %v", series, err)
	}
	return v
}

func openDB(t testing.TB, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
