package delivery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/kendo/emulator"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// The keys of testdata/teams/*.yaml, as the environment would hold them.
var teamKeys = map[string]string{
	"KENDO_KEY_SALES":   "pk_test_team_sales",
	"KENDO_KEY_SUPPORT": "pk_test_team_support",
}

func loadTeams(t testing.TB, file string) *teams.Router {
	t.Helper()
	r, err := teams.Load(filepath.Join("testdata", "teams", file), func(k string) string { return teamKeys[k] }, kendo.DefaultRate)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// backlogCall is one call of a test backlog: its id and the team it must reach.
type backlogCall struct{ id, team string }

// pushBacklog stores n copies of a recorded call (ids from firstID on) for one team.
func pushBacklog(t *testing.T, svc *delivery.Service, recording, recordedID string, firstID, n int, team string) []backlogCall {
	t.Helper()
	base := recorded(t, recording)
	var out []backlogCall
	for i := range n {
		id := fmt.Sprint(firstID + i)
		for _, raw := range base {
			accept(t, svc, withID(raw, recordedID, id))
		}
		out = append(out, backlogCall{id: id, team: team})
	}
	return out
}

// arrivals are the times Kendo accepted each call, by Aloware call id, and the key id
// each came with.
type arrival struct {
	at    time.Time
	keyID string
}

func arrivalsByCall(t *testing.T, accepted []emulator.Accepted) map[string]arrival {
	t.Helper()
	out := map[string]arrival{}
	for _, a := range accepted {
		var p kendo.Payload
		if err := json.Unmarshal(a.Payload, &p); err != nil {
			t.Fatal(err)
		}
		id := p.Metadata["alowareCallId"]
		if _, twice := out[id]; twice {
			t.Fatalf("call %s reached Kendo twice", id)
		}
		out[id] = arrival{at: a.ReceivedAt, keyID: a.KeyID}
	}
	return out
}

// arrivalsByTeam checks that every call arrived with its team's key and groups the
// arrival times by team.
func arrivalsByTeam(t *testing.T, got map[string]arrival, calls []backlogCall, router *teams.Router) map[string][]time.Time {
	t.Helper()
	byTeam := map[string][]time.Time{}
	for _, c := range calls {
		team, _ := router.Lookup(c.team)
		a, ok := got[c.id]
		if !ok {
			t.Fatalf("call %s never reached Kendo", c.id)
		}
		if a.keyID != team.KeyID() {
			t.Fatalf("call %s of team %s arrived with key %s, want %s", c.id, c.team, a.keyID, team.KeyID())
		}
		byTeam[c.team] = append(byTeam[c.team], a.at)
	}
	return byTeam
}

// logDrain logs, per team, when its first and last call reached Kendo, counted from
// the first arrival of any team (the moment the drain began), and the calls per second
// that makes.
func logDrain(t *testing.T, byTeam map[string][]time.Time, router *teams.Router) (wall time.Duration) {
	t.Helper()
	var start, end time.Time
	for _, times := range byTeam {
		first, last := slices.MinFunc(times, time.Time.Compare), slices.MaxFunc(times, time.Time.Compare)
		if start.IsZero() || first.Before(start) {
			start = first
		}
		end = later(end, last)
	}
	for _, team := range router.Teams() {
		times := byTeam[team.Name]
		if len(times) == 0 {
			continue
		}
		first, last := slices.MinFunc(times, time.Time.Compare), slices.MaxFunc(times, time.Time.Compare)
		t.Logf("team %s (%s): %d calls, the first %.2f s and the last %.2f s into the drain: %.2f calls/s",
			team.Name, team.Rate, len(times), first.Sub(start).Seconds(), last.Sub(start).Seconds(), float64(len(times))/last.Sub(start).Seconds())
	}
	return end.Sub(start)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// mostInWindow is the largest number of times that fall in any window of length period
// (a half-open (t-period, t], as Kendo and the emulator count).
func mostInWindow(times []time.Time, period time.Duration) int {
	times = slices.Clone(times)
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	most, first := 0, 0
	for last := range times {
		for !times[first].Add(period).After(times[last]) {
			first++
		}
		most = max(most, last-first+1)
	}
	return most
}

// Two teams on two keys at different rates, one Kendo: a backlog of each, ready at
// once, drains in parallel. Every call reaches Kendo once, with its team's key; no key
// ever exceeds its own rate (zero 429s, and at most its limit in any rolling window of
// the arrivals); and the slow team's backlog, queued first, does not hold the fast team
// back. The team shows on the call's record, in /map's result and in the metrics.
func TestTeamsDrainInParallel(t *testing.T) {
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			router := loadTeams(t, "two-teams.yaml")
			sales, _ := router.Lookup("sales")
			support, _ := router.Lookup("support")
			// The emulator limits every key to the faster team's rate; the slower team's
			// own rate is checked on the arrivals below.
			k := newKendo(t, sales.Rate)
			reg := prometheus.NewRegistry()
			svc := openEngine(t, db(t), k.URL(), engineOpts{teams: router, reg: reg})

			// The slow team's backlog first: were workers held by one key's waits, the
			// fast team would starve behind it.
			backlog := map[string]int{"support": 40, "sales": 30}
			calls := pushBacklog(t, svc, "inbound-940870001", "940870001", 951000000, backlog["support"], "support")
			calls = append(calls, pushBacklog(t, svc, "outbound-940868616", "940868616", 952000000, backlog["sales"], "sales")...)
			if err := svc.Start(context.Background()); err != nil {
				t.Fatal(err)
			}

			for _, c := range calls {
				rec := waitStatus(t, svc, c.id, lifecycle.Delivered, 2*time.Minute)
				if rec.Team != c.team || rec.Attempts != 1 {
					t.Fatalf("call %s: team %q after %d attempts, want %q after 1", c.id, rec.Team, rec.Attempts, c.team)
				}
			}
			time.Sleep(500 * time.Millisecond) // room for a double send to show itself

			got := arrivalsByCall(t, k.Emu.Calls())
			if len(got) != len(calls) || k.Posts() != int64(len(calls)) {
				t.Fatalf("Kendo accepted %d calls in %d POSTs, want %d in %d", len(got), k.Posts(), len(calls), len(calls))
			}
			if n := k.Emu.Answered(429); n != 0 {
				t.Fatalf("Kendo answered 429 %d times", n)
			}
			byTeam := arrivalsByTeam(t, got, calls, router)
			for _, team := range []teams.Team{sales, support} {
				if most := mostInWindow(byTeam[team.Name], team.Rate.Period); most > team.Rate.Limit {
					t.Errorf("team %s: %d arrivals in one rolling %s, its rate is %s", team.Name, most, team.Rate.Period, team.Rate)
				}
				if got := sample(t, reg, "aloware_kendo_deliveries_total", map[string]string{"outcome": "delivered", "team": team.Name}); got != float64(backlog[team.Name]) {
					t.Errorf(`aloware_kendo_deliveries_total{outcome="delivered",team=%q} = %v, want %d`, team.Name, got, backlog[team.Name])
				}
			}
			logDrain(t, byTeam, router)

			// In parallel, the fast team's backlog is done while the slow team is still at
			// its own: in the 6 s the fast team's 30 calls take at 5/s, the slow team sends
			// about 12 of its 40 at 2/s (about 19 under -race on a busy machine). When the
			// slow key's waits held the shared workers, the fast team started 8-11 s late
			// and the slow team had sent 24-29 by the time it was done. Arrival order at
			// Kendo, not the wall clock, is what is compared.
			salesDone := slices.MaxFunc(byTeam["sales"], time.Time.Compare)
			supportBefore := 0
			for _, at := range byTeam["support"] {
				if !at.After(salesDone) {
					supportBefore++
				}
			}
			t.Logf("when sales' last call arrived, support had sent %d of %d", supportBefore, backlog["support"])
			if supportBefore > backlog["support"]*3/5 {
				t.Errorf("the fast team finished only after support had sent %d of its %d calls: one team's backlog held the other back", supportBefore, backlog["support"])
			}

			// /map on the running service names the team the call goes to.
			res, err := svc.MapRaw(jsonArray(recorded(t, "outbound-940868616")))
			if err != nil || res.Team != "sales" {
				t.Fatalf("/map: team %q, err %v; want sales", res.Team, err)
			}
			res, err = svc.MapRaw(jsonArray(recorded(t, "inbound-940870001")))
			if err != nil || res.Team != "support" {
				t.Fatalf("/map: team %q, err %v; want support", res.Team, err)
			}
		})
	}
}

