package handlers_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/handlers"
)

// badInput is one kind of broken request body and what the answer must say about it.
type badInput struct {
	name   string
	body   string
	status int    // expected 4xx
	loc    string // a location errors[] must contain ("body", "body.body.id" …)
}

func event(body string) string {
	return `{"event":"OutboundPhoneCall-DispositionCompleted","body":` + body + `}`
}

func call(fields string) string {
	return event(`{"id":940868616,"type":1,"direction":2,` + fields + `}`)
}

const over5MiB = 5<<20 + 1

// notJSONInputs are broken the same way for every route: the body is not JSON at all.
var notJSONInputs = []badInput{
	{"empty body", "", 400, "body"},
	{"only whitespace", " \n\t ", 400, "body"},
	{"plain text", "hello aloware", 400, "body"},
	{"truncated JSON", `{"event":"Recording-Saved","body":{"id":9408`, 400, "body"},
	{"trailing garbage", `{"test_payload":true} and more`, 400, "body"},
	{"invalid UTF-8", "{\"event\":\"X\xff\xfe\",\"body\":{}}", 400, "body"},
	{"byte order mark", "\ufeff{\"test_payload\":true}", 400, "body"},
	{"NaN literal", `{"event":"X","body":{"id":NaN}}`, 400, "body"},
	{"XML", `<call><id>940868616</id></call>`, 400, "body"},
	{"form encoded", `event=Recording-Saved&id=940868616`, 400, "body"},
	{"single quotes", `{'event':'Recording-Saved'}`, 400, "body"},
	{"NUL bytes", "\x00\x00\x00", 400, "body"},
	{"over 5 MiB", "", 413, "body"}, // body built in the test
}

// alowareInputs are JSON but not a usable Aloware event; /map and /push share them.
var alowareInputs = []badInput{
	{"JSON string", `"OutboundPhoneCall"`, 422, "body"},
	{"JSON number", `940868616`, 422, "body"},
	{"JSON null", `null`, 422, "body"},
	{"JSON boolean", `true`, 422, "body"},
	{"empty object", `{}`, 422, "body"},
	{"envelope without body", `{"event":"InboundPhoneCall"}`, 422, "body.body"},
	{"body is a string", `{"event":"InboundPhoneCall","body":"call 940868616"}`, 422, "body.body"},
	{"body is an array", `{"event":"InboundPhoneCall","body":[1]}`, 422, "body.body"},
	{"id is an object", event(`{"id":{"value":1},"type":1}`), 422, "body.body.id"},
	{"id is a huge number", event(`{"id":1e400,"type":1}`), 422, "body.body.id"},
	{"id is a fraction", event(`{"id":940868616.5,"type":1}`), 422, "body.body.id"},
	{"id is negative", event(`{"id":-940868616,"type":1}`), 422, "body.body.id"},
	{"id is a boolean", event(`{"id":true,"type":1}`), 422, "body.body.id"},
	{"id is not numeric", event(`{"id":"abc","type":1}`), 422, "body.body.id"},
	{"id missing", event(`{"type":1,"direction":2}`), 422, "body.body.id"},
	{"summary communication not an object", `{"event":"transcription.call.summarized","body":{"communication":"940868616"}}`, 422, "body.body.communication"},
	{"Zapier ID not numeric", `{"ID":"abc","Event":"Call Disposed"}`, 422, "body.ID"},
	{"deeply nested", strings.Repeat("[", 5000) + strings.Repeat("]", 5000), 422, "body"},
	// Deeper than the parser reads, as a whole document: an object /push keeps (quarantined).
	{"recording with deep public_metadata", event(`{"id":940868616,"type":1,"recording":"https://app.aloware.com/static/recording/r.mp3","public_metadata":` +
		strings.Repeat(`{"a":`, 63) + `1` + strings.Repeat(`}`, 63) + `}`), 422, "body"},
}

// unreadableFields are usable Aloware events with one field that cannot be read: the
// field is dropped with a warning naming it, the rest of the event is used (rule I2).
var unreadableFields = []badInput{
	{"talk_time is text", call(`"talk_time":"sixty"`), 200, "body.body.talk_time"},
	{"talk_time is NaN text", call(`"talk_time":"NaN"`), 200, "body.body.talk_time"},
	{"talk_time is Infinity text", call(`"talk_time":"Infinity"`), 200, "body.body.talk_time"},
	{"talk_time overflows", call(`"talk_time":1e400`), 200, "body.body.talk_time"},
	{"talk_time negative", call(`"talk_time":-3`), 200, "body.body.talk_time"},
	{"wait_time is an object", call(`"wait_time":{"seconds":2}`), 200, "body.body.wait_time"},
	{"created_at US format", call(`"created_at":"08/05/2026 20:58"`), 200, "body.body.created_at"},
	{"created_at is a number", call(`"created_at":1786049929`), 200, "body.body.created_at"},
	{"type is an unknown label", event(`{"id":940868616,"type":"teleport"}`), 200, "body.body.type"},
	{"direction is text", call(`"direction":"sideways"`), 200, "body.body.direction"},
	{"contact is a string", call(`"contact":"Jane Doe"`), 200, "body.body.contact"},
	{"transcript messages not a list", call(`"parsed_transcription":{"messages":"hi"}`), 200, "body.body.parsed_transcription.messages"},
}

