package delivery_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/preflight"
)

// keyLine is the check line of the default team's key.
func keyLine(t *testing.T, checks []preflight.Check) preflight.Check {
	t.Helper()
	for _, c := range checks {
		if strings.HasPrefix(c.Name, "kendo key") {
			return c
		}
	}
	t.Fatalf("no kendo key line in %v", checks)
	return preflight.Check{}
}

// The ops page's checks test each Kendo key as `aloware-kendo check` does — a body
// Kendo must refuse, so no call is created — without ever delaying a call: the probe
// takes a free send of the key's window or is not sent, a page reloaded within a minute
// sends nothing more, and a paused key is reported from its pause, unprobed.
func TestChecksProbeAKeyOnlyWithAFreeSend(t *testing.T) {
	ctx := context.Background()
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			t.Run("free window", func(t *testing.T) {
				k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
				svc := startEngine(t, db(t), k.URL(), engineOpts{rate: kendo.Rate{Limit: 30, Period: time.Minute}})
				checks := svc.Checks(ctx)
				if !checks[0].OK || checks[0].Name != "database writable" {
					t.Fatalf("database line: %+v", checks[0])
				}
				if c := keyLine(t, checks); !c.OK || !strings.Contains(c.Detail, "was not refused") || k.Posts() != 1 {
					t.Fatalf("key line %+v after %d POSTs; want the probe's pass after one", c, k.Posts())
				}
				if c := keyLine(t, svc.Checks(ctx)); !c.OK || k.Posts() != 1 {
					t.Fatalf("reloaded: %+v after %d POSTs; want the same line and no other POST", c, k.Posts())
				}
				if len(k.Emu.Calls()) != 0 {
					t.Fatal("the probe created a call in Kendo")
				}
				// The probe counts as a send of the window.
				o, err := svc.Overview(ctx)
				if err != nil || len(o.Keys) != 1 || o.Keys[0].InWindow != 1 {
					t.Fatalf("overview keys %+v, %v; want the probe's send in the window", o.Keys, err)
				}
			})
			t.Run("full window", func(t *testing.T) {
				k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
				svc := startEngine(t, db(t), k.URL(), engineOpts{rate: kendo.Rate{Limit: 1, Period: time.Minute}})
				for _, raw := range recorded(t, "inbound-940870001") {
					accept(t, svc, raw)
				}
				waitStatus(t, svc, "940870001", lifecycle.Delivered, 15*time.Second)
				posts := k.Posts()
				if c := keyLine(t, svc.Checks(ctx)); !c.OK || !strings.Contains(c.Detail, "not probed") || k.Posts() != posts {
					t.Fatalf("key line %+v, %d more POSTs; want the unprobed pass and none", c, k.Posts()-posts)
				}
			})
			t.Run("paused key", func(t *testing.T) {
				k := newKendo(t, kendo.Rate{Limit: 100, Period: time.Second})
				var refused atomic.Int64
				k.SetFault(func(_ int64, w http.ResponseWriter, r *http.Request) bool {
					refused.Add(1)
					w.WriteHeader(http.StatusUnauthorized)
					w.Write([]byte(`{"error":"invalid API key"}`))
					return true
				})
				svc := startEngine(t, db(t), k.URL(), engineOpts{probeEvery: time.Hour})
				for _, raw := range recorded(t, "inbound-940870001") {
					accept(t, svc, raw)
				}
				waitFor(t, 15*time.Second, "the key paused", func() bool {
					rec, err := svc.Call(ctx, "940870001")
					return err == nil && strings.Contains(rec.Reason, "HTTP 401")
				})
				posts := k.Posts()
				c := keyLine(t, svc.Checks(ctx))
				if c.OK || !strings.Contains(c.Detail, "REFUSED") || !strings.Contains(c.Detail, "401") || k.Posts() != posts {
					t.Fatalf("key line %+v, %d more POSTs; want the refusal from the pause and none", c, k.Posts()-posts)
				}
				if strings.Contains(c.Detail, testKey) {
					t.Fatal("the key line shows the key")
				}
			})
		})
	}
}

// Two teams that share a key have the key probed once, and each team's line is named
// for its own team (the check kept for the key is not the other team's line).
func TestChecksOfASharedKeyNameEachTeam(t *testing.T) {
	k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
	svc := startEngine(t, "sqlite:"+filepath.Join(t.TempDir(), "ak.db"), k.URL(), engineOpts{teams: loadTeams(t, "shared-key.yaml")})
	var names []string
	for _, c := range svc.Checks(context.Background())[1:] {
		names = append(names, c.Name)
		if !c.OK {
			t.Errorf("%s: %s", c.Name, c.Detail)
		}
	}
	if strings.Join(names, ", ") != "kendo key sales, kendo key outbound" || k.Posts() != 1 {
		t.Fatalf("lines %q after %d POSTs; want one per team and one probe", names, k.Posts())
	}
}
