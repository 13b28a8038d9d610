package aloware

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// reader reads typed fields out of JSON objects. A field that is present but cannot be
// read is dropped with a warning, so one odd field never costs the event (rule I2); only
// what makes the whole object unusable (no recognisable shape, a call without a readable
// id) is a failure.
type reader struct {
	warnings     []Problem
	moreWarnings int // warnings beyond maxWarnings, counted but not listed
	failures     []Problem
}

// maxWarnings bounds the warnings of one event: a hostile body with thousands of bad
// utterances must not cost a message each.
const maxWarnings = 50

// ignoredSuffix ends every warning: the field was dropped, the event was used.
const ignoredSuffix = "; ignored"

func (r *reader) warn(field, format string, args ...any) {
	if len(r.warnings) == maxWarnings {
		r.moreWarnings++
		return
	}
	r.warnings = append(r.warnings, Problem{Field: field, Message: fmt.Sprintf(format, args...) + ignoredSuffix})
}

func (r *reader) fail(field, format string, args ...any) {
	r.failures = append(r.failures, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// eventWarnings returns the warnings of the event just read and starts afresh for the
// next one (ParseBatch reads several with one reader).
func (r *reader) eventWarnings(loc string) []Problem {
	w := r.warnings
	if r.moreWarnings > 0 {
		w = append(w, Problem{Field: loc, Message: fmt.Sprintf("%d more fields could not be read%s", r.moreWarnings, ignoredSuffix)})
	}
	r.warnings, r.moreWarnings = nil, 0
	return w
}

// object is one JSON object. Keys match exactly (case-sensitive) in Aloware's own
// snake_case bodies. In Zapier's flattened objects (folded) they match regardless of
// case and of spaces vs underscores, so "User ID", "User Id" and "user_id" are one key:
// Zapier has spelled the same field several ways. A repeated key keeps its last value,
// as encoding/json does.
type object struct {
	loc    string // location of the object itself, e.g. "body.body"
	folded bool
	keys   map[string]member
}

// member is one key of an object, with its name as sent (for locations).
type member struct {
	name  string
	value gjson.Result
}

func newObject(v gjson.Result, loc string, folded bool) object {
	o := object{loc: loc, folded: folded, keys: make(map[string]member)}
	v.ForEach(func(k, val gjson.Result) bool {
		o.keys[o.lookupKey(k.Str)] = member{k.Str, val}
		return true
	})
	return o
}

// nested is the object under key (v is its value), folded like o.
func (o object) nested(key string, v gjson.Result) object { return newObject(v, o.at(key), o.folded) }

func (o object) lookupKey(key string) string {
	if !o.folded {
		return key
	}
	return foldKey(key)
}

// foldKey lower-cases key and drops spaces and underscores: "Current Status 2" and
// "current_status2" are both "currentstatus2".
func foldKey(key string) string {
	b := make([]byte, 0, len(key))
	for i := range len(key) {
		switch c := key[i]; {
		case c == ' ' || c == '_':
		case 'A' <= c && c <= 'Z':
			b = append(b, c+'a'-'A')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// get returns the value of key when it is present and not null. Null means absent
// everywhere: Aloware sends null for what it does not know yet (user_id on initiation).
func (o object) get(key string) (gjson.Result, bool) {
	m, ok := o.keys[o.lookupKey(key)]
	if !ok || m.value.Type == gjson.Null {
		return m.value, false
	}
	return m.value, true
}

func (o object) has(key string) bool { _, ok := o.keys[o.lookupKey(key)]; return ok }

// at is the location of key in o, spelled as the input spelled it.
func (o object) at(key string) string {
	if m, ok := o.keys[o.lookupKey(key)]; ok {
		key = m.name
	}
	return o.loc + "." + key
}

// child returns the object under key; ok is false when absent or null. A non-object
// value is a Problem.
func (r *reader) child(o object, key string) (object, bool) {
	v, ok := o.get(key)
	if !ok {
		return object{}, false
	}
	if !v.IsObject() {
		r.warn(o.at(key), "must be an object, got %s", typeName(v))
		return object{}, false
	}
	return o.nested(key, v), true
}

// numberText returns the literal of a JSON number or of a string holding one ("63").
func numberText(v gjson.Result) (string, bool) {
	switch v.Type {
	case gjson.Number:
		return v.Raw, true
	case gjson.String:
		s := strings.TrimSpace(v.Str)
		if len(s) > 1 && s[0] == '0' && strings.Trim(s, "0123456789") == "" {
			// "000123": digits with leading zeros, which JSON's number grammar forbids
			// but a tool that zero-pads ids may send.
			s = strings.TrimLeft(s, "0")
			if s == "" {
				s = "0"
			}
		}
		return s, true
	}
	return "", false
}

// integer reads a whole number (statuses, types). Numeric strings are accepted.
func (r *reader) integer(o object, key string) *int {
	v, ok := o.get(key)
	if !ok {
		return nil
	}
	return r.integerValue(v, o.at(key))
}

func (r *reader) integerValue(v gjson.Result, loc string) *int {
	lit, ok := numberText(v)
	if !ok {
		r.warn(loc, "must be a whole number, got %s", typeName(v))
		return nil
	}
	n, err := parseWhole(lit)
	if err != nil {
		r.warn(loc, "must be a whole number: %s %s", quoteValue(v), err)
		return nil
	}
	return &n
}

// seconds reads a non-negative duration in seconds; fractions are rounded.
func (r *reader) seconds(o object, key string) *int {
	v, ok := o.get(key)
	if !ok {
		return nil
	}
	lit, ok := numberText(v)
	if !ok {
		r.warn(o.at(key), "must be a number of seconds, got %s", typeName(v))
		return nil
	}
	n, err := parseRounded(lit)
	switch {
	case err != nil:
		r.warn(o.at(key), "must be a number of seconds: %s %s", quoteValue(v), err)
		return nil
	case n < 0:
		r.warn(o.at(key), "must not be negative, got %d", n)
		return nil
	}
	return &n
}

// id reads an Aloware id (number or numeric string) as a canonical decimal string:
// 940868616, "940868616" and 9.40868616e8 all give "940868616".
func (r *reader) id(o object, key string) string {
	v, ok := o.get(key)
	if !ok {
		return ""
	}
	return r.idValue(v, o.at(key))
}

func (r *reader) idValue(v gjson.Result, loc string) string {
	id, problem := readID(v)
	if problem != "" {
		r.warn(loc, "%s", problem)
	}
	return id
}

// readID converts an id value; problem says why it cannot be read ("" when it can).
func readID(v gjson.Result) (id, problem string) {
	lit, ok := numberText(v)
	if !ok {
		return "", "must be a numeric id, got " + typeName(v)
	}
	if v.Type == gjson.String && lit == "" {
		return "", "" // "" is how some tools write "no id"
	}
	n, err := parseWhole(lit)
	switch {
	case err != nil:
		return "", "must be a numeric id: " + quoteValue(v) + " " + err.Error()
	case n < 0:
		return "", "must be a numeric id: " + quoteValue(v) + " is negative"
	}
	return strconv.Itoa(n), ""
}

// text reads a string. Numbers are accepted as their literal (a name or id that a tool
// sent as a number is still usable); booleans, objects and arrays are Problems.
func (r *reader) text(o object, key string) string {
	v, ok := o.get(key)
	if !ok {
		return ""
	}
	return r.textValue(v, o.at(key))
}

func (r *reader) textValue(v gjson.Result, loc string) string {
	switch v.Type {
	case gjson.String:
		return strings.TrimSpace(v.Str)
	case gjson.Number:
		return v.Raw
	case gjson.Null:
		return ""
	}
	r.warn(loc, "must be a string, got %s", typeName(v))
	return ""
}

// boolean reads true/false, 0/1 or their string forms.
func (r *reader) boolean(o object, key string) *bool {
	v, ok := o.get(key)
	if !ok {
		return nil
	}
	var b bool
	switch {
	case v.Type == gjson.True:
		b = true
	case v.Type == gjson.False:
	default:
		switch s, _ := numberText(v); s {
		case "1", "true":
			b = true
		case "0", "false":
		default:
			r.warn(o.at(key), "must be a boolean, got %s", quoteValue(v))
			return nil
		}
	}
	return &b
}

// timestamp reads created_at/updated_at as UTC (see parseTimestamp).
func (r *reader) timestamp(o object, key string) time.Time {
	v, ok := o.get(key)
	if !ok {
		return time.Time{}
	}
	if v.Type != gjson.String {
		r.warn(o.at(key), "must be a date-time string like \"2026-08-05 20:58:49\" (UTC), got %s", typeName(v))
		return time.Time{}
	}
	s := strings.TrimSpace(v.Str)
	if s == "" {
		return time.Time{}
	}
	t, ok := parseTimestamp(s)
	if !ok {
		r.warn(o.at(key), "unreadable date-time %s: expected ISO 8601 such as \"2026-08-05 20:58:49\" (UTC) or \"2026-08-05T15:58:49-05:00\"", quoteValue(v))
	}
	return t
}

func typeName(v gjson.Result) string {
	switch v.Type {
	case gjson.Null:
		return "null"
	case gjson.False, gjson.True:
		return "a boolean"
	case gjson.Number:
		return "a number"
	case gjson.String:
		return "a string"
	}
	if v.IsArray() {
		return "an array"
	}
	return "an object"
}

// quoteValue shows a scalar in a message, shortened so a hostile value cannot flood it.
func quoteValue(v gjson.Result) string {
	s := v.Raw
	if len(s) > 40 {
		s = s[:37] + "…"
	}
	return strings.ToValidUTF8(s, "")
}
