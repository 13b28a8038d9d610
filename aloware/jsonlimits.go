package aloware

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// MaxDepth is how deeply objects and arrays may nest in an event. Real Aloware bodies
// nest four levels; the limit keeps recursive code (ours and the JSON library's) cheap
// and safe on hostile input.
const MaxDepth = 64

// checkDocument rejects what is not one well-formed JSON document we can read safely;
// isJSON tells a document that is JSON but too deep from one that is not JSON at all.
// It runs before any decoding: encoding/json silently replaces invalid UTF-8, and the
// depth scan must come before anything that recurses.
func checkDocument(raw []byte) (p *Problem, isJSON bool) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return &Problem{Field: "body", Message: "empty body: expected an Aloware webhook JSON object"}, false
	}
	if !utf8.Valid(raw) {
		return &Problem{Field: "body", Message: "body is not valid UTF-8"}, false
	}
	if d := maxDepth(raw); d > MaxDepth {
		return &Problem{Field: "body", Message: fmt.Sprintf("JSON nests deeper than %d levels", MaxDepth)}, true
	}
	// gjson's validator is about five times faster than encoding/json's and agrees
	// with it (FuzzMapRaw checks that every accepted input is valid to encoding/json).
	if !gjson.ValidBytes(raw) {
		var v json.RawMessage
		err := json.Unmarshal(raw, &v) // only for a message that says where it broke
		msg := "body is not valid JSON"
		if se, ok := err.(*json.SyntaxError); ok {
			msg = fmt.Sprintf("body is not valid JSON: %s (at byte %d)", se.Error(), se.Offset)
		}
		return &Problem{Field: "body", Message: msg}, false
	}
	return nil, true
}

// maxDepth returns the deepest nesting of [ and { outside strings. It does not validate
// the document; it stops counting once the limit is passed.
func maxDepth(raw []byte) int {
	depth, deepest := 0, 0
	inString, escaped := false, false
	for _, c := range raw {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			depth++
			if depth > deepest {
				deepest = depth
				if deepest > MaxDepth {
					return deepest
				}
			}
		case ']', '}':
			depth--
		}
	}
	return deepest
}
