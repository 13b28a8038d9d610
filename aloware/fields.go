package aloware

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/jsontape"
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
	v      jsontape.Value
	keys   map[string]member // by lookup key; only for big or folded objects
}

// member is one key of an object, with its name as sent (for locations).
type member struct {
	name  string
	value jsontape.Value
}

// smallObject is the most members an object is searched for a key one by one rather
// than through a map: building the map costs more than a short scan.
const smallObject = 8

func newObject(v jsontape.Value, loc string, folded bool) object {
	o := object{loc: loc, folded: folded, v: v}
	if n := v.Len(); folded || n > smallObject {
		o.keys = make(map[string]member, n)
		v.Members(func(key string, val jsontape.Value) {
			o.keys[o.lookupKey(key)] = member{key, val}
		})
	}
	return o
}

// nested is the object under key (v is its value), folded like o.
func (o object) nested(key string, v jsontape.Value) object { return newObject(v, o.at(key), o.folded) }

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

func (o object) lookup(key string) (member, bool) {
	if o.keys != nil {
		m, ok := o.keys[o.lookupKey(key)]
		return m, ok
	}
	var found member
	ok := false
	if !o.v.IsObject() {
		return found, false // the zero object: absent
	}
	o.v.Members(func(k string, val jsontape.Value) {
		if k == key {
			found, ok = member{k, val}, true // the last of a repeated key wins
		}
	})
	return found, ok
}

// get returns the value of key when it is present and not null. Null means absent
// everywhere: Aloware sends null for what it does not know yet (user_id on initiation).
func (o object) get(key string) (jsontape.Value, bool) {
	m, ok := o.lookup(key)
	if !ok || m.value.Kind() == jsontape.Null {
		return m.value, false
	}
	return m.value, true
}

func (o object) has(key string) bool { _, ok := o.lookup(key); return ok }

// where is the location of key in o, spelled as the input spelled it; at is the same as
// a string.
func (o object) where(key string) where {
	if o.folded {
		if m, ok := o.lookup(key); ok {
			key = m.name
		}
	}
	return where{o.loc, key}
}

func (o object) at(key string) string { return o.where(key).String() }

// where is a location made into a string only when a problem is reported: most fields
// read fine, and formatting a location for each would cost more than reading it.
type where struct {
	parent, key string
}

func (w where) String() string {
	if w.key == "" {
		return w.parent
	}
	return w.parent + "." + w.key
}

// here is a location already made.
func here(loc string) where { return where{parent: loc} }

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
func numberText(v jsontape.Value) (string, bool) {
	switch v.Kind() {
	case jsontape.Number:
		return v.Raw(), true
	case jsontape.String:
		s := strings.TrimSpace(v.Text())
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
	return r.integerValue(v, o.where(key))
}

func (r *reader) integerValue(v jsontape.Value, loc where) *int {
	lit, ok := numberText(v)
	if !ok {
		r.warn(loc.String(), "must be a whole number, got %s", typeName(v))
		return nil
	}
	n, err := parseWhole(lit)
	if err != nil {
		r.warn(loc.String(), "must be a whole number: %s %s", quoteValue(v), err)
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
	return r.idValue(v, o.where(key))
}

func (r *reader) idValue(v jsontape.Value, loc where) string {
	id, problem := readID(v)
	if problem != "" {
		r.warn(loc.String(), "%s", problem)
	}
	return id
}

// readID converts an id value; problem says why it cannot be read ("" when it can).
func readID(v jsontape.Value) (id, problem string) {
	lit, ok := numberText(v)
	if !ok {
		return "", "must be a numeric id, got " + typeName(v)
	}
	if v.Kind() == jsontape.String && lit == "" {
		return "", "" // "" is how some tools write "no id"
	}
	if isCanonicalID(lit) {
		return lit, "" // already as it is kept: no need to parse and format it
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

// isCanonicalID: digits without a leading zero, few enough to be an int.
func isCanonicalID(lit string) bool {
	if lit == "" || len(lit) > 18 || (lit[0] == '0' && len(lit) > 1) {
		return false
	}
	for i := range len(lit) {
		if !isDigit(lit[i]) {
			return false
		}
	}
	return true
}

// text reads a string. Numbers are accepted as their literal (a name or id that a tool
// sent as a number is still usable); booleans, objects and arrays are Problems.
func (r *reader) text(o object, key string) string {
	v, ok := o.get(key)
	if !ok {
		return ""
	}
	return r.textValue(v, o.where(key))
}

func (r *reader) textValue(v jsontape.Value, loc where) string {
	switch v.Kind() {
	case jsontape.String:
		return strings.TrimSpace(v.Text())
	case jsontape.Number:
		return v.Raw()
	case jsontape.Null:
		return ""
	}
	r.warn(loc.String(), "must be a string, got %s", typeName(v))
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
	case v.Kind() == jsontape.True:
		b = true
	case v.Kind() == jsontape.False:
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
	if v.Kind() != jsontape.String {
		r.warn(o.at(key), "must be a date-time string like \"2026-08-05 20:58:49\" (UTC), got %s", typeName(v))
		return time.Time{}
	}
	s := strings.TrimSpace(v.Text())
	if s == "" {
		return time.Time{}
	}
	t, ok := parseTimestamp(s)
	if !ok {
		r.warn(o.at(key), "unreadable date-time %s: expected ISO 8601 such as \"2026-08-05 20:58:49\" (UTC) or \"2026-08-05T15:58:49-05:00\"", quoteValue(v))
	}
	return t
}

func typeName(v jsontape.Value) string {
	switch v.Kind() {
	case jsontape.Null:
		return "null"
	case jsontape.False, jsontape.True:
		return "a boolean"
	case jsontape.Number:
		return "a number"
	case jsontape.String:
		return "a string"
	}
	if v.IsArray() {
		return "an array"
	}
	return "an object"
}

// quoteValue shows a scalar in a message, shortened so a hostile value cannot flood it.
func quoteValue(v jsontape.Value) string {
	s := v.Raw()
	if len(s) > 40 {
		s = s[:37] + "…"
	}
	return strings.ToValidUTF8(s, "")
}
