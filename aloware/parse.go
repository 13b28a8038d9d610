package aloware

import (
	"strconv"
	"strings"

	"github.com/aloware-kendo/aloware-kendo/internal/jsontape"
)

// Parse reads one raw Aloware webhook delivery: the {"event","body"} envelope, a bare
// communication object, Zapier's flattened object or {"test_payload":true}.
//
// A field that is present but cannot be read is dropped and reported in Event.Warnings;
// the rest of the event is used. An *InputError is returned only when the input cannot
// be used at all: IsObject is false when it is not a JSON object (not JSON, a scalar, an
// array), true for an object with no recognisable shape, a call without a readable id or
// one nesting deeper than jsontape.MaxDepth. Its Problems are located from the body
// root ("body", "body.body.id").
func Parse(raw []byte) (Event, error) {
	d, err := load(raw)
	if err != nil {
		return Event{}, err
	}
	defer d.Release()
	if v := d.Root(); v.IsArray() {
		return Event{}, notAnObject("expected one event object, got an array (POST /map accepts an array of one call's events)")
	}
	return parseObject(d.Root())
}

func parseObject(v jsontape.Value) (Event, error) {
	r := &reader{}
	ev := r.event(v, "body")
	if len(r.failures) > 0 {
		return Event{}, &InputError{Problems: append(r.failures, ev.Warnings...), IsObject: true}
	}
	return ev, nil
}

// ParseBatch reads one event or a JSON array of events. Problems and warnings of array
// items are located as "body[i]…"; all items are read so every problem is reported at
// once. The error's IsObject is true when every item was an object.
func ParseBatch(raw []byte) ([]Event, error) {
	d, err := load(raw)
	if err != nil {
		return nil, err
	}
	defer d.Release()
	v := d.Root()
	if !v.IsArray() {
		ev, err := parseObject(v)
		if err != nil {
			return nil, err
		}
		return []Event{ev}, nil
	}
	r := &reader{}
	var events []Event
	var warnings []Problem
	allObjects := true
	i := 0
	v.Items(func(item jsontape.Value) {
		loc := "body[" + strconv.Itoa(i) + "]"
		i++
		if !item.IsObject() {
			r.fail(loc, "expected an event object, got %s", typeName(item))
			allObjects = false
			return
		}
		ev := r.event(item, loc)
		events = append(events, ev)
		warnings = append(warnings, ev.Warnings...)
	})
	if i == 0 {
		return nil, notAnObject("empty array: expected at least one event")
	}
	if len(r.failures) > 0 {
		return nil, &InputError{Problems: append(r.failures, warnings...), IsObject: allObjects}
	}
	return events, nil
}

// load parses the document (one pass: UTF-8, syntax, depth); its root is an object or
// an array.
func load(raw []byte) (*jsontape.Doc, error) {
	d, err := jsontape.Parse(raw)
	if err != nil {
		te := err.(*jsontape.Error)
		// JSON nesting deeper than the parser reads is still an object when it opens
		// with '{': it is kept (quarantined), like any other object we cannot use.
		return nil, &InputError{Problems: []Problem{{Field: "body", Message: refusalMessage(te)}},
			NotJSON: te.NotJSON(), IsObject: !te.NotJSON() && opensObject(raw)}
	}
	if v := d.Root(); !v.IsObject() && !v.IsArray() {
		got := typeName(v)
		d.Release()
		return nil, notAnObject("expected a JSON object (an Aloware event), got " + got)
	}
	return d, nil
}

// refusalMessage says why a body is not a document we read, in the words of a webhook
// endpoint (the body, an Aloware event).
func refusalMessage(e *jsontape.Error) string {
	switch e.Reason {
	case jsontape.Empty:
		return "empty body: expected an Aloware webhook JSON object"
	case jsontape.TooLarge:
		return "body too large"
	case jsontape.TooDeep:
		return e.Error()
	}
	return "body is " + e.Error() // not valid UTF-8, not valid JSON: with where and why
}

