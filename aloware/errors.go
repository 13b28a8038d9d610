package aloware

import "strings"

// Problem is one thing wrong with the input. Field is the location from the
// request-body root in huma's style: "body", "body.body.talk_time", "body[2].body.id".
type Problem struct {
	Field   string
	Message string
}

// InputError reports input that is not a usable Aloware event. It lists every
// problem found, not just the first.
//
// IsObject tells the two kinds apart: false for a body that is not a JSON object at all
// (not JSON, empty, invalid UTF-8, an array where one event was wanted), which /push
// refuses with a 4xx and does not keep; true for a JSON object that cannot be used (no
// readable call id, an unknown shape, nesting deeper than jsontape.MaxDepth), which
// /push keeps in quarantine.
//
// NotJSON is true when the body is not JSON at all (empty, invalid UTF-8, a syntax
// error), as opposed to JSON that is not a usable event: the parser's one pass over the
// bytes decides it, so HTTP can answer 400 for the one and 422 for the other without
// checking the body again.
type InputError struct {
	Problems []Problem
	IsObject bool
	NotJSON  bool
}

func (e *InputError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Field + ": " + p.Message
	}
	return "invalid Aloware event: " + strings.Join(parts, "; ")
}
