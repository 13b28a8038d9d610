package handlers_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// A call whose Transcription-Saved body is the transcription's own record (its id is the
// transcription's, the call is named in communication_id) reaches Kendo once, with the
// recording and the transcript, under the call's id; no second call is made of the
// transcription's id.
func TestPushNestedTranscriptDeliversOnce(t *testing.T) {
	st := newStack(t, stackOptions{settle: 3 * time.Second}) // longer than the pushes take
	files := lifecycleFiles(t, "outbound-nested-transcript-940871234")
	for _, f := range files[:len(files)-1] {
		resp := post(t, st.srv.URL+"/push", readFile(t, f))
		if rec := receipt(t, resp); resp.status != http.StatusAccepted || rec.AlowareCallID != "940871234" {
			t.Fatalf("%s: %d, receipt for call %q, want 202 for 940871234", filepath.Base(f), resp.status, rec.AlowareCallID)
		}
	}
	last := post(t, st.srv.URL+"/push?wait=20s", readFile(t, files[len(files)-1]))
	if rec := receipt(t, last); rec.Status != lifecycle.Delivered {
		t.Fatalf("not delivered: %d %s", last.status, last.body)
	}
	if got := get(t, st.srv.URL+"/calls/88457"); got.status != http.StatusNotFound {
		t.Errorf("the transcription's id became a call: GET /calls/88457 answered %d %s", got.status, got.body)
	}
	calls := st.emu.Calls()
	if len(calls) != 1 {
		t.Fatalf("Kendo received %d calls, want 1", len(calls))
	}
	var p kendo.Payload
	if err := json.Unmarshal(calls[0].Payload, &p); err != nil {
		t.Fatal(err)
	}
	if p.AudioURL == "" || !strings.Contains(p.Transcript, "Rep: ") || p.Metadata["alowareCallId"] != "940871234" {
		t.Errorf("payload: audio %q, transcript %q, alowareCallId %v", p.AudioURL, p.Transcript, p.Metadata["alowareCallId"])
	}
}