// kendoInputs are JSON but not a payload Kendo would accept.
var kendoInputs = []badInput{
	{"JSON string", `"transcript"`, 422, "body"},
	{"JSON array", `[{"transcript":"x"}]`, 422, "body"},
	{"JSON null", `null`, 422, "body"},
	{"empty object", `{}`, 422, "body"},
	{"empty transcript", `{"transcript":""}`, 422, "body"},
	{"duration as text", `{"transcript":"x","duration":"66"}`, 422, "body.duration"},
	{"duration NaN text", `{"transcript":"x","duration":"NaN"}`, 422, "body.duration"},
	{"duration negative", `{"transcript":"x","duration":-1}`, 422, "body.duration"},
	{"duration boolean", `{"transcript":"x","duration":true}`, 422, "body.duration"},
	{"duration overflows", `{"transcript":"x","duration":1e400}`, 422, "body.duration"},
	{"callDate US format", `{"transcript":"x","callDate":"08/05/2026"}`, 422, "body.callDate"},
	{"callDate Aloware format", `{"transcript":"x","callDate":"2026-08-05 20:58:49"}`, 422, "body.callDate"},
	{"callDate impossible", `{"transcript":"x","callDate":"2026-13-45T99:00:00Z"}`, 422, "body.callDate"},
	{"callDate epoch number", `{"transcript":"x","callDate":1786049929}`, 422, "body.callDate"},
	{"repEmail invalid", `{"transcript":"x","repEmail":"sam at example"}`, 422, "body.repEmail"},
	{"repEmail number", `{"transcript":"x","repEmail":5}`, 422, "body.repEmail"},
	{"audioUrl ftp", `{"audioUrl":"ftp://files.example.com/a.mp3"}`, 422, "body.audioUrl"},
	{"audioUrl relative", `{"audioUrl":"recordings/a.mp3"}`, 422, "body.audioUrl"},
	{"metadata nested", `{"transcript":"x","metadata":{"contact":{"id":1}}}`, 422, "body.metadata.contact"},
	{"metadata array", `{"transcript":"x","metadata":["aloware"]}`, 422, "body.metadata"},
	{"metadata null value", `{"transcript":"x","metadata":{"source":null}}`, 422, "body.metadata.source"},
	{"metadata deeply nested", `{"transcript":"x","metadata":{"a":` + strings.Repeat("[", 3000) + strings.Repeat("]", 3000) + `}}`, 422, "body.metadata.a"},
	{"unknown field", `{"transcript":"x","recordingUrl":"https://x"}`, 422, "body.recordingUrl"},
	{"callTitle array", `{"transcript":"x","callTitle":["a"]}`, 422, "body.callTitle"},
	{"transcript number", `{"transcript":5}`, 422, "body.transcript"},
	{"title flag as text", `{"transcript":"x","disableAiTitleGeneration":"yes"}`, 422, "body.disableAiTitleGeneration"},
}

// checkBadInputs posts each input and requires a 4xx problem+json whose errors[] name
// the expected location; a 5xx is always a failure.
func checkBadInputs(t *testing.T, url string, inputs []badInput) {
	t.Helper()
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			body := []byte(in.body)
			if in.status == http.StatusRequestEntityTooLarge {
				body = []byte(`{"transcript":"` + strings.Repeat("a", over5MiB) + `"}`)
			}
			resp := post(t, url, body)
			if resp.status >= 500 {
				t.Fatalf("5xx for bad input: %d %s", resp.status, clip(resp.body))
			}
			if resp.status != in.status {
				t.Errorf("status %d, want %d: %s", resp.status, in.status, clip(resp.body))
			}
			p := resp.problem(t)
			if len(p.Errors) == 0 {
				t.Fatalf("errors[] is empty: %s", clip(resp.body))
			}
			if !containsExact(p.locations(), in.loc) {
				t.Errorf("errors[] locations %q do not name %q (%s)", p.locations(), in.loc, clip(resp.body))
			}
		})
	}
}

func TestBadInputMap(t *testing.T) {
	srv := newServer(t, handlers.Deps{})
	inputs := append(append([]badInput{}, notJSONInputs...), alowareInputs...)
	inputs = append(inputs,
		badInput{"empty array", `[]`, 422, "body"},
		badInput{"array of numbers", `[1,2]`, 422, "body[0]"},
		badInput{"events of two calls", `[` + event(`{"id":1,"type":1}`) + `,` + event(`{"id":2,"type":1}`) + `]`, 422, "body[1]"},
	)
	checkBadInputs(t, srv.URL+"/map", inputs)
}

