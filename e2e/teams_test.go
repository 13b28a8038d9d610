package e2e

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// The keys of testdata/teams*.yaml.
const (
	salesKey   = "pk_e2e_team_sales_key"
	supportKey = "pk_e2e_team_support_key"
)

// serve --teams, as an operator runs it: each call goes to its team's key on the
// emulator process, the team shows in GET /calls/{id}, in POST /map and as the metric
// label, the keys never in the logs or metrics; a call no team takes is unrouted with
// its reason, and after a restart with the fixed file POST /calls/redeliver sends it
// with the key of the team that now takes it. (Not parallel: the keys are in the
// environment the processes inherit.)
func TestTeamsServe(t *testing.T) {
	t.Setenv("E2E_KENDO_KEY_SALES", salesKey)
	t.Setenv("E2E_KENDO_KEY_SUPPORT", supportKey)
	dbs := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "ak.db") },
		"postgres": func(t *testing.T) string { return testenv.FreshPostgres(t) },
	}
	for name, db := range dbs {
		t.Run(name, func(t *testing.T) {
			db := db(t)
			emu := startEmulator(t, freeAddr(t), "--kendo-rate", "10/s")
			flags := []string{"--db", db, "--kendo-url", emu.ingestURL(), "--settle", "1s"}
			p := serve(t, append(flags, "--teams", filepath.Join("testdata", "teams.yaml"))...)

			const unroutedID = "940870999"
			var unrouted [][]byte
			for _, raw := range lifecycle(t, "inbound-940870001") {
				raw = withID(withID(withID(raw, "940870001", unroutedID), "64010", "64999"), "29109", "29999")
				unrouted = append(unrouted, raw)
			}
			p.pushAll(t, lifecycle(t, "outbound-940868616"))
			p.pushAll(t, lifecycle(t, "inbound-940870001"))
			p.pushAll(t, unrouted)
			want := map[string]struct{ team, key string }{
				"940868616": {"sales", salesKey},
				"940870001": {"support", supportKey},
			}
			for id, w := range want {
				waitFor(t, 30*time.Second, id+" delivered", func() bool { return p.delivered(t, id) })
				if rec := p.record(t, id); rec.Team != w.team {
					t.Fatalf("call %s: team %q, want %q", id, rec.Team, w.team)
				}
			}
			keyOf := map[string]string{}
			for _, c := range emu.calls(t) {
				var payload kendo.Payload
				if err := json.Unmarshal(c.Payload, &payload); err != nil {
					t.Fatal(err)
				}
				keyOf[payload.Metadata["alowareCallId"]] = c.KeyID
			}
			if len(keyOf) != 2 {
				t.Fatalf("Kendo accepted calls %v, want the two routed ones", keyOf)
			}
			for id, w := range want {
				if keyOf[id] != kendo.KeyID(w.key) {
					t.Fatalf("call %s arrived with key %s, want %s's", id, keyOf[id], w.team)
				}
				if n := p.metric(t, `aloware_kendo_deliveries_total{outcome="delivered",team="`+w.team+`"}`); n != 1 {
					t.Fatalf("delivered for team %s: %v, want 1", w.team, n)
				}
			}
			for events, team := range map[string]string{"outbound-940868616": "sales", "inbound-940870001": "support"} {
				if got := p.mapTeam(t, lifecycle(t, events)); got != team {
					t.Fatalf("POST /map of %s: team %q, want %q", events, got, team)
				}
			}

			rec := p.record(t, unroutedID)
			if rec.Status != "unrouted" || !strings.Contains(rec.Reason, "campaign 64999") || rec.Team != "" {
				t.Fatalf("the call no team takes: status %q, team %q, reason %q", rec.Status, rec.Team, rec.Reason)
			}
			if got := p.mapTeam(t, unrouted); got != "" {
				t.Fatalf("POST /map of the unrouted call: team %q", got)
			}
			p.kill()

			fixed := serve(t, append(flags, "--teams", filepath.Join("testdata", "teams-fixed.yaml"))...)
			if code, body := fixed.post(t, "/calls/redeliver", []byte(`{"status":["unrouted"]}`)); code != 202 || !strings.Contains(body, `"queued":1`) {
				t.Fatalf("redeliver: %d %s", code, body)
			}
			waitFor(t, 30*time.Second, "the fixed file's route delivered", func() bool { return fixed.delivered(t, unroutedID) })
			if rec := fixed.record(t, unroutedID); rec.Team != "support" {
				t.Fatalf("after the fix: team %q, want support", rec.Team)
			}
			calls := emu.calls(t)
			if len(calls) != 3 || calls[2].KeyID != kendo.KeyID(supportKey) {
				t.Fatalf("Kendo accepted %d calls; the last with key %s, want support's", len(calls), calls[len(calls)-1].KeyID)
			}

			metrics := fixed.body(t, "/metrics")
			for _, secret := range []string{salesKey, supportKey} {
				if strings.Contains(p.logs.String()+fixed.logs.String()+metrics, secret) {
					t.Fatal("a team's Kendo key appeared in the logs or the metrics")
				}
			}
		})
	}
}

// mapTeam POSTs one call's events to /map and returns the team of its result.
func (p *proc) mapTeam(t testing.TB, events [][]byte) string {
	t.Helper()
	code, body := p.post(t, "/map", []byte("["+string(bytes.Join(events, []byte(",")))+"]"))
	if code != 200 {
		t.Fatalf("POST /map: %d %s", code, body)
	}
	var res struct {
		Ready bool   `json:"ready"`
		Team  string `json:"team"`
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil || !res.Ready {
		t.Fatalf("POST /map: %s (err %v)", body, err)
	}
	return res.Team
}
