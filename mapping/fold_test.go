package mapping

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/aloware"
)

// Folding a call's events one by one into a Call that goes through JSON between every
// step (as the engine stores it) gives exactly what Merge gives for all of them at once.
func TestFoldThroughJSONEqualsMerge(t *testing.T) {
	for _, dir := range []string{"outbound-940868616", "inbound-940870001"} {
		t.Run(dir, func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join("..", "testdata", "lifecycle", dir, "*.json"))
			sort.Strings(files)
			var events []aloware.Event
			var folded Call
			for _, f := range files {
				raw, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				ev, err := aloware.Parse(raw)
				if err != nil {
					t.Fatal(err)
				}
				events = append(events, ev)
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
