package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// The real service with its default send rules: POST /map shows that a 4-second call
// would be filtered, /push skips it with the rule's reason, and a call long enough is
// delivered.
func TestDefaultSendRulesOfTheService(t *testing.T) {
	t.Parallel()
	k := kendotest.New(t, kendo.Rate{Limit: 30, Period: time.Minute})
	p := serve(t, "--db", "sqlite:"+t.TempDir()+"/ak.db", "--kendo-url", k.URL(), "--kendo-api-key", "pk_test_send_rules", "--settle", "0s")
	short := []byte(`{"event":"OutboundPhoneCall-DispositionCompleted","body":{"id":940879001,"type":1,"direction":2,"current_status2":9,
		"disposition_status2":4,"talk_time":4,"created_at":"2026-09-14 15:02:10","user_email":"sam@acme.example",
		"direct_recording_url":"https://app.aloware.io/static/recording/4a5b"}}`)
	code, body := p.post(t, "/map", short)
	var res struct {
		State, FilteredBy, Reason string
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil || code != http.StatusOK {
		t.Fatalf("/map: %d %s", code, body)
	}
	if res.State != "filtered" || res.FilteredBy != "min-talk-time" || res.Reason != "talk time 4 s is under --min-talk-time 10s" {
		t.Errorf("/map of a 4 s call: %s", body)
	}
	if code, body := p.push(t, short); code != http.StatusAccepted || !strings.Contains(body, `"status":"skipped"`) || !strings.Contains(body, "under --min-talk-time 10s") {
		t.Errorf("/push of a 4 s call: %d %s", code, body)
	}
	long := []byte(strings.NewReplacer(`"talk_time":4`, `"talk_time":42`, "940879001", "940879002").Replace(string(short)))
	p.push(t, long)
	deadline := time.Now().Add(20 * time.Second)
	for !p.delivered(t, "940879002") {
		if time.Now().After(deadline) {
			t.Fatalf("the 42 s call was not delivered: %s", p.status(t, "940879002"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := len(k.Emu.Calls()); n != 1 {
		t.Errorf("Kendo received %d calls, want the 42 s one only", n)
	}
}
