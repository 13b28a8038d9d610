package delivery

import (
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// A batch of the retention's purge saves in one statement only the rows whose purge is
// their only change; any other change goes through the full save, so none is lost.
func TestOnlyPurgedTellsAPurgeFromAnyOtherChange(t *testing.T) {
	now := time.Now()
	done := now.Add(-40 * 24 * time.Hour)
	locked := store.Call{AlowareCallID: "940870001", Kind: "call", FirstSeen: done, Updated: done,
		State:  lifecycle.State{Status: lifecycle.Delivered, Team: "sales", KendoCallID: "kc_1", LastError: "Kendo: rep@acme.example", CompleteAt: &done, DeliveredAt: &done},
		Merged: []byte(`{"id":"940870001"}`), MergedVersion: 3, RawBytes: 9000, RepEmail: "rep@acme.example", AgentName: "Sam", RepName: "Sam Rivera",
		AgentID: "17", RepState: "mapped", Direction: "inbound"}
	purged := func(change func(c *store.Call)) store.Call {
		c := locked
		clearContent(&c)
		next, _, err := lifecycle.Apply(c.State, lifecycle.Purged{}, now, lifecycle.Policy{})
		if err != nil {
			t.Fatal(err)
		}
		c.State, c.Updated = next, now
		change(&c)
		return c
	}
	for _, tc := range []struct {
		name   string
		change func(c *store.Call)
		want   bool
	}{
		{"the purge only", func(*store.Call) {}, true},
		{"the status changed too", func(c *store.Call) { c.Status = lifecycle.Failed }, false},
		{"the reason changed too", func(c *store.Call) { c.Reason = "by ops" }, false},
		{"the rep's e-mail kept", func(c *store.Call) { c.RepEmail = locked.RepEmail }, false},
		{"the job changed", func(c *store.Call) { c.JobID = 7 }, false},
		{"another purge time", func(c *store.Call) { at := now.Add(time.Second); c.PurgedAt = &at }, false},
	} {
		if got := onlyPurged(locked, purged(tc.change), now); got != tc.want {
			t.Errorf("%s: onlyPurged %v, want %v", tc.name, got, tc.want)
		}
	}
}
