package aloware

import (
	"encoding/json"
	"strconv"

	"github.com/tidwall/gjson"
)

// transcript reads parsed_transcription: an object whose "messages" is an array of
// {speaker, text, start, end} (start/end in milliseconds from call start). Some tools
// forward it JSON-encoded as a string; that is decoded too.
func (r *reader) transcript(v gjson.Result, loc string) []Utterance {
	if v.Type == gjson.String {
		if v.Str == "" {
			return nil
		}
		if !json.Valid([]byte(v.Str)) || maxDepth([]byte(v.Str)) > MaxDepth {
			r.add(loc, "must be an object (or a string holding one), got a string that is not JSON")
			return nil
		}
		v = gjson.Parse(v.Str)
	}
	if !v.IsObject() {
		r.add(loc, "must be an object, got %s", typeName(v))
		return nil
	}
	pt := newObject(v, loc)
	msgs, ok := pt.get("messages")
	if !ok {
		return nil
	}
	if !msgs.IsArray() {
		r.add(pt.at("messages"), "must be an array, got %s", typeName(msgs))
		return nil
	}
	var out []Utterance
	i := 0
	msgs.ForEach(func(_, m gjson.Result) bool {
		itemLoc := pt.at("messages") + "[" + strconv.Itoa(i) + "]"
		i++
		if m.Type == gjson.Null {
			return true
		}
		if !m.IsObject() {
			r.add(itemLoc, "must be an object {speaker, text, start, end}, got %s", typeName(m))
			return true
		}
		out = append(out, r.utterance(m, itemLoc))
		return true
	})
	return out
}

func (r *reader) utterance(m gjson.Result, loc string) Utterance {
	// Utterances have four keys we read; looking them up directly is much cheaper than
	// building a map for each of ~900 items in an hour-long call.
	var u Utterance
	var start, end gjson.Result
	m.ForEach(func(k, val gjson.Result) bool {
		switch k.Str {
		case "speaker":
			u.Speaker = r.textValue(val, loc+".speaker")
		case "text":
			u.Text = r.textValue(val, loc+".text")
		case "start":
			start = val
		case "end":
			end = val
		}
		return true
	})
	u.StartMS = r.millis(start, loc+".start")
	u.EndMS = r.millis(end, loc+".end")
	return u
}

func (r *reader) millis(v gjson.Result, loc string) int64 {
	if !v.Exists() || v.Type == gjson.Null {
		return 0
	}
	lit, ok := numberText(v)
	if !ok {
		r.add(loc, "must be milliseconds (a number), got %s", typeName(v))
		return 0
	}
	n, err := parseRounded(lit)
	if err != nil {
		r.add(loc, "must be milliseconds: %s %s", quoteValue(v), err)
		return 0
	}
	return int64(n)
}
