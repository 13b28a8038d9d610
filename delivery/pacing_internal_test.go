package delivery

import (
	"fmt"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// The delivery workers grow with the keys: each key may sleep through one window's turns
// (its rate's limit, at most maxKeySleepers) on top of baseWorkers, up to
// maxDeliveryWorkers. A single key may put every worker to sleep; with several keys one
// worker always stays awake and no key sleeps past its share, so one team's backlog
// never holds every worker.
func TestKeySleepersShareTheWorkers(t *testing.T) {
	perSecond := func(n int) kendo.Rate { return kendo.Rate{Limit: n, Period: time.Second} }
	team := func(key string, rate kendo.Rate) teams.Team { return teams.Team{Name: key, APIKey: key, Rate: rate} }
	for _, tc := range []struct {
		name    string
		teams   []teams.Team
		workers int
		perKey  map[string]int // keyed by API key
	}{
		{"one key at 20/s", []teams.Team{team("a", perSecond(20))}, 28, map[string]int{"a": 28}},
		{"Kendo's default rate", []teams.Team{team("a", kendo.DefaultRate)}, baseWorkers + min(kendo.DefaultRate.Limit, maxKeySleepers), nil},
		{"two keys at 20/s", []teams.Team{team("a", perSecond(20)), team("b", perSecond(20))}, 48, map[string]int{"a": 20, "b": 20}},
		{"two keys at 2/s and 5/s", []teams.Team{team("a", perSecond(2)), team("b", perSecond(5))}, 15, map[string]int{"a": 2, "b": 5}},
		{"two teams on one key", []teams.Team{team("a", perSecond(20)), {Name: "a2", APIKey: "a", Rate: perSecond(10)}}, 28, map[string]int{"a": 28}},
		{"a fast key is capped", []teams.Team{team("a", perSecond(500)), team("b", perSecond(2))}, baseWorkers + maxKeySleepers + 2, map[string]int{"a": maxKeySleepers, "b": 2}},
		{"many keys share the cap", func() []teams.Team {
			var ts []teams.Team
			for i := range 5 {
				ts = append(ts, team(fmt.Sprint("k", i), perSecond(30)))
			}
			return ts
		}(), maxDeliveryWorkers, map[string]int{"k0": (maxDeliveryWorkers - 1) / 5, "k4": (maxDeliveryWorkers - 1) / 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newKeySleepers(tc.teams)
			if k.workers != tc.workers {
				t.Fatalf("workers %d, want %d", k.workers, tc.workers)
			}
			for apiKey, want := range tc.perKey {
				if got := k.perKey[kendo.KeyID(apiKey)]; got != want {
					t.Errorf("key %s may keep %d asleep, want %d", apiKey, got, want)
				}
			}
			// Every key sleeps as many as it may, in turn: one worker stays awake when
			// there are several keys, and a key past its share is told to snooze.
			asleep := 0
			for _, tm := range tc.teams {
				for k.claim(tm.KeyID()) {
					asleep++
				}
			}
			keys := len(k.perKey)
			if keys > 1 && asleep >= k.workers {
				t.Fatalf("%d of %d workers asleep with %d keys: none left for another key's calls", asleep, k.workers, keys)
			}
			if keys == 1 && asleep != k.workers {
				t.Fatalf("a single key sleeps %d of %d workers, want all", asleep, k.workers)
			}
			for key, n := range k.byKey {
				if n > k.perKey[key] {
					t.Fatalf("key %s has %d asleep, its share is %d", key, n, k.perKey[key])
				}
				for range n {
					k.release(key)
				}
			}
			if k.n != 0 || len(k.byKey) != 0 {
				t.Fatalf("after every release: %d asleep (%v)", k.n, k.byKey)
			}
		})
	}
}

// A call deferred until its pacing turn comes back turnLead early and sleeps the rest in
// takeSlot; a call waiting for its settle, a retry or a paused key is not due early.
func TestWaitsForTurn(t *testing.T) {
	for _, tc := range []struct {
		state lifecycle.State
		want  bool
	}{
		{lifecycle.State{Status: lifecycle.Scheduled, Reason: pacingWait + ": at most 20/s per key"}, true},
		{lifecycle.State{Status: lifecycle.Scheduled}, false}, // the settle
		{lifecycle.State{Status: lifecycle.Scheduled, Reason: "Kendo answered 503; retrying"}, false},
		{lifecycle.State{Status: lifecycle.Scheduled, Reason: pacingWait, PausedKey: "key_x"}, false},
	} {
		if got := waitsForTurn(tc.state); got != tc.want {
			t.Errorf("%+v: waitsForTurn %v, want %v", tc.state, got, tc.want)
		}
	}
}
