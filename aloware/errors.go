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
type InputError struct {
	Problems []Problem
}

func (e *InputError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Field + ": " + p.Message
	}
	return "invalid Aloware event: " + strings.Join(parts, "; ")
}