// A call no team matches, with no default team, is unrouted: stored, shown with the
// reason, never sent, and still unrouted when redelivered under the same file. A new
// engine on the same database with the fixed file routes it on redelivery, and it is
// sent once, with the key of the team that now matches.
func TestTeamsUnroutedUntilTheFileIsFixed(t *testing.T) {
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			db := db(t)
			k := newKendo(t, kendo.Rate{Limit: 100, Period: time.Second})
			const id = "940870777"
			// The recorded inbound call on a line (campaign) and ring group no team lists.
			var events [][]byte
			for _, raw := range recorded(t, "inbound-940870001") {
				raw = withID(raw, "940870001", id)
				raw = withID(raw, "64010", "64999")
				events = append(events, withID(raw, "29109", "29999"))
			}

			first := startEngine(t, db, k.URL(), engineOpts{teams: loadTeams(t, "two-teams.yaml")})
			var rc delivery.Receipt
			for _, raw := range events {
				rc = accept(t, first, raw)
			}
			if rc.Status != lifecycle.Unrouted || !strings.Contains(rc.Reason, "campaign 64999") || !strings.Contains(rc.Reason, "ring group 29999") {
				t.Fatalf("receipt %+v: want unrouted, with the campaign and ring group it looked at", rc)
			}
			res, err := first.MapRaw(jsonArray(events))
			if err != nil || !res.Ready || res.Team != "" || !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "no team") }) {
				t.Fatalf("/map: ready %v, team %q, warnings %q, err %v; want ready, no team and a warning", res.Ready, res.Team, res.Warnings, err)
			}
			// Redelivered under the same file it is routed again, and again to no team.
			bulk, err := first.RedeliverMany(context.Background(), delivery.ListFilter{Statuses: []lifecycle.Status{lifecycle.Unrouted}}, delivery.BulkOptions{}, "a test")
			if err != nil || bulk.Matched != 1 || bulk.Queued != 0 {
				t.Fatalf("redeliver under the same file: %+v, err %v; want 1 matched, none queued", bulk, err)
			}
			time.Sleep(time.Second)
			rec, err := first.Call(context.Background(), id)
			if err != nil || rec.Status != lifecycle.Unrouted || rec.Reason == "" || rec.Team != "" {
				t.Fatalf("after a redelivery under the same file: %+v, err %v", rec, err)
			}
			if n := k.Posts(); n != 0 {
				t.Fatalf("an unrouted call reached Kendo (%d POSTs)", n)
			}
			stopEngine(t, first)

			fixed := startEngine(t, db, k.URL(), engineOpts{teams: loadTeams(t, "two-teams-fixed.yaml")})
			// A restart alone sends nothing: the call waits for an operator's redelivery.
			time.Sleep(time.Second)
			if rec, err := fixed.Call(context.Background(), id); err != nil || rec.Status != lifecycle.Unrouted || k.Posts() != 0 {
				t.Fatalf("after the restart: status %q (err %v), %d POSTs; want unrouted and none", rec.Status, err, k.Posts())
			}
			bulk, err = fixed.RedeliverMany(context.Background(), delivery.ListFilter{Statuses: []lifecycle.Status{lifecycle.Unrouted}}, delivery.BulkOptions{}, "a test")
			if err != nil || bulk.Matched != 1 || bulk.Queued != 1 {
				t.Fatalf("redeliver: %+v, err %v", bulk, err)
			}
			rec = waitStatus(t, fixed, id, lifecycle.Delivered, 15*time.Second)
			support, _ := loadTeams(t, "two-teams-fixed.yaml").Lookup("support")
			if rec.Team != "support" {
				t.Fatalf("team %q, want support", rec.Team)
			}
			time.Sleep(500 * time.Millisecond)
			calls := k.Emu.Calls()
			if len(calls) != 1 || k.Posts() != 1 || calls[0].KeyID != support.KeyID() {
				t.Fatalf("Kendo got %d POSTs, accepted %d; want one, with support's key", k.Posts(), len(calls))
			}
		})
	}
}

