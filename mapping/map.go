package mapping

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aloware-kendo/aloware-kendo/aloware"
)

// Map decides whether a merged call is ready (rules C1–C3, S1, S3) and builds its Kendo
// payload (P1–P9). Warnings is never nil; it starts with the fields the events carried
// but that could not be read (I2).
func Map(c Call) Result {
	res := Result{AlowareCallID: c.AlowareCallID, Warnings: append([]string{}, c.ReadWarnings...)}
	if c.MoreReadWarnings > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d more unreadable fields were ignored", c.MoreReadWarnings))
	}
	for _, name := range c.EventNames {
		if !aloware.IsKnownEventName(name) {
			res.Warnings = append(res.Warnings, "unknown Aloware event name "+quoteShort(name)+"; classified by its body")
		}
	}
	if c.Kind != aloware.KindCall {
		res.State, res.Reason = StateIgnored, ignoredReason(c.Kind)
		return res
	}
	p, warnings := buildPayload(c)
	res.Warnings = append(res.Warnings, warnings...)
	res.Warnings = append(res.Warnings, fitBodyLimit(p)...)
	res.Payload = p
	switch {
	case !c.Complete:
		res.State, res.Reason = StateInProgress, reasonInProgress
	case p.AudioURL != "" || p.Transcript != "":
		res.State, res.Ready = StateReady, true
		res.NothingMoreExpected = nothingMoreExpected(c, p)
	default:
		if why := unansweredReason(c); why != "" {
			res.State, res.Reason = StateUnanswered, why
		} else {
			res.State, res.Reason = StateAwaitingArtifacts, reasonAwaiting
		}
	}
	return res
}

// MapRaw parses one event, or a JSON array of events of one call, merges and maps them.
// Input that is not an Aloware event, or an array mixing call ids, gives an
// *aloware.InputError.
func MapRaw(raw []byte) (Result, error) {
	c, err := MergeRaw(raw)
	if err != nil {
		return Result{}, err
	}
	return Map(c), nil
}

// MergeRaw is MapRaw without the mapping: the merged call, for a caller that maps it
// with more than the events know (the service's rep lookup and teams).
func MergeRaw(raw []byte) (Call, error) {
	events, err := aloware.ParseBatch(raw)
	if err != nil {
		return Call{}, err
	}
	locs := make([]string, len(events))
	for i := range events {
		locs[i] = "body[" + strconv.Itoa(i) + "]"
	}
	return mergeOneCall(events, locs)
}

// MapRawEvents is MapRaw for several separately stored events (e.g. one file each). Each
// raw may itself be an array. Problems are located as if the raws were one JSON array:
// "body[2].body.id" is in the third raw, "body[2][0]" in the first item of its array.
// One raw is located as MapRaw locates it ("body.body.id").
func MapRawEvents(raws [][]byte) (Result, error) {
	if len(raws) == 1 {
		return MapRaw(raws[0])
	}
	c, err := mergeRawEvents(raws)
	if err != nil {
		return Result{}, err
	}
	return Map(c), nil
}

// MergeRawEvents is MapRawEvents without the mapping: the merged call, for a caller that
// judges it further (the send rules of `aloware-kendo map`).
func MergeRawEvents(raws [][]byte) (Call, error) {
	if len(raws) == 1 {
		return MergeRaw(raws[0])
	}
	return mergeRawEvents(raws)
}

func mergeRawEvents(raws [][]byte) (Call, error) {
	var events []aloware.Event
	var locs []string
	var problems []aloware.Problem
	for i, raw := range raws {
		prefix := "body[" + strconv.Itoa(i) + "]"
		evs, err := aloware.ParseBatch(raw)
		if err != nil {
			problems = append(problems, relocateError(err, prefix)...)
			continue
		}
		for j, ev := range evs {
			ev.Warnings = relocate(ev.Warnings, prefix)
			events = append(events, ev)
			if len(evs) == 1 && !isArray(raw) {
				locs = append(locs, prefix)
			} else {
				locs = append(locs, prefix+"["+strconv.Itoa(j)+"]")
			}
		}
	}
	if len(raws) == 0 {
		problems = append(problems, aloware.Problem{Field: "body", Message: "no events given"})
	}
	if len(problems) > 0 {
		return Call{}, &aloware.InputError{Problems: problems}
	}
	return mergeOneCall(events, locs)
}

// mergeOneCall checks that all events belong to one call, then merges them.
func mergeOneCall(events []aloware.Event, locs []string) (Call, error) {
	first := -1
	var problems []aloware.Problem
	for i, ev := range events {
		switch {
		case ev.AlowareCallID == "":
		case first < 0:
			first = i
		case ev.AlowareCallID != events[first].AlowareCallID:
			problems = append(problems, aloware.Problem{
				Field:   locs[i],
				Message: fmt.Sprintf("belongs to call %s, but %s belongs to call %s: send the events of one call at a time", ev.AlowareCallID, locs[first], events[first].AlowareCallID),
			})
		}
	}
	if len(problems) > 0 {
		return Call{}, &aloware.InputError{Problems: problems}
	}
	return Merge(events), nil
}

// relocateError moves the problems of one raw's error under prefix.
func relocateError(err error, prefix string) []aloware.Problem {
	ie, ok := err.(*aloware.InputError)
	if !ok {
		return []aloware.Problem{{Field: prefix, Message: err.Error()}}
	}
	return relocate(ie.Problems, prefix)
}

// relocate moves problems located from "body" under prefix ("body[2]", "body[2].x").
func relocate(problems []aloware.Problem, prefix string) []aloware.Problem {
	if len(problems) == 0 {
		return nil
	}
	out := make([]aloware.Problem, len(problems))
	for i, p := range problems {
		out[i] = aloware.Problem{Field: prefix + strings.TrimPrefix(p.Field, "body"), Message: p.Message}
	}
	return out
}

func isArray(raw []byte) bool {
	s := strings.TrimLeft(string(raw[:min(len(raw), 64)]), " \t\r\n")
	return strings.HasPrefix(s, "[")
}
