package kendo

// Violation is one reason a payload would be refused. Location is "body",
// "body.repEmail", "body.metadata.x" ….
type Violation struct {
	Location string `json:"location"`
	Message  string `json:"message"`
}

// Validate checks a raw Kendo Push payload against Kendo's documented rules and
// returns every violation at once, sorted by location; nil means valid.
func Validate(raw []byte) []Violation {
	return nil
}
