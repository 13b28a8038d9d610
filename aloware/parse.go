package aloware

import (
	"strconv"

	"github.com/tidwall/gjson"
)

// Parse reads one raw Aloware webhook delivery: the {"event","body"} envelope, a bare
// communication object, Zapier's flattened object or {"test_payload":true}. Input that
// is none of these, or that has fields of the wrong type, gives an *InputError listing
// every problem, located from the body root ("body", "body.body.talk_time").
func Parse(raw []byte) (Event, error) {
	v, err := load(raw)
	if err != nil {
		return Event{}, err
	}
	if v.IsArray() {
		return Event{}, single("expected one event object, got an array (POST /map accepts an array of one call's events)")
	}
	return parseObject(v)
}

// ParseBatch reads one event or a JSON array of events. Problems in array items are
// located as "body[i]…"; all items are read so every problem is reported at once.
func ParseBatch(raw []byte) ([]Event, error) {
	v, err := load(raw)
	if err != nil {
		return nil, err
	}
	if !v.IsArray() {
		ev, err := parseObject(v)
		if err != nil {
			return nil, err
		}
		return []Event{ev}, nil
	}
	r := &reader{}
	var events []Event
	i := 0
	v.ForEach(func(_, item gjson.Result) bool {
		loc := "body[" + strconv.Itoa(i) + "]"
		i++
		if !item.IsObject() {
			r.add(loc, "expected an event object, got %s", typeName(item))
			return true
		}
		events = append(events, r.event(item, loc))
		return true
	})
	if i == 0 {
		r.add("body", "empty array: expected at least one event")
	}
	if len(r.problems) > 0 {
		return nil, &InputError{Problems: r.problems}
	}
	return events, nil
}

// load checks the document and parses it; the result is an object or an array.
func load(raw []byte) (gjson.Result, error) {
	if p := checkDocument(raw); p != nil {
		return gjson.Result{}, &InputError{Problems: []Problem{*p}}
	}
	v := gjson.ParseBytes(raw) // copies raw: Event strings must not alias the caller's buffer
	if !v.IsObject() && !v.IsArray() {
		return gjson.Result{}, single("expected a JSON object (an Aloware event), got " + typeName(v))
	}
	return v, nil
}

func parseObject(v gjson.Result) (Event, error) {
	r := &reader{}
	ev := r.event(v, "body")
	if len(r.problems) > 0 {
		return Event{}, &InputError{Problems: r.problems, IsObject: true}
	}
	return ev, nil
}

func single(msg string) *InputError {
	return &InputError{Problems: []Problem{{Field: "body", Message: msg}}}
}

// event recognizes the shape of one JSON object and reads it.
func (r *reader) event(v gjson.Result, loc string) Event {
	o := newObject(v, loc)
	switch {
	case o.has("test_payload"):
		return Event{Kind: KindTest, Shape: ShapeTest}
	case o.has("event") || isObjectValue(o, "body"):
		// An SMS communication has a string "body" (the message text), so only an
		// object "body" makes an envelope.
		return r.envelope(o)
	case isZapier(o):
		return r.zapier(o)
	case o.has("id") || o.has("communication"):
		return r.bare(o)
	}
	r.add(loc, `not an Aloware event: expected {"event": …, "body": {…}}, a communication object with "id", Zapier's flattened object with "ID", or {"test_payload": true}`)
	return Event{}
}

func (r *reader) envelope(o object) Event {
	ev := Event{Shape: ShapeEnvelope, Name: r.text(o, "event")}
	body, ok := r.child(o, "body") // reports a body that is not an object
	if !ok {
		if _, present := o.get("body"); !present {
			r.add(o.at("body"), "missing: the envelope has no body object")
		}
		return ev
	}
	if isContactEvent(ev.Name) {
		ev.Kind = KindOther // a contact, not a communication: no call id to key on
		return ev
	}
	comm, hasComm := r.child(body, "communication")
	if hasComm {
		r.readCommunication(comm, &ev.Comm)
	}
	r.readCommunication(body, &ev.Comm)
	idLoc := body.at("id")
	if isTranscriptionEvent(ev.Name) || (!body.has("id") && hasComm) {
		// transcription.* bodies have no id of their own; the call is body.communication.id.
		idLoc = body.at("communication") + ".id"
		if hasComm {
			ev.CallID = r.id(comm, "id")
		}
	} else {
		ev.CallID = r.id(body, "id")
	}
	ev.Kind = classify(ev.Name, ev.Comm, hasCallFields(body, comm))
	r.requireCallID(ev, idLoc, body.at("communication"))
	return ev
}

func (r *reader) bare(o object) Event {
	ev := Event{Shape: ShapeBare}
	comm, hasComm := r.child(o, "communication")
	if hasComm {
		r.readCommunication(comm, &ev.Comm)
	}
	r.readCommunication(o, &ev.Comm)
	idLoc := o.at("id")
	if o.has("id") {
		ev.CallID = r.id(o, "id")
	} else if hasComm {
		idLoc = comm.at("id")
		ev.CallID = r.id(comm, "id")
	}
	ev.Kind = classify("", ev.Comm, hasCallFields(o, comm))
	r.requireCallID(ev, idLoc, idLoc)
	return ev
}

func (r *reader) zapier(o object) Event {
	ev := Event{Shape: ShapeZapier, Name: r.text(o, "Event")}
	r.readCommunication(o, &ev.Comm)
	r.readZapier(o, &ev.Comm)
	key := idKey(o)
	ev.CallID = r.id(o, key)
	ev.Kind = classify(ev.Name, ev.Comm, hasCallFields(o))
	r.requireCallID(ev, o.at(key), o.at(key))
	return ev
}

// requireCallID: a call cannot be merged or delivered without its communication id.
// Other kinds may lack one (they are only acknowledged).
func (r *reader) requireCallID(ev Event, loc, altLoc string) {
	if ev.Kind != KindCall || ev.CallID != "" {
		return
	}
	for _, p := range r.problems {
		if p.Field == loc || p.Field == altLoc {
			return // already reported as malformed
		}
	}
	r.add(loc, "missing: a call event must carry its Aloware communication id")
}

func isObjectValue(o object, key string) bool {
	v, ok := o.keys[key]
	return ok && v.IsObject()
}
