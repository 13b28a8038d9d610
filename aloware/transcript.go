package aloware

import (
	"strconv"
	"strings"

	"github.com/aloware-kendo/aloware-kendo/internal/jsontape"
)

// transcript reads parsed_transcription: an object whose "messages" is an array of
// {speaker, text, start, end} (start/end in milliseconds from call start). Some tools
// forward it JSON-encoded as a string; that is decoded too.
func (r *reader) transcript(o object, key string) []Utterance {
	v, ok := o.get(key)
	if !ok {
		return nil
	}
	loc := o.where(key)
	if v.Kind() == jsontape.String {
		text := v.Text()
		if text == "" {
			return nil
		}
		d, err := jsontape.Parse([]byte(text))
		if err != nil {
			r.warn(loc.String(), "must be an object (or a string holding one), got a string that is not JSON")
			return nil
		}
		defer d.Release()
		v = d.Root()
	}
	if !v.IsObject() {
		r.warn(loc.String(), "must be an object, got %s", typeName(v))
		return nil
	}
	pt := newObject(v, loc.String(), o.folded)
	msgs, ok := pt.get("messages")
	if !ok {
		return nil
	}
	if !msgs.IsArray() {
		r.warn(pt.at("messages"), "must be an array, got %s", typeName(msgs))
		return nil
	}
	out := make([]Utterance, 0, msgs.Len())
	base := pt.where("messages")
	i := 0
	msgs.Items(func(m jsontape.Value) {
		at := itemLoc{base, i}
		i++
		switch {
		case m.Kind() == jsontape.Null:
		case !m.IsObject():
			r.warn(at.String(), "must be an object {speaker, text, start, end}, got %s", typeName(m))
		default:
			out = append(out, r.utterance(m, at, o.folded))
		}
	})
	return out
}

// itemLoc is the location of messages[i], built only when a problem needs it: an
// hour-long call has ~900 utterances, and formatting four locations for each would be
// most of the parsing cost.
type itemLoc struct {
	base where
	i    int
}

func (l itemLoc) String() string        { return l.base.String() + "[" + strconv.Itoa(l.i) + "]" }
func (l itemLoc) field(k string) string { return l.String() + "." + k }

func (r *reader) utterance(m jsontape.Value, at itemLoc, folded bool) Utterance {
	// Utterances have four keys we read; looking them up while iterating once is much
	// cheaper than building a map for each.
	var u Utterance
	m.Members(func(key string, val jsontape.Value) {
		if folded {
			key = foldKey(key)
		}
		switch key {
		case "speaker":
			u.Speaker = r.utteranceText(val, at, "speaker")
		case "text":
			u.Text = r.utteranceText(val, at, "text")
		case "start":
			u.StartMS = r.millis(val, at, "start")
		case "end":
			u.EndMS = r.millis(val, at, "end")
		}
	})
	return u
}

func (r *reader) utteranceText(v jsontape.Value, at itemLoc, key string) string {
	if v.Kind() == jsontape.String {
		return strings.TrimSpace(v.Text()) // the common case, without building a location
	}
	return r.textValue(v, here(at.field(key)))
}

func (r *reader) millis(v jsontape.Value, at itemLoc, key string) int64 {
	if v.Kind() == jsontape.Null {
		return 0
	}
	if v.Kind() == jsontape.Number {
		if n, err := parseRounded(v.Raw()); err == nil {
			return int64(n)
		}
	}
	lit, ok := numberText(v)
	if !ok {
		r.warn(at.field(key), "must be milliseconds (a number), got %s", typeName(v))
		return 0
	}
	n, err := parseRounded(lit)
	if err != nil {
		r.warn(at.field(key), "must be milliseconds: %s %s", quoteValue(v), err)
		return 0
	}
	return int64(n)
}
