package aloware

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aloware-kendo/aloware-kendo/internal/jsontape"
)

// isZapier recognizes Zapier's flattened object by its keys: Zapier renders every key in
// Title Case ("ID", "Event", "Created At"), Aloware's own bodies are snake_case.
func isZapier(o object) bool {
	zapier := false
	o.v.Members(func(key string, _ jsontape.Value) {
		first, _ := utf8.DecodeRuneInString(key)
		zapier = zapier || unicode.IsUpper(first) || strings.Contains(key, " ")
	})
	return zapier
}