// TestUnreadableFieldMap: /map answers 200 and names the dropped field in warnings.
func TestUnreadableFieldMap(t *testing.T) {
	srv := newServer(t, handlers.Deps{})
	for _, in := range unreadableFields {
		t.Run(in.name, func(t *testing.T) {
			resp := post(t, srv.URL+"/map", []byte(in.body))
			if resp.status != in.status {
				t.Fatalf("status %d, want %d: %s", resp.status, in.status, clip(resp.body))
			}
			warnings, _ := resp.json(t)["warnings"].([]any)
			found := false
			for _, w := range warnings {
				s, _ := w.(string)
				found = found || strings.HasPrefix(s, in.loc+": ") && strings.HasSuffix(s, "; ignored")
			}
			if !found {
				t.Errorf("warnings %q do not name %s", warnings, in.loc)
			}
		})
	}
}

// TestUnreadableFieldPush: /push stores such an event (the same parse as /map).
func TestUnreadableFieldPush(t *testing.T) {
	st := newStack(t, stackOptions{})
	for _, in := range unreadableFields {
		if resp := post(t, st.srv.URL+"/push", []byte(in.body)); resp.status != http.StatusAccepted {
			t.Errorf("%s: status %d, want 202: %s", in.name, resp.status, clip(resp.body))
		}
	}
}

func TestBadInputValidate(t *testing.T) {
	srv := newServer(t, handlers.Deps{})
	checkBadInputs(t, srv.URL+"/validate", append(append([]badInput{}, notJSONInputs...), kendoInputs...))
}

// /push refuses (4xx, nothing stored) only a body that is not a JSON object; every JSON
// object is stored (docs/invariants.md #11): a field it cannot read is a warning naming it, and an
// object it cannot use at all is quarantined with problems naming why. Never a 5xx.
func TestBadInputPush(t *testing.T) {
	st := newStack(t, stackOptions{})
	var refused, objects []badInput
	for _, in := range alowareInputs {
		if strings.HasPrefix(strings.TrimSpace(in.body), "{") {
			objects = append(objects, in)
		} else {
			refused = append(refused, in)
		}
	}
	refused = append(append(refused, notJSONInputs...),
		badInput{"an array (one event per push)", `[` + call(`"talk_time":1`) + `]`, 422, "body"},
		badInput{"array of numbers", `[1,2]`, 422, "body"},
	)
	checkBadInputs(t, st.srv.URL+"/push", refused)
	if resp := get(t, st.srv.URL+"/calls/940868616"); resp.status != http.StatusNotFound {
		t.Errorf("a refused event left a call behind: %d %s", resp.status, resp.body)
	}
	for _, in := range objects {
		t.Run("stored/"+in.name, func(t *testing.T) {
			resp := post(t, st.srv.URL+"/push", []byte(in.body))
			if resp.status != http.StatusAccepted {
				t.Fatalf("status %d for a JSON object, want 202: %s", resp.status, clip(resp.body))
			}
			var rc struct {
				Status   string   `json:"status"`
				Warnings []string `json:"warnings"`
				Problems []struct {
					Location string `json:"location"`
				} `json:"problems"`
			}
			if err := json.Unmarshal(resp.body, &rc); err != nil {
				t.Fatal(err)
			}
			named := false
			for _, p := range rc.Problems {
				named = named || p.Location == in.loc
			}
			for _, w := range rc.Warnings {
				named = named || strings.HasPrefix(w, in.loc+":")
			}
			if !named {
				t.Errorf("status %q: neither problems nor warnings name %q: %s", rc.Status, in.loc, clip(resp.body))
			}
		})
	}
	if bad := st.emu.Calls(); len(bad) != 0 {
		t.Errorf("bad input reached Kendo: %d calls", len(bad))
	}
}

// TestNotJSONSameAnswerOnPushAndMap: the one parser decides that a body is not JSON and
// says why, so /push and /map give the same answer, word for word, with where it broke.
func TestNotJSONSameAnswerOnPushAndMap(t *testing.T) {
	st := newStack(t, stackOptions{})
	for _, in := range notJSONInputs {
		if in.status != http.StatusBadRequest {
			continue
		}
		t.Run(in.name, func(t *testing.T) {
			pushed := post(t, st.srv.URL+"/push", []byte(in.body))
			mapped := post(t, st.srv.URL+"/map", []byte(in.body))
			if pushed.status != http.StatusBadRequest || mapped.status != http.StatusBadRequest {
				t.Fatalf("status /push %d, /map %d; want 400 from both", pushed.status, mapped.status)
			}
			if p, m := pushed.problem(t), mapped.problem(t); !reflect.DeepEqual(p.Errors, m.Errors) {
				t.Errorf("/push says %+v, /map says %+v", p.Errors, m.Errors)
			}
		})
	}
}

func TestBadQueryWait(t *testing.T) {
	srv := newServer(t, handlers.Deps{})
	for _, wait := range []string{"soon", "-1s", "10m", "1h", "5m1s", "1e9"} {
		t.Run(wait, func(t *testing.T) {
			resp := post(t, srv.URL+"/push?wait="+wait, []byte(`{"test_payload":true}`))
			if resp.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d: %s", resp.status, resp.body)
			}
			if p := resp.problem(t); !containsExact(p.locations(), "query.wait") {
				t.Errorf("locations %q", p.locations())
			}
		})
	}
}