// jsonArray is one call's events as the JSON array POST /map takes.
func jsonArray(events [][]byte) []byte {
	list := make([]json.RawMessage, len(events))
	for i, e := range events {
		list[i] = e
	}
	b, _ := json.Marshal(list)
	return b
}

// The drain figures of several teams: two teams at 10/s each, both with a backlog, against
// one of them alone (the other idle), on one Kendo. It asserts only what the engine
// guarantees (every call once, with its key, no 429); the rates and wall times are
// logged, to be read: go test ./delivery -run TestTeamsDrainRateFigures -v
func TestTeamsDrainRateFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("measures for about a minute")
	}
	const perTeam = 60
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			for _, run := range []struct {
				name  string
				teams []string
			}{{"one team alone", []string{"sales"}}, {"two teams in parallel", []string{"sales", "support"}}} {
				router := loadTeams(t, "drain.yaml")
				sales, _ := router.Lookup("sales")
				k := newKendo(t, sales.Rate)
				svc := openEngine(t, db(t), k.URL(), engineOpts{teams: router})
				var calls []backlogCall
				// One call of each team in turn, so both are at the head of the queue.
				for i := range perTeam {
					for _, team := range run.teams {
						recording, recordedID, firstID := "outbound-940868616", "940868616", 953000000
						if team == "support" {
							recording, recordedID, firstID = "inbound-940870001", "940870001", 954000000
						}
						calls = append(calls, pushBacklog(t, svc, recording, recordedID, firstID+i, 1, team)...)
					}
				}
				if err := svc.Start(context.Background()); err != nil {
					t.Fatal(err)
				}
				for _, c := range calls {
					waitStatus(t, svc, c.id, lifecycle.Delivered, 2*time.Minute)
				}
				got := arrivalsByCall(t, k.Emu.Calls())
				if len(got) != len(calls) || k.Emu.Answered(429) != 0 {
					t.Fatalf("Kendo accepted %d of %d calls and answered 429 %d times", len(got), len(calls), k.Emu.Answered(429))
				}
				t.Logf("%s, %s:", name, run.name)
				wall := logDrain(t, arrivalsByTeam(t, got, calls, router), router)
				t.Logf("  %d calls in %.2f s of drain: %.2f calls/s in all", len(calls), wall.Seconds(), float64(len(calls))/wall.Seconds())
			}
		})
	}
}

