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
	if rec := receipt(t, last); lifecycle.Status(rec.Status) != lifecycle.Delivered {
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

// A summary that arrives after its call was delivered is answered 200 "late" (not
// "duplicate"), and GET /calls/{id} lists it with what Kendo has.
func TestPushLateArtifactIsAnsweredLate(t *testing.T) {
	st := newStack(t, stackOptions{settle: 50 * time.Millisecond})
	files := lifecycleFiles(t, "outbound-940868616") // 03 is the recording, 05 the summary
	for _, f := range files[:2] {
		post(t, st.srv.URL+"/push", readFile(t, f))
	}
	if rec := receipt(t, post(t, st.srv.URL+"/push?wait=20s", readFile(t, files[2]))); lifecycle.Status(rec.Status) != lifecycle.Delivered {
		t.Fatalf("not delivered: %+v", rec)
	}
	resp := post(t, st.srv.URL+"/push", readFile(t, files[4]))
	var body map[string]any
	if err := json.Unmarshal(resp.body, &body); err != nil {
		t.Fatal(err)
	}
	if resp.status != http.StatusOK || body["late"] != true || body["duplicate"] != nil {
		t.Fatalf("late summary: %d %s, want 200 with late and no duplicate", resp.status, resp.body)
	}
	got := get(t, st.srv.URL+"/calls/940868616")
	var rec struct {
		LateArtifacts []struct {
			Event     string   `json:"event"`
			Artifacts []string `json:"artifacts"`
			Note      string   `json:"note"`
		} `json:"lateArtifacts"`
	}
	if err := json.Unmarshal(got.body, &rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.LateArtifacts) != 1 || rec.LateArtifacts[0].Event != "transcription.call.summarized" ||
		!strings.HasSuffix(rec.LateArtifacts[0].Note, "after delivery; Kendo has the recording only") {
		t.Errorf("lateArtifacts %+v", rec.LateArtifacts)
	}
	if calls := st.emu.Calls(); len(calls) != 1 {
		t.Errorf("Kendo received %d calls, want 1", len(calls))
	}
}
