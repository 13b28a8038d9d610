package mapping

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/aloware"
)

func parse(t testing.TB, raw string) aloware.Event {
	t.Helper()
	ev, err := aloware.Parse([]byte(raw))
	if err != nil {
		t.Fatalf("Parse(%s): %v", raw, err)
	}
	return ev
}

// TestLifecycleProgression replays each lifecycle one event at a time, as /push sees it.
func TestLifecycleProgression(t *testing.T) {
	tests := []struct {
		dir    string
		states []State
	}{
		{"outbound-940868616", []State{StateInProgress, StateAwaitingArtifacts, StateReady, StateReady, StateReady, StateReady}},
		{"inbound-940870001", []State{StateInProgress, StateAwaitingArtifacts, StateReady}},
	}
	for _, tc := range tests {
		t.Run(tc.dir, func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join("..", "testdata", "lifecycle", tc.dir, "*.json"))
			if len(files) != len(tc.states) {
				t.Fatalf("%d files, want %d", len(files), len(tc.states))
			}
			var events []aloware.Event
			for i, f := range files {
				ev, err := aloware.Parse(mustRead(t, f))
				if err != nil {
					t.Fatal(err)
				}
				events = append(events, ev)
				res := Map(Merge(events))
				if res.State != tc.states[i] {
					t.Errorf("after %s: state %s (%s), want %s", filepath.Base(f), res.State, res.Reason, tc.states[i])
				}
				checkResultInvariants(t, res)
			}
		})
	}
}

func TestMergeLatestWinsAndKeepsAbsent(t *testing.T) {
	c := Merge([]aloware.Event{
		parse(t, `{"event":"OutboundPhoneCall-DispositionCompleted","body":{"id":1,"type":1,"call_disposition":"No Answer","talk_time":63,"user_email":"a@example.com","created_at":"2026-08-05 20:58:49"}}`),
		parse(t, `{"event":"Call-Disposed","body":{"id":1,"type":1,"call_disposition":"Interested","user_email":null}}`),
	})
	if c.Comm.CallDisposition != "Interested" {
		t.Errorf("CallDisposition = %q, want the later Interested", c.Comm.CallDisposition)
	}
	if c.Comm.TalkTime == nil || *c.Comm.TalkTime != 63 {
		t.Errorf("TalkTime lost: %v", c.Comm.TalkTime)
	}
	if c.Comm.UserEmail != "a@example.com" {
		t.Errorf("UserEmail erased by a later null: %q", c.Comm.UserEmail)
	}
	if !c.Comm.CreatedAt.Equal(time.Date(2026, 8, 5, 20, 58, 49, 0, time.UTC)) {
		t.Errorf("CreatedAt = %v", c.Comm.CreatedAt)
	}
}

func TestMergeNeverGoesBackToInProgress(t *testing.T) {
	done := `{"event":"OutboundPhoneCall-DispositionCompleted","body":{"id":1,"type":1,"current_status2":9,"disposition_status2":4,"talk_time":63,"duration":66,"updated_at":"2026-08-05 21:00:00"}}`
	initiation := `{"event":"OutboundPhoneCall","body":{"id":1,"type":1,"current_status2":1,"disposition_status2":1,"talk_time":0,"duration":0,"updated_at":"2026-08-05 20:58:49","user_id":null,"campaign_id":63949}}`
	c := Merge([]aloware.Event{parse(t, done), parse(t, initiation)})
	if !c.Complete {
		t.Fatal("call went back to in progress")
	}
	if *c.Comm.CurrentStatus2 != 9 || *c.Comm.DispositionStatus2 != 4 || *c.Comm.TalkTime != 63 || *c.Comm.Duration != 66 {
		t.Errorf("stale initiation overwrote state: %+v", c.Comm)
	}
	if c.Comm.UpdatedAt.Format(time.DateTime) != "2026-08-05 21:00:00" {
		t.Errorf("UpdatedAt = %v", c.Comm.UpdatedAt)
	}
	if c.Comm.CampaignID != "63949" {
		t.Errorf("stale event did not fill an unknown field: CampaignID = %q", c.Comm.CampaignID)
	}
	if c.CompletedBy != "OutboundPhoneCall-DispositionCompleted" {
		t.Errorf("CompletedBy = %q", c.CompletedBy)
	}
}

