package aloware

// Parse reads one raw Aloware webhook delivery. Bad input gives an *InputError.
func Parse(raw []byte) (Event, error) {
	return Event{}, &InputError{Problems: []Problem{{Field: "body", Message: "not implemented yet"}}}
}
