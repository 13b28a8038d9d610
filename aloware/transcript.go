package aloware

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// transcript reads parsed_transcription: an object whose "messages" is an array of
// {speaker, text, start, end} (start/end in milliseconds from call start). Some tools
// forward it JSON-encoded as a string; that is decoded too.
func (r *reader) transcript(o object, key string) []Utterance {
	v, ok := o.get(key)
	if !ok {
		return nil
	}
	loc := o.at(key)
	if v.Type == gjson.String {
		if v.Str == "" {
			return nil
		}
		if !json.Valid([]byte(v.Str)) || maxDepth([]byte(v.Str)) > MaxDepth {
			r.warn(loc, "must be an object (or a string holding one), got a string that is not JSON")
			return nil
		}
		v = gjson.Parse(v.Str)
	}
	if !v.IsObject() {
		r.warn(loc, "must be an object, got %s", typeName(v))
		return nil
	}
	pt := newObject(v, loc, o.folded)
	msgs, ok := pt.get("messages")
	if !ok {
		return nil
	}
	if !msgs.IsArray() {
		r.warn(pt.at("messages"), "must be an array, got %s", typeName(msgs))
		return nil
	}
	var out []Utterance
	base := pt.at("messages")
	i := 0
	msgs.ForEach(func(_, m gjson.Result) bool {
		at := itemLoc{base, i}
		i++
		switch {
		case m.Type == gjson.Null:
		case !m.IsObject():
			r.warn(at.String(), "must be an object {speaker, text, start, end}, got %s", typeName(m))
		default:
			out = append(out, r.utterance(m, at, o.folded))
		}
		return true
	})
	return out
}

// itemLoc is the location of messages[i], built only when a problem needs it: an
// hour-long call has ~900 utterances, and formatting four locations for each would be
// most of the parsing cost.
type itemLoc struct {
	base string
	i    int
}

func (l itemLoc) String() string        { return l.base + "[" + strconv.Itoa(l.i) + "]" }
func (l itemLoc) field(k string) string { return l.String() + "." + k }

func (r *reader) utterance(m gjson.Result, at itemLoc, folded bool) Utterance {
	// Utterances have four keys we read; looking them up while iterating once is much
	// cheaper than building a map for each.
	var u Utterance
	m.ForEach(func(k, val gjson.Result) bool {
		key := k.Str
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
		return true
	})
	return u
}

func (r *reader) utteranceText(v gjson.Result, at itemLoc, key string) string {
	if v.Type == gjson.String {
		return strings.TrimSpace(v.Str) // the common case, without building a location
	}
	return r.textValue(v, at.field(key))
}

func (r *reader) millis(v gjson.Result, at itemLoc, key string) int64 {
	if v.Type == gjson.Null {
		return 0
	}
	if v.Type == gjson.Number {
		if n, err := parseRounded(v.Raw); err == nil {
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
