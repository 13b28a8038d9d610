package delivery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// webhook is a verified delivery as the handler hands it over: parsed, and its bytes.
type webhook struct {
	ev  kendo.WebhookEvent
	raw []byte
}

// callUploaded is a verified call.uploaded delivery.
func callUploaded(t *testing.T, deliveryID, kendoCallID, score string, test bool) webhook {
	t.Helper()
	raw := fmt.Appendf(nil, `{"id":"evt_%s","event":"call.uploaded","created_at":"2026-08-05T21:02:11Z","data":{"callId":%q,`+
		`"agentName":"Sam Carter","duration":245.5,"aiScore":%q,"_isTest":%v}}`, deliveryID, kendoCallID, score, test)
	h := http.Header{}
	h.Set(kendo.DeliveryIDHeader, deliveryID)
	h.Set(kendo.EventHeader, kendo.EventCallUploaded)
	ev, err := kendo.ParseWebhook(h, raw)
	if err != nil {
		t.Fatal(err)
	}
	return webhook{ev, raw}
}

func record(t *testing.T, svc *delivery.Service, w webhook, want delivery.WebhookResult) {
	t.Helper()
	got, err := svc.RecordAnalysis(context.Background(), w.ev, w.raw)
	if err != nil || got != want {
		t.Fatalf("RecordAnalysis(%s, callId %q): %q, err %v; want %q", w.ev.DeliveryID, w.ev.Data.KendoCallID, got, err, want)
	}
}

// The engine's side of Kendo's analysis webhook, on a real database: call.uploaded for a
// delivered call makes it analyzed with the score and agent; what must change nothing
// (a repeated delivery id, a test delivery, another event) changes nothing; a callId no
// delivered call has is unmatched, also for a call erased since; every result is
// counted, and the delay from delivery to analysis has its sample.
func TestAnalysisWebhook(t *testing.T) {
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			k := newKendo(t, kendo.Rate{Limit: 100, Period: time.Second})
			reg := prometheus.NewRegistry()
			svc := startEngine(t, db(t), k.URL(), engineOpts{reg: reg})
			for _, raw := range recorded(t, "inbound-940870001") {
				accept(t, svc, raw)
			}
			delivered := waitStatus(t, svc, "940870001", lifecycle.Delivered, 15*time.Second)

			// Before the call is known by its Kendo callId nothing matches.
			record(t, svc, callUploaded(t, "dlv_early", "kendo-call-not-ours", "40", false), delivery.WebhookUnmatched)

			record(t, svc, callUploaded(t, "dlv_1", delivered.KendoCallID, "87", false), delivery.WebhookMatched)
			rec, err := svc.Call(context.Background(), "940870001")
			if err != nil || rec.Status != lifecycle.Analyzed || rec.Analysis == nil || rec.Analysis.AIScore != "87" ||
				rec.Analysis.AgentName != "Sam Carter" || rec.Analysis.ReceivedAt.Before(*rec.DeliveredAt) {
				t.Fatalf("after call.uploaded: %+v (analysis %+v), err %v", rec, rec.Analysis, err)
			}

			record(t, svc, callUploaded(t, "dlv_1", delivered.KendoCallID, "12", false), delivery.WebhookDuplicate)
			record(t, svc, callUploaded(t, "dlv_test", delivered.KendoCallID, "13", true), delivery.WebhookTest)
			training := []byte(`{"id":"evt_tr","event":"ai.training.completed","data":{"callId":"` + delivered.KendoCallID + `"}}`)
			ev, err := kendo.ParseWebhook(http.Header{kendo.DeliveryIDHeader: {"dlv_tr"}}, training)
			if err != nil {
				t.Fatal(err)
			}
			record(t, svc, webhook{ev, training}, delivery.WebhookIgnored)
			after, err := svc.Call(context.Background(), "940870001")
			if err != nil || after.Status != lifecycle.Analyzed || *after.Analysis != *rec.Analysis {
				t.Fatalf("what must change nothing changed the call: %+v, err %v; was %+v", after.Analysis, err, rec.Analysis)
			}
			// A repeat of any Aloware event of an analyzed call is a duplicate.
			for _, raw := range recorded(t, "inbound-940870001") {
				if rc := accept(t, svc, raw); !rc.Duplicate || rc.KendoCallID != delivered.KendoCallID || rc.Status != lifecycle.Analyzed {
					t.Fatalf("repeat of an event: %+v", rc)
				}
			}

			// An erased call is no longer matched, and stays erased.
			id := "940870002"
			for _, raw := range recorded(t, "inbound-940870001") {
				accept(t, svc, withID(raw, "940870001", id))
			}
			erased := waitStatus(t, svc, id, lifecycle.Delivered, 15*time.Second)
			if _, err := svc.Erase(context.Background(), id, "an operator in a test"); err != nil {
				t.Fatal(err)
			}
			record(t, svc, callUploaded(t, "dlv_2", erased.KendoCallID, "55", false), delivery.WebhookUnmatched)
			if rec, err := svc.Call(context.Background(), id); err != nil || rec.Status != lifecycle.Erased || rec.Analysis != nil {
				t.Fatalf("erased call after call.uploaded: %+v, err %v", rec, err)
			}

			for result, want := range map[string]float64{"matched": 1, "unmatched": 2, "duplicate": 1, "test": 1, "ignored": 1} {
				if got := sample(t, reg, "aloware_kendo_kendo_webhooks_total", map[string]string{"result": result}); got != want {
					t.Errorf("aloware_kendo_kendo_webhooks_total{result=%q} = %v, want %v", result, got, want)
				}
			}
			if n := histogramCount(t, reg, "aloware_kendo_analysis_delay_seconds"); n != 1 {
				t.Errorf("aloware_kendo_analysis_delay_seconds has %d samples, want 1", n)
			}
		})
	}
}

