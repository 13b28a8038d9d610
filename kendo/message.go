package kendo

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

const redacted = "[redacted]"

// scrub removes the API key from text that may end up in logs or the database
// (a server echoing the key, an error quoting a URL).
func scrub(s, apiKey string) string {
	if apiKey == "" {
		return s
	}
	return strings.ReplaceAll(s, apiKey, redacted)
}

// cleanText makes server-supplied text safe for one log line: valid UTF-8,
// control and format characters (newlines, ANSI escapes, bidi overrides)
// turned into spaces, runs of spaces collapsed, at most n bytes.
func cleanText(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// errorText picks Kendo's explanation from an error answer. The shape is not
// documented, so it tries the usual JSON fields, then falls back to the text.
func errorText(raw []byte, status int) string {
	if msg := jsonMessage(raw); msg != "" {
		return cleanText(msg, maxMessageBytes)
	}
	if t := cleanText(string(raw), maxMessageBytes); t != "" {
		return t
	}
	return fmt.Sprintf("%d %s with an empty body", status, http.StatusText(status))
}

// jsonMessage reads message, error, detail, title (in that order) from a JSON
// object. A field may be a string, a list of strings (NestJS puts validation
// errors there) or an object carrying its own "message".
func jsonMessage(raw []byte) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return ""
	}
	for _, k := range []string{"message", "error", "detail", "title"} {
		if s := textOf(obj[k]); s != "" {
			return s
		}
	}
	return ""
}

func textOf(v json.RawMessage) string {
	if len(v) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return strings.TrimSpace(s)
	}
	var list []string
	if json.Unmarshal(v, &list) == nil {
		return strings.TrimSpace(strings.Join(list, "; "))
	}
	var nested struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(v, &nested) == nil {
		return strings.TrimSpace(nested.Message)
	}
	return ""
}

// callID finds the id in a success answer. Kendo's own client reads a top-level
// "callId"; call_id, id and data.callId are accepted in case the shape drifts.
func callID(raw []byte) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return ""
	}
	for _, k := range []string{"callId", "call_id", "id"} {
		if id := idOf(obj[k]); id != "" {
			return id
		}
	}
	if data, ok := obj["data"]; ok {
		return callID(data)
	}
	return ""
}

// idOf accepts a string or a number; anything else is not an id.
func idOf(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return cleanText(s, 200)
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String()
	}
	return ""
}