// opensObject tells whether the first value of a document is an object.
func opensObject(raw []byte) bool {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c == '{'
	}
	return false
}

// notAnObject is the error for JSON that is not an object where one was wanted.
func notAnObject(msg string) *InputError {
	return &InputError{Problems: []Problem{{Field: "body", Message: msg}}}
}

// event recognizes the shape of one JSON object and reads it.
func (r *reader) event(v jsontape.Value, loc string) Event {
	o := newObject(v, loc, false)
	var ev Event
	switch {
	case o.has("test_payload"):
		ev = Event{Kind: KindTest}
	case isFlatEnvelope(o):
		ev = Event{Name: r.text(o, "event")}
		r.readBody(&ev, o)
	case o.has("event") || isObjectValue(o, "body"):
		ev = r.envelope(o)
	case isZapier(o):
		ev = r.zapier(newObject(v, loc, true))
	case o.has("id") || o.has("communication"):
		ev = r.bare(o)
	default:
		r.fail(loc, `not an Aloware event: expected {"event": …, "body": {…}}, a communication object with "id", Zapier's flattened object with "ID", or {"test_payload": true}`)
	}
	ev.Warnings = r.eventWarnings(loc)
	return ev
}

// isFlatEnvelope recognizes the output of Aloware's own n8n trigger node with its
// "Flatten Payload" option (on by default): {"event": …, …the body's fields}. Its "body"
// is the communication's SMS text ("" on calls), never an object; what tells it from an
// envelope whose body is missing are communication fields beside the event name.
func isFlatEnvelope(o object) bool {
	if name, ok := o.get("event"); !ok || name.Kind() != jsontape.String || isObjectValue(o, "body") {
		return false
	}
	for _, k := range []string{"id", "direction", "type", "created_at", "communication"} {
		if o.has(k) {
			return true
		}
	}
	return false
}

func (r *reader) envelope(o object) Event {
	ev := Event{Name: r.text(o, "event")}
	// An SMS communication has a string "body" (the message text), so only an object
	// "body" makes an envelope.
	body, present := o.get("body")
	switch {
	case !present:
		r.fail(o.at("body"), "missing: the envelope has no body object")
	case !body.IsObject():
		r.fail(o.at("body"), "must be an object, got %s", typeName(body))
	default:
		r.readBody(&ev, o.nested("body", body))
	}
	return ev
}

// readBody reads an envelope's body (or the flat form, whose body is the object itself)
// into ev, whose Name is already known.
func (r *reader) readBody(ev *Event, body object) {
	if isContactEvent(ev.Name) {
		ev.Kind = KindOther // a contact, not a communication: no call id to key on
		return
	}
	commValue, commPresent := body.get("communication")
	comm, hasComm := object{}, commPresent && commValue.IsObject()
	if hasComm {
		comm = body.nested("communication", commValue)
	}
	var id idRead
	if isTranscriptEvent(ev.Name) {
		var record bool
		if id, record = transcriptCallID(body, comm, hasComm, commValue, commPresent, ev.Name); record {
			if hasComm {
				r.readCommunication(comm, &ev.Comm)
			}
			r.readTranscriptionRecord(body, &ev.Comm)
			ev.AlowareCallID = id.value
			ev.Kind = classify(ev.Name, ev.Comm, hasCallFields(body, comm))
			r.settleCallID(ev.Kind, id)
			return
		}
	}
	if hasComm {
		r.readCommunication(comm, &ev.Comm)
	}
	r.readCommunication(body, &ev.Comm)
	switch {
	case isTranscriptEvent(ev.Name):
		// the early shape: the body is the communication itself (transcriptCallID read it)
	case body.has("id") || !commPresent:
		id = readCallID(body, "id")
		if commPresent && !hasComm {
			r.warn(body.at("communication"), "must be an object, got %s", typeName(commValue))
		}
	case hasComm:
		id = readCallID(comm, "id")
	default:
		id = idRead{loc: body.where("communication"), problem: "must be an object holding the call's id, got " + typeName(commValue)}
	}
	ev.AlowareCallID = id.value
	ev.Kind = classify(ev.Name, ev.Comm, hasCallFields(body, comm))
	r.settleCallID(ev.Kind, id)
}

