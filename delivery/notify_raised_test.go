package delivery_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/notify"
)

// toldByType sums what a receiver was told, per type: the signed messages' data, merged
// (counts and calls added, call links appended), and every body as sent.
func toldByType(t *testing.T, r *receiver, secret string) (map[notify.Type]notify.Data, string) {
	t.Helper()
	out := map[notify.Type]notify.Data{}
	var all strings.Builder
	for _, got := range r.got() {
		all.Write(got.body)
		if !verifyStandardWebhook(secret, got.header, got.body) {
			t.Errorf("signature does not verify: %s", got.body)
			continue
		}
		var body struct {
			Type notify.Type `json:"type"`
			Data notify.Data `json:"data"`
		}
		if err := json.Unmarshal(got.body, &body); err != nil {
			t.Fatalf("body %s: %v", got.body, err)
		}
		d := out[body.Type]
		d.Count += body.Data.Count
		d.Calls += body.Data.Calls
		d.CallLinks = append(d.CallLinks, body.Data.CallLinks...)
		d.Causes = append(d.Causes, body.Data.Causes...)
		d.Team = body.Data.Team
		out[body.Type] = d
	}
	return out, all.String()
}

// The three kinds of news that are not a call's transition: Kendo cannot be reached (one
// message when the outage starts, however many requests fail, and one when it ends), a
// delivered call Kendo did not analyse within --analysis-expected-within (told once,
// though the check runs again and again), and Kendo's analysis crediting another agent
// than the rep sent. None carries a phone number or a recording URL.
func TestUnreachableNotAnalyzedAndMismatchAreTold(t *testing.T) {
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			const analysed, overdue = "940870001", "940870002"
			url, start := kendotest.Later(t, kendo.Rate{Limit: 100, Period: time.Second})
			hook := newReceiver(t, 0)
			var ahead atomic.Int64 // the engine's clock runs ahead by this much once the analysis is in
			clock := func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
			secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("raised notify test secret"))
			svc := startEngine(t, db(t), url, engineOpts{
				notify: notify.Targets{WebhookURL: hook.srv.URL, Secret: secret}, notifyInterval: time.Second,
				analysisWithin: 20 * time.Second, publicURL: "https://sync.example.com", now: clock,
			})
			for _, id := range []string{analysed, overdue} {
				for _, raw := range recorded(t, "inbound-940870001") {
					accept(t, svc, withID(raw, "940870001", id))
				}
			}
			waitCall(t, svc, analysed, "two requests that never arrived", 30*time.Second, func(r delivery.CallRecord) bool {
				return r.Attempts >= 2
			})
			waitFor(t, 30*time.Second, "kendo.unreachable told", func() bool {
				got, _ := toldByType(t, hook, secret)
				return got[notify.KendoUnreachable].Count > 0
			})
			start()
			rec := waitStatus(t, svc, analysed, lifecycle.Delivered, 60*time.Second)
			waitStatus(t, svc, overdue, lifecycle.Delivered, 60*time.Second)
			if _, err := svc.RecordAnalysis(context.Background(), kendo.WebhookEvent{Event: "call.uploaded", ID: "evt_mismatch",
				Data: kendo.WebhookCall{KendoCallID: rec.KendoCallID, AgentName: "Alex Kim"}}, []byte(`{}`)); err != nil {
				t.Fatal(err)
			}
			ahead.Store(int64(time.Hour)) // the other call's analysis is overdue now (the check runs every 5 s)
			waitFor(t, 60*time.Second, "recovered, not analysed and mismatch told", func() bool {
				got, _ := toldByType(t, hook, secret)
				return got[notify.KendoRecovered].Count > 0 && got[notify.CallsNotAnalyzed].Calls > 0 && got[notify.RepsMismatch].Calls > 0
			})
			time.Sleep(11 * time.Second) // the check runs twice more: nothing is told twice
			got, all := toldByType(t, hook, secret)
			if d := got[notify.KendoUnreachable]; d.Count != 1 || d.Team != "default" || len(d.Causes) == 0 {
				t.Errorf("kendo.unreachable %+v: want one event for the outage, with its cause", d)
			}
			if d := got[notify.KendoRecovered]; d.Count != 1 {
				t.Errorf("kendo.recovered %+v: want one", d)
			}
			if d := got[notify.CallsNotAnalyzed]; d.Calls != 1 || d.Count != 1 || d.CallLinks[0].AlowareCallID != overdue {
				t.Errorf("calls.not_analyzed %+v: want %s alone, once", d, overdue)
			}
			if d := got[notify.RepsMismatch]; d.Calls != 1 || d.CallLinks[0].AlowareCallID != analysed || !strings.Contains(d.Causes[0].Cause, "Alex Kim") {
				t.Errorf("reps.mismatch %+v: want %s, naming the agent Kendo credited", d, analysed)
			}
			for _, leak := range []string{"5550188", "5550142", "555 0", "recording", secret} { // the recorded calls' numbers
				if strings.Contains(all, leak) {
					t.Errorf("%q reached a notification: %s", leak, all)
				}
			}
		})
	}
}