// A key Kendo refuses pauses only its own team: the other team's calls are delivered
// meanwhile, and the paused gauge names the refused team alone.
func TestTeamsRefusedKeyPausesOnlyItsTeam(t *testing.T) {
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			router := loadTeams(t, "two-teams.yaml")
			sales, _ := router.Lookup("sales")
			k := newKendo(t, kendo.Rate{Limit: 100, Period: time.Second})
			k.SetFault(func(_ int64, w http.ResponseWriter, r *http.Request) bool {
				if r.Header.Get("X-API-Key") != sales.APIKey {
					return false
				}
				w.WriteHeader(http.StatusUnauthorized)
				w.Write([]byte(`{"error":"invalid API key"}`))
				return true
			})
			reg := prometheus.NewRegistry()
			svc := openEngine(t, db(t), k.URL(), engineOpts{teams: router, reg: reg})
			calls := pushBacklog(t, svc, "outbound-940868616", "940868616", 955000000, 3, "sales")
			calls = append(calls, pushBacklog(t, svc, "inbound-940870001", "940870001", 956000000, 3, "support")...)
			if err := svc.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			for _, c := range calls {
				if c.team == "support" {
					waitStatus(t, svc, c.id, lifecycle.Delivered, 15*time.Second)
					continue
				}
				waitFor(t, 15*time.Second, "call "+c.id+" paused", func() bool {
					rec, err := svc.Call(context.Background(), c.id)
					return err == nil && rec.Status == lifecycle.Scheduled && strings.Contains(rec.Reason, "HTTP 401")
				})
			}
			for team, want := range map[string]float64{"sales": 1, "support": 0} {
				if got := sample(t, reg, "aloware_kendo_key_paused", map[string]string{"team": team}); got != want {
					t.Errorf(`aloware_kendo_key_paused{team=%q} = %v, want %v`, team, got, want)
				}
			}
			if n := len(k.Emu.Calls()); n != 3 {
				t.Fatalf("Kendo accepted %d calls, want support's 3", n)
			}
		})
	}
}