// transcriptCallID implements rule K2 for transcript and summary events: the call is
// named by communication_id, then communication.id; body.id only when neither is there.
// Real accounts send the transcription's own record as the body, whose id is the
// transcription's: taking it made one call two in Kendo. record is true when the body is
// such a record (the call is named apart from it); false for the early shape, whose body
// is the communication itself.
func transcriptCallID(body, comm object, hasComm bool, commValue jsontape.Value, commPresent bool, name string) (id idRead, record bool) {
	_, named := body.get("communication_id")
	_, commNamed := comm.get("id")
	_, bodyID := body.get("id")
	n := normalizeName(name)
	switch {
	case named:
		return readCallID(body, "communication_id"), true
	case hasComm && commNamed:
		return readCallID(comm, "id"), true
	case commPresent && !hasComm:
		return idRead{loc: body.where("communication"), problem: "must be an object holding the call's id, got " + typeName(commValue)}, true
	case bodyID:
		return readCallID(body, "id"), false
	case hasComm, n != "transcriptionsaved" && strings.HasPrefix(n, "transcription"):
		// nothing names the call; transcription.* bodies were seen naming it only in
		// their communication: say that is where its id belongs
		return idRead{loc: here(body.at("communication") + ".id")}, true
	}
	return idRead{loc: body.where("id")}, true
}

func (r *reader) bare(o object) Event {
	var ev Event
	comm, hasComm := r.child(o, "communication")
	if hasComm {
		r.readCommunication(comm, &ev.Comm)
	}
	r.readCommunication(o, &ev.Comm)
	id := readCallID(o, "id")
	if !o.has("id") && hasComm {
		id = readCallID(comm, "id")
	}
	ev.AlowareCallID = id.value
	ev.Kind = classify("", ev.Comm, hasCallFields(o, comm))
	r.settleCallID(ev.Kind, id)
	return ev
}

// zapier reads Zapier's flattened object; o is folded, so its Title-Case keys are the
// snake_case fields readCommunication knows.
func (r *reader) zapier(o object) Event {
	ev := Event{Name: r.text(o, "event")}
	if isTranscriptEvent(ev.Name) {
		r.readBody(&ev, o) // Zapier's keys fold to the raw ones: one rule for every shape
		return ev
	}
	r.readCommunication(o, &ev.Comm)
	id := readCallID(o, "id")
	ev.AlowareCallID = id.value
	ev.Kind = classify(ev.Name, ev.Comm, hasCallFields(o))
	r.settleCallID(ev.Kind, id)
	return ev
}

// idRead is a communication id as read, with the problem that kept it from being read.
// Whether that problem costs the event depends on its kind, known only later.
type idRead struct {
	value   string
	loc     where
	problem string
}

func readCallID(o object, key string) idRead {
	id := idRead{loc: o.where(key)}
	if v, ok := o.get(key); ok {
		id.value, id.problem = readID(v)
	}
	return id
}

// settleCallID: a call cannot be merged or delivered without its communication id, so
// a call without a readable one is unusable (rule K2). Other kinds may lack one (they
// are only acknowledged): for them an unreadable id is just a warning.
func (r *reader) settleCallID(kind Kind, id idRead) {
	switch {
	case kind == KindCall && id.value == "" && id.problem != "":
		r.fail(id.loc.String(), "%s", id.problem)
	case kind == KindCall && id.value == "":
		r.fail(id.loc.String(), "missing: a call event must carry its Aloware communication id")
	case id.problem != "":
		r.warn(id.loc.String(), "%s", id.problem)
	}
}

func isObjectValue(o object, key string) bool {
	v, ok := o.get(key)
	return ok && v.IsObject()
}
