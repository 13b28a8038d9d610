package mapping

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/aloware"
)

// Folding a call's events one by one into a Call that goes through JSON between every
// step (as the engine stores it) gives exactly what Merge gives for all of them at once.
// It runs over every fixture: each lifecycle directory, and each file of testdata/aloware
// (an array file is one call's events in arrival order).
func TestFoldThroughJSONEqualsMerge(t *testing.T) {
	for _, gc := range goldenCases(t) {
		t.Run(gc.name, func(t *testing.T) {
			var events []aloware.Event
			for _, raw := range gc.inputs {
				evs, err := aloware.ParseBatch(raw)
				if err != nil {
					t.Fatal(err)
				}
				events = append(events, evs...)
			}
			var folded Call
			for _, ev := range events {
				folded.Fold(ev)
				b, err := json.Marshal(folded)
				if err != nil {
					t.Fatal(err)
				}
				folded = Call{}
				if err := json.Unmarshal(b, &folded); err != nil {
					t.Fatal(err)
				}
			}
			merged := Merge(events)
			if !reflect.DeepEqual(Map(folded), Map(merged)) {
				t.Fatalf("fold through JSON maps differently from Merge:\n%+v\n%+v", Map(folded), Map(merged))
			}
		})
	}
}