func TestMergeKeepsArtifacts(t *testing.T) {
	c := Merge([]aloware.Event{
		parse(t, `{"event":"Recording-Saved","body":{"id":1,"type":1,"direct_recording_url":"https://r.example/a"}}`),
		parse(t, `{"event":"Transcription-Saved","body":{"id":1,"parsed_transcription":{"messages":[{"speaker":"AGENT","text":"hi","start":1}]},"summary":"S"}}`),
		parse(t, `{"event":"Call-Disposed","body":{"id":1,"type":1,"direct_recording_url":null,"parsed_transcription":{"messages":[]},"summary":""}}`),
		parse(t, `{"event":"Call-Disposed","body":{"id":1,"type":1,"direct_recording_url":"","parsed_transcription":{"messages":[{"speaker":"AGENT","text":"  "}]}}}`),
		parse(t, `{"event":"Call-Disposed","body":{"id":1,"type":1,"direct_recording_url":"s3://bucket/a.mp3"}}`),
	})
	if c.Comm.RecordingURL != "https://r.example/a" {
		t.Errorf("RecordingURL = %q", c.Comm.RecordingURL)
	}
	if len(c.Comm.Transcript) != 1 || c.Comm.Transcript[0].Text != "hi" {
		t.Errorf("Transcript = %+v", c.Comm.Transcript)
	}
	if c.Comm.Summary != "S" {
		t.Errorf("Summary = %q", c.Comm.Summary)
	}
	// A later http(s) recording replaces an earlier unusable one.
	c = Merge([]aloware.Event{
		parse(t, `{"event":"Recording-Saved","body":{"id":1,"type":1,"direct_recording_url":"s3://bucket/a.mp3"}}`),
		parse(t, `{"event":"Recording-Saved","body":{"id":1,"type":1,"direct_recording_url":"https://r.example/b"}}`),
	})
	if c.Comm.RecordingURL != "https://r.example/b" {
		t.Errorf("RecordingURL = %q", c.Comm.RecordingURL)
	}
}

func TestMergeCallDisposedIsARestatement(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "lifecycle", "outbound-940868616", "*.json"))
	var events []aloware.Event
	for _, f := range files {
		ev, err := aloware.Parse(mustRead(t, f))
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev)
	}
	c := Merge(events)
	if c.CompletedBy != "OutboundPhoneCall-DispositionCompleted" || c.Restatements != 1 {
		t.Errorf("CompletedBy=%q Restatements=%d, want the disposition event and 1", c.CompletedBy, c.Restatements)
	}
	if len(c.EventNames) != 6 || c.AlowareCallID != "940868616" {
		t.Errorf("EventNames=%v ID=%q", c.EventNames, c.AlowareCallID)
	}
	// Without a disposition event, Call-Disposed is itself the completion.
	c = Merge([]aloware.Event{parse(t, `{"event":"Call-Disposed","body":{"id":1,"type":1}}`)})
	if !c.Complete || c.CompletedBy != "Call-Disposed" || c.Restatements != 0 {
		t.Errorf("alone: %+v", c)
	}
}

func TestMergeKind(t *testing.T) {
	c := Merge([]aloware.Event{
		parse(t, `{"event":"Something","body":{"id":1}}`),
		parse(t, `{"event":"OutboundPhoneCall","body":{"id":1}}`),
		parse(t, `{"event":"OutboundSMS-DispositionCompleted","body":{"id":1,"type":2}}`),
	})
	if c.Kind != aloware.KindCall {
		t.Errorf("Kind = %q, want call", c.Kind)
	}
	if got := Merge(nil); got.Kind != "" || got.AlowareCallID != "" {
		t.Errorf("Merge(nil) = %+v", got)
	}
}

// TestMergeKeepsEveryField: a field any event carries reaches the merged call, so a new
// field of aloware.Communication cannot be forgotten by the merge.
func TestMergeKeepsEveryField(t *testing.T) {
	var src aloware.Communication
	v := reflect.ValueOf(&src).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("https://r.example/" + v.Type().Field(i).Name)
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 1, 1))
		case reflect.Struct: // time.Time
			f.Set(reflect.ValueOf(time.Date(2026, 8, 5, 20, 58, 49, 0, time.UTC)))
		default:
			t.Fatalf("field %s of kind %s: teach this test about it", v.Type().Field(i).Name, f.Kind())
		}
	}
	src.Transcript = []aloware.Utterance{{Speaker: "AGENT", Text: "hi"}}
	var dst aloware.Communication
	mergeComm(&dst, src, false)
	if !reflect.DeepEqual(dst, src) {
		t.Errorf("merge lost fields:\n got %+v\nwant %+v", dst, src)
	}
}
