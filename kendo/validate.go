package kendo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/aloware-kendo/aloware-kendo/schema"
)

// Violation is one reason a payload would be refused. Location is "body",
// "body.repEmail", "body.metadata.x" ….
type Violation struct {
	Location string `json:"location" doc:"where the problem is, from the request body root" example:"body.repEmail"`
	Message  string `json:"message" doc:"what is wrong" example:"'nope' is not valid email: missing @"`
}

// MsgNoTranscriptOrAudio is the message of the violation at "body" when a payload has
// neither a non-empty transcript nor a non-empty audioUrl (Kendo answers 400 to it).
const MsgNoTranscriptOrAudio = "at least one of transcript or audioUrl must be present and non-empty"

// audioURLPattern is the schema's pattern for audioUrl/audio_url (schema/kendo-payload.schema.json).
const audioURLPattern = `^https?://[^/?#\s]+`

// Validate checks a raw Kendo Push payload against Kendo's documented rules
// (schema.KendoPayload plus the 5 MB body limit) and returns every violation at once,
// sorted by location; nil means valid.
func Validate(raw []byte) []Violation {
	if len(raw) > MaxBodyBytes {
		return []Violation{{Location: "body", Message: fmt.Sprintf("body is %d bytes; Kendo accepts at most %d (5 MB)", len(raw), MaxBodyBytes)}}
	}
	// encoding/json silently replaces invalid UTF-8 with U+FFFD, so check first.
	if !utf8.Valid(raw) {
		return []Violation{{Location: "body", Message: "body is not valid UTF-8"}}
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return []Violation{{Location: "body", Message: "body is not valid JSON: " + err.Error()}}
	}
	out := nonFiniteNumbers(doc)
	err = schema.KendoPayloadSchema().Validate(doc)
	var ve *jsonschema.ValidationError
	switch {
	case err == nil && out == nil:
		return nil
	case errors.As(err, &ve):
		collectLeaves(ve, message.NewPrinter(language.English), &out)
	case err != nil:
		out = append(out, Violation{Location: "body", Message: err.Error()})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Location != out[j].Location {
			return out[i].Location < out[j].Location
		}
		return out[i].Message < out[j].Message
	})
	return out
}

// collectLeaves walks the error tree: the real failures are the leaves, nested under
// schema/$ref/anyOf/allOf group nodes.
func collectLeaves(ve *jsonschema.ValidationError, p *message.Printer, out *[]Violation) {
	loc := location(ve.InstanceLocation)
	switch k := ve.ErrorKind.(type) {
	case *kind.AnyOf:
		if len(ve.InstanceLocation) == 0 {
			// The only root anyOf is "transcript or audioUrl"; its branch errors
			// ("missing property 'transcript'" …) would suggest all are required.
			*out = append(*out, Violation{Location: "body", Message: MsgNoTranscriptOrAudio})
			return
		}
	case *kind.Pattern:
		if k.Want == audioURLPattern {
			// The regex itself means nothing to a person reading the error.
			msg := fmt.Sprintf("'%s' is not an http:// or https:// URL with a host", k.Got)
			*out = append(*out, Violation{Location: loc, Message: msg})
			return
		}
	case *kind.Required:
		// Required points at the parent object; name the missing property itself.
		for _, name := range k.Missing {
			*out = append(*out, Violation{Location: loc + "." + name, Message: "missing required property"})
		}
		return
	case *kind.AdditionalProperties:
		for _, name := range k.Properties {
			*out = append(*out, Violation{Location: loc + "." + name, Message: fmt.Sprintf("unknown property %q (not a Kendo Push field; check the spelling)", name)})
		}
		return
	}
	if len(ve.Causes) == 0 {
		*out = append(*out, Violation{Location: loc, Message: ve.ErrorKind.LocalizedString(p)})
		return
	}
	for _, c := range ve.Causes {
		collectLeaves(c, p, out)
	}
}

// nonFiniteNumbers finds numbers where the schema allows them (duration, metadata
// values) that overflow a float64, such as 1e400. JSON Schema calls them numbers, but
// Kendo's JSON.parse reads them as Infinity.
func nonFiniteNumbers(doc any) []Violation {
	top, ok := doc.(map[string]any)
	if !ok {
		return nil
	}
	var out []Violation
	check := func(v any, loc string) {
		if n, ok := v.(json.Number); ok {
			if _, err := strconv.ParseFloat(string(n), 64); err != nil {
				out = append(out, Violation{Location: loc, Message: fmt.Sprintf("number %.40s is out of range (Kendo would read it as Infinity)", n)})
			}
		}
	}
	check(top["duration"], "body.duration")
	if meta, ok := top["metadata"].(map[string]any); ok {
		for k, v := range meta {
			check(v, "body.metadata."+k)
		}
	}
	return out
}

func location(instance []string) string {
	if len(instance) == 0 {
		return "body"
	}
	return "body." + strings.Join(instance, ".")
}
