package ui_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
)

// The written forms of a phone number and a recording URL that a simple pattern misses,
// each as the text that must never reach the page and the field it arrives in.
var hardForms = []string{
	"202-555-0177x12", "2025550177ext9", "Phone+12025550177", "+1-202-555-0177_home", "202/555/0177",
	"２０２５５５０１７７", "202\u00a0555\u00a00177", "202\u2011555\u20110177",
	"app.aloware.io/static/recording/5f1e", "//app.aloware.io/static/recording/6a2b",
}

// hardLeaks are the pieces of hardForms that show a number or a recording.
var hardLeaks = []string{"555-0177", "5550177", "555/0177", "０１７７", "555\u00a00177", "555\u20110177", "static/recording", "5f1e", "6a2b"}

func TestCallAndQuarantinePagesMaskEveryWrittenForm(t *testing.T) {
	f, s := seeded(t, 3)
	rec, res := failedRecord("940868999", testNow)
	all := strings.Join(hardForms, " | ")
	rec.Reason, rec.LastError = "Kendo refused: "+all, "400: audioUrl "+all
	rec.AttemptLog[0].Message = "audioUrl " + all
	rec.Warnings = append([]string{}, hardForms...)
	rec.Events = append(rec.Events, delivery.EventSeen{Name: "Call " + hardForms[0], Kind: "call", ReceivedAt: testNow})
	res.Warnings = append([]string{}, hardForms...)
	res.Payload.CallTitle, res.Payload.Transcript = "Inbound - "+all, "Customer: "+all
	res.Payload.Metadata["alowareContactPhone"] = hardForms[3]
	f.add(rec, res)
	f.quarantine = append(f.quarantine, delivery.QuarantinedEvent{ID: 99, ReceivedAt: testNow.Add(-time.Minute), Event: hardForms[2],
		Size: 10, Problems: []delivery.Problem{{Location: "body." + hardForms[1], Message: all}}})

	for _, page := range []string{"/ui/calls/940868999", "/ui/quarantine", "/ui?q=940868999"} {
		a := s.get(t, page)
		if a.status != http.StatusOK {
			t.Fatalf("%s: %d", page, a.status)
		}
		mustNotContain(t, page, a.body, hardLeaks...)
	}
}
