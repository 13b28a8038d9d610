package delivery

import (
	"encoding/json"
	"testing"
)

// A job inserted before the argument was renamed (call_id) still names its call, and a
// new job is written with the name that says which id it is.
func TestDeliverArgsReadOldAndNewNames(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{`{"call_id":"940870001","generation":2}`, "940870001"},
		{`{"aloware_call_id":"940870001","generation":2}`, "940870001"},
	} {
		var a DeliverArgs
		if err := json.Unmarshal([]byte(tc.raw), &a); err != nil || a.AlowareCallID != tc.want || a.Generation != 2 {
			t.Errorf("%s: %+v (%v)", tc.raw, a, err)
		}
	}
	b, err := json.Marshal(DeliverArgs{AlowareCallID: "940870001", Generation: 2})
	if err != nil || string(b) != `{"aloware_call_id":"940870001","generation":2}` {
		t.Fatalf("written as %s (%v)", b, err)
	}
}
