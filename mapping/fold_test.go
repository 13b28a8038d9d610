package mapping

import (
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/aloware"
)

// TestPushAgreesWithMap runs over every fixture (each file of testdata/aloware, an array
// file being one call's events in arrival order, and each lifecycle directory) and
// checks that /push and /map agree on it:
//
//   - /map parses the whole input and merges it: MapRawEvents.
//   - /push parses each event alone and folds it into the stored call, which goes
//     through JSON between events as the engine stores it: Parse + Fold + Map.
//
// Both give the same result; only the warnings' locations differ (/map says body[i]…,
// /push, one event per request, says body…).
func TestPushAgreesWithMap(t *testing.T) {
	for _, gc := range goldenCases(t) {
		t.Run(gc.name, func(t *testing.T) {
			mapped, err := MapRawEvents(gc.inputs)
			if err != nil {
				t.Fatal(err)
			}
			var events []aloware.Event
			var stored Call
			for _, raw := range eventRaws(t, gc.inputs) {
				ev, err := aloware.Parse(raw)
				if err != nil {
					t.Fatal(err)
				}
				events = append(events, ev)
				stored.Fold(ev)
				stored = throughJSON(t, stored)
			}
			pushed := Map(stored)
			if merged := Map(Merge(events)); !reflect.DeepEqual(pushed, merged) {
				t.Fatalf("fold through JSON maps differently from Merge:\n%+v\n%+v", pushed, merged)
			}
			if a, b := unlocated(pushed.Warnings), unlocated(mapped.Warnings); !slices.Equal(a, b) {
				t.Errorf("warnings differ:\n/push %q\n/map  %q", a, b)
			}
			pushed.Warnings, mapped.Warnings = nil, nil
			if !reflect.DeepEqual(pushed, mapped) {
				t.Errorf("/push and /map differ:\n/push %+v\n/map  %+v", pushed, mapped)
			}
		})
	}
}

// eventRaws splits the inputs into one raw per event, as a sender would /push them.
func eventRaws(t *testing.T, inputs [][]byte) [][]byte {
	t.Helper()
	var raws [][]byte
	for _, raw := range inputs {
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			raws = append(raws, raw)
			continue
		}
		for _, item := range items {
			raws = append(raws, item)
		}
	}
	return raws
}

func throughJSON(t *testing.T, c Call) Call {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var back Call
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return back
}

var itemLocation = regexp.MustCompile(`^body(\[\d+\])+`)

// unlocated drops the array positions from the warnings' locations and each repeat.
func unlocated(warnings []string) []string {
	var out []string
	for _, w := range warnings {
		if w = itemLocation.ReplaceAllString(w, "body"); !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}
