package jsontape

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseDepth(t *testing.T) {
	nest := func(n int, inner string) string { return strings.Repeat("[", n) + inner + strings.Repeat("]", n) }
	tests := []struct {
		in     string
		ok     bool
		isJSON bool
	}{
		{nest(MaxDepth, "1"), true, true},
		{nest(MaxDepth+1, "1"), false, true},
		{nest(5000, ""), false, true},
		{strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200), false, true},
		{strings.Repeat(`{"a":[`, 100) + `{}, "x", 2, null` + strings.Repeat("]}", 100), false, true},
		{nest(5000, "")[:9000], false, false}, // too deep and truncated: not JSON
		{nest(100, "1,}"), false, false},      // too deep and broken
		{strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("]", 100), false, false},
		{`{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}`, true, true}, // brackets in strings do not count
		{`{"a":"\"[[["}`, true, true},
		{`{"a":"\\","b":[[]]}`, true, true},
	}
	for _, tc := range tests {
		_, err := Parse([]byte(tc.in))
		if isJSON := isJSON(err); (err == nil) != tc.ok || isJSON != tc.isJSON {
			t.Errorf("Parse(%.40s…): %v, isJSON %v; want ok %v isJSON %v", tc.in, err, isJSON, tc.ok, tc.isJSON)
		}
	}
}

// isJSON tells from Parse's error whether the document is JSON (too deep to read counts).
func isJSON(err error) bool { return err == nil || !err.(*Error).NotJSON() }

// TestParseAgreesWithEncodingJSON on inputs that trip JSON parsers; FuzzParse explores
// the rest.
func TestParseAgreesWithEncodingJSON(t *testing.T) {
	for _, in := range []string{
		``, ` `, `1`, `-0`, `-`, `01`, `1.`, `.5`, `1e`, `1e+`, `1E-7`, `-1.5e300`, `1e400`, `tru`, `true`, `nul`, `null x`,
		`""`, `"\u00e9\ud83d\ude00"`, `"\ud800"`, `"\ud800\u0041"`, `"\uDFFF\uD800"`, `"\x"`, `"\u12"`, "\"\x01\"", `"a\/b"`,
		`[]`, `[1,]`, `[,1]`, `[1 2]`, `{}`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{,}`, `{"a":1 "b":2}`, `{1:2}`,
		`{"a":1,"a":2}`, "\ufeff{}", "{\"a\":\"\xff\"}", "\xff", `{"a":[{"b":[1,{"c":null}]},"x"]}`, " {\"k\" : [ true , false ] } ",
		`{"\"":"\\"}`, `[` + strings.Repeat(`"x",`, 100) + `0]`,
	} {
		checkAgreement(t, []byte(in))
	}
}

// FuzzParse compares Parse with encoding/json on any input: the same documents are
// valid, they decode to the same values, and only what encoding/json refuses is "not
// JSON". Seeds: tricky fragments and the recorded Aloware events.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":"c\n"}]}`, `[1e5,-0.5,true,false,null]`, `"\ud83d\ude00"`, `{"a":"\ud800"}`, `{`} {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("../../testdata/aloware/*.json")
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(checkAgreement)
}

// checkAgreement: Parse accepts exactly what encoding/json accepts among valid UTF-8
// documents nesting at most MaxDepth levels, decodes them to the same values, and calls
// "not JSON" only what encoding/json refuses (or what is not UTF-8).
func checkAgreement(t *testing.T, raw []byte) {
	d, err := Parse(raw)
	var want any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	wantErr := dec.Decode(&want)
	if wantErr == nil && dec.More() {
		wantErr = errTrailing
	} else if wantErr == nil {
		if _, err := dec.Token(); err == nil {
			wantErr = errTrailing
		}
	}
	valid := json.Valid(raw) && utf8.Valid(raw)
	switch {
	case err == nil && !valid:
		t.Fatalf("accepted what encoding/json refuses: %q", raw)
	case err != nil && isJSON(err) && !valid:
		t.Fatalf("called JSON what encoding/json refuses: %q (%v)", raw, err)
	case err != nil && !isJSON(err) && valid && depthOf(raw) <= MaxDepth:
		t.Fatalf("refused valid JSON: %q (%v)", raw, err)
	case err != nil && isJSON(err) && depthOf(raw) <= MaxDepth:
		t.Fatalf("too deep at depth %d: %q", depthOf(raw), raw)
	case err == nil && depthOf(raw) > MaxDepth:
		t.Fatalf("accepted depth %d", depthOf(raw))
	case err == nil && wantErr != nil:
		t.Fatalf("accepted %q; encoding/json: %v", raw, wantErr)
	case err == nil:
		defer d.Release()
		if got := toAny(d.Root()); !reflect.DeepEqual(got, want) {
			t.Fatalf("decoded %q as %#v, encoding/json as %#v", raw, got, want)
		}
	}
}

var errTrailing = json.Unmarshal([]byte(`1 2`), new(any))

// depthOf counts the deepest nesting outside strings (valid JSON assumed).
func depthOf(raw []byte) int {
	depth, deepest, inString, escaped := 0, 0, false, false
	for _, c := range raw {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}

func toAny(v Value) any {
	switch v.Kind() {
	case Null:
		return nil
	case True:
		return true
	case False:
		return false
	case Number:
		return json.Number(v.Raw())
	case String:
		return v.Text()
	case Array:
		out := []any{}
		v.Items(func(item Value) { out = append(out, toAny(item)) })
		return out
	}
	out := map[string]any{}
	v.Members(func(k string, val Value) { out[k] = toAny(val) })
	return out
}

// A large document's tape is allocated once, large enough: growing it by appending
// allocated every intermediate size and held the old and the new tape at once, the
// largest cost of reading a long transcript (many short messages: more values per byte
// than a guess from the length allows for).
func TestParseAllocatesTheTapeOnce(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"event":"Transcription-Saved","body":{"id":1,"parsed_transcription":{"messages":[`)
	for i := range 20000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"speaker":"AGENT","text":"Yes, right.","start":%d,"end":%d,"sentiment":"NEUTRAL"}`, i, i+1)
	}
	b.WriteString(`]}}}`)
	raw := []byte(b.String())
	const runs = 3
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		d, err := Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		d.Release()
	}
	runtime.ReadMemStats(&after)
	perParse := (after.TotalAlloc - before.TotalAlloc) / runs
	// The text (1×) and one tape of 16-byte nodes, sized by counting separators (about
	// 3× for this shape); growing it by appending made it 9×.
	if limit := 5 * uint64(len(raw)); perParse > limit {
		t.Errorf("parsing a %d-byte document allocated %d bytes; want at most %d", len(raw), perParse, limit)
	}
}
