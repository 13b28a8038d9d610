package aloware

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// isZapier recognizes Zapier's flattened object by its keys: Zapier renders every key in
// Title Case ("ID", "Event", "Created At"), Aloware's own bodies are snake_case.
func isZapier(o object) bool {
	for _, m := range o.keys {
		first, _ := utf8.DecodeRuneInString(m.name)
		if unicode.IsUpper(first) || strings.Contains(m.name, " ") {
			return true
		}
	}
	return false
}
