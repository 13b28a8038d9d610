package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"github.com/aloware-kendo/aloware-kendo/aloware"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// Status translation lives only in this package. The domain packages return typed
// errors (*aloware.InputError, delivery.ErrNotFound …) and never see a status code.

// retryAfterSeconds is what a 503 asks the client to wait: long enough for a database
// hiccup or a restart to pass, short enough for n8n/Zapier retries to be useful.
const retryAfterSeconds = 5

// jsonProblem says why a Kendo payload sent to /validate is not JSON at all ("" when it
// is JSON): such input gets a 400, JSON Kendo would refuse a 422. (Aloware events need
// no such check: the parser's InputError.NotJSON says it.) It only scans the bytes; the
// decoding that explains a failure runs only for input that fails.
func jsonProblem(raw []byte) string {
	switch {
	case len(raw) == 0 || isBlank(raw):
		return "empty body; send a JSON document"
	case !utf8.Valid(raw):
		return "not valid UTF-8"
	case json.Valid(raw):
		// Syntax only: a number too large for a float64 is still JSON, and the parser
		// names the field that holds it.
		return ""
	}
	var v json.RawMessage
	return "not valid JSON: " + json.Unmarshal(raw, &v).Error()
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// inputProblem turns an *aloware.InputError (or any error from the pure mapping code,
// which can only be about its input) into a 400 when the body is not JSON at all, a 422
// when it is JSON but not a usable event, naming each bad field. The parser made that
// call in its one pass over the bytes; the body is not looked at again.
func inputProblem(err error) error {
	details := []error{}
	var ie *aloware.InputError
	if errors.As(err, &ie) {
		for _, p := range ie.Problems {
			details = append(details, &huma.ErrorDetail{Location: orBody(p.Field), Message: p.Message})
		}
	}
	if len(details) == 0 {
		details = append(details, &huma.ErrorDetail{Location: "body", Message: err.Error()})
	}
	if ie != nil && ie.NotJSON {
		return huma.Error400BadRequest("the body is not JSON", details...)
	}
	return huma.Error422UnprocessableEntity("the body is not a usable Aloware event", details...)
}

// violationsProblem is /validate's 422: every reason Kendo would refuse the payload.
func violationsProblem(vs []kendo.Violation) error {
	return huma.Error422UnprocessableEntity(fmt.Sprintf("Kendo would refuse this payload (%d problem(s))", len(vs)), violationErrors(vs)...)
}

func violationErrors(vs []kendo.Violation) []error {
	details := make([]error, len(vs))
	for i, v := range vs {
		details[i] = &huma.ErrorDetail{Location: orBody(v.Location), Message: v.Message}
	}
	return details
}

func orBody(loc string) string {
	if loc == "" {
		return "body"
	}
	return loc
}

// unavailable is a 503 for work that was not done (nothing stored); Retry-After tells
// n8n, Make or Zapier when to try again.
func unavailable(msg string) error {
	return huma.ErrorWithHeaders(huma.Error503ServiceUnavailable(msg),
		http.Header{"Retry-After": {strconv.Itoa(retryAfterSeconds)}})
}

// bodyLocated fills in errors[] for huma's own 4xx answers that concern the body
// (required, too large, read timeout, unsupported media type), so every client error
// names the field it is about, as the handlers' own errors do.
func bodyLocated(status int, msg string, errs []error) []error {
	if len(errs) > 0 {
		return errs
	}
	switch status {
	case http.StatusBadRequest, http.StatusRequestTimeout, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		return []error{&huma.ErrorDetail{Location: "body", Message: msg}}
	}
	return errs
}

// init installs bodyLocated into huma's error constructor, the extension point huma
// documents for custom errors. It is a package variable, so this happens once per
// process, and it only adds a detail where huma gave none.
func init() {
	base := huma.NewError
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		return base(status, msg, bodyLocated(status, msg, errs)...)
	}
}