// Kendo's analysis can reach the service before the 201 naming its callId is committed
// (another replica takes the webhook while this one is still recording the answer): it
// is stored unmatched, and the commit of the 201 then applies it — the call is analyzed
// from the first such delivery, with the latest one's score. A later re-analysis
// replaces the score and keeps the first time. Erasing the call drops the bodies of
// the deliveries that name it.
func TestAnalysisBeforeTheAnswer(t *testing.T) {
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			k := newKendo(t, kendo.Rate{Limit: 100, Period: time.Second})
			loc := db(t)
			svc := startEngine(t, loc, k.URL(), engineOpts{})
			k.SetFault(func(_ int64, w http.ResponseWriter, r *http.Request) bool {
				answer := httptest.NewRecorder()
				k.Emu.ServeHTTP(answer, r)
				var created struct {
					CallID string `json:"callId"`
				}
				if answer.Code != http.StatusCreated || json.Unmarshal(answer.Body.Bytes(), &created) != nil {
					t.Errorf("emulator answered %d %s", answer.Code, answer.Body)
				}
				// Both arrive before Kendo's answer reaches the engine.
				record(t, svc, callUploaded(t, "dlv_a", created.CallID, "40", false), delivery.WebhookUnmatched)
				record(t, svc, callUploaded(t, "dlv_b", created.CallID, "87", false), delivery.WebhookUnmatched)
				for h, v := range answer.Header() {
					w.Header()[h] = v
				}
				w.WriteHeader(answer.Code)
				w.Write(answer.Body.Bytes())
				return true
			})
			for _, raw := range recorded(t, "inbound-940870001") {
				accept(t, svc, raw)
			}
			rec := waitStatus(t, svc, "940870001", lifecycle.Analyzed, 15*time.Second)
			if rec.Analysis == nil || rec.Analysis.AIScore != "87" || rec.Analysis.ReceivedAt.After(*rec.DeliveredAt) {
				t.Fatalf("analysis that came first: %+v (delivered %v)", rec.Analysis, rec.DeliveredAt)
			}
			first := rec.Analysis.ReceivedAt

			record(t, svc, callUploaded(t, "dlv_c", rec.KendoCallID, "91", false), delivery.WebhookMatched)
			if rec, err := svc.Call(context.Background(), "940870001"); err != nil || rec.Analysis.AIScore != "91" ||
				!rec.Analysis.ReceivedAt.Equal(first) {
				t.Fatalf("after a re-analysis: %+v, err %v; want score 91 analyzed at %v", rec.Analysis, err, first)
			}

			if _, err := svc.Erase(context.Background(), "940870001", "an operator in a test"); err != nil {
				t.Fatal(err)
			}
			st, err := store.Open(context.Background(), loc, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			db := st.SQL
			var left int
			if err := db.QueryRow(`SELECT COUNT(*) FROM ak_kendo_webhooks WHERE length(raw) > 0`).Scan(&left); err != nil || left != 0 {
				t.Fatalf("after erasing the call %d webhook bodies name it (err %v)", left, err)
			}
			var results []string
			rows, err := db.Query(`SELECT result FROM ak_kendo_webhooks ORDER BY delivery_id`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var r string
				rows.Scan(&r)
				results = append(results, r)
			}
			if fmt.Sprint(results) != "[matched matched matched]" {
				t.Fatalf("stored results %v, want all matched", results)
			}
		})
	}
}
