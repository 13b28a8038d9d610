package delivery_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// A key Kendo refuses (401/403) pauses its deliveries instead of failing every call:
// the calls wait as scheduled with a reason naming the 401 and when it began, at most one
// request per probe interval tests the key, and the first 201 resumes the queue. The
// pause is logged at ERROR once, and a gauge per key (by its hash id) shows it.
func TestRejectedKeyPausesAndAProbeResumes(t *testing.T) {
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			k := newKendo(t, kendo.Rate{Limit: 100, Period: time.Second})
			var refuse atomic.Bool
			refuse.Store(true)
			k.SetFault(func(_ int64, w http.ResponseWriter, r *http.Request) bool {
				if !refuse.Load() {
					return false
				}
				w.WriteHeader(http.StatusUnauthorized)
				w.Write([]byte(`{"error":"invalid API key"}`))
				return true
			})
			var logs testenv.LogBuffer
			reg := prometheus.NewRegistry()
			const probeEvery = time.Second
			svc := startEngine(t, db(t), k.URL(), engineOpts{probeEvery: probeEvery, logs: &logs, reg: reg})
			ids := []string{"940870001", "940870002", "940870003"}
			for _, id := range ids {
				for _, raw := range recorded(t, "inbound-940870001") {
					accept(t, svc, withID(raw, "940870001", id))
				}
			}
			waitFor(t, 15*time.Second, "every call paused", func() bool {
				for _, id := range ids {
					rec, err := svc.Call(context.Background(), id)
					if err != nil || rec.Status != lifecycle.Scheduled || !strings.Contains(rec.Reason, "HTTP 401") {
						return false
					}
				}
				return true
			})
			first := k.Posts()
			rec, _ := svc.Call(context.Background(), ids[0])
			if !strings.Contains(rec.Reason, "since 20") || !strings.Contains(rec.Reason, "paused") {
				t.Fatalf("reason %q must name the 401 and when the pause began", rec.Reason)
			}
			if v := sample(t, reg, "aloware_kendo_key_paused", map[string]string{"key": kendo.KeyID(testKey)}); v != 1 {
				t.Fatalf("key_paused gauge = %v, want 1", v)
			}
			const watch = 3500 * time.Millisecond
			time.Sleep(watch)
			probes := k.Posts() - first
			if max := int64(watch/probeEvery) + 1; probes > max {
				t.Fatalf("%d requests while paused for %s with one probe per %s: want at most %d", probes, watch, probeEvery, max)
			}
			for _, id := range ids {
				if rec, _ := svc.Call(context.Background(), id); rec.Status == lifecycle.Failed {
					t.Fatalf("call %s failed because of a 401", id)
				}
			}
			refuse.Store(false)
			for _, id := range ids {
				waitStatus(t, svc, id, lifecycle.Delivered, 15*time.Second)
			}
			if n := len(k.Emu.Calls()); n != len(ids) {
				t.Fatalf("Kendo accepted %d calls, want %d", n, len(ids))
			}
			if n := strings.Count(logs.String(), "KENDO REJECTED THE API KEY"); n != 1 {
				t.Fatalf("the pause was logged %d times at ERROR, want once", n)
			}
			if v := sample(t, reg, "aloware_kendo_key_paused", map[string]string{"key": kendo.KeyID(testKey)}); v != 0 {
				t.Fatalf("key_paused gauge = %v after the resume, want 0", v)
			}
			if strings.Contains(logs.String(), testKey) {
				t.Fatal("the key appeared in the logs")
			}
		})
	}
}

// A restart with another key resumes the paused calls at once, without waiting for the
// next probe of the old key.
func TestRestartWithAnotherKeyResumesAtOnce(t *testing.T) {
	k := newKendo(t, kendo.Rate{Limit: 100, Period: time.Second})
	const oldKey = "pk_old_revoked_key"
	k.SetFault(func(_ int64, w http.ResponseWriter, r *http.Request) bool {
		if r.Header.Get("X-API-Key") != oldKey {
			return false
		}
		w.WriteHeader(http.StatusUnauthorized)
		return true
	})
	db := "sqlite:" + t.TempDir() + "/ak.db"
	first := startEngine(t, db, k.URL(), engineOpts{key: oldKey, probeEvery: time.Hour})
	for _, raw := range recorded(t, "inbound-940870001") {
		accept(t, first, raw)
	}
	waitFor(t, 15*time.Second, "the call paused", func() bool {
		rec, err := first.Call(context.Background(), "940870001")
		return err == nil && strings.Contains(rec.Reason, "HTTP 401")
	})
	stopEngine(t, first)

	second := startEngine(t, db, k.URL(), engineOpts{key: testKey, probeEvery: time.Hour})
	waitStatus(t, second, "940870001", lifecycle.Delivered, 10*time.Second)
	if n := len(k.Emu.Calls()); n != 1 {
		t.Fatalf("Kendo accepted %d calls, want 1", n)
	}
}

// Without a key a ready call waits (and says so); a restart with a key sends it at once.
func TestNoKeyWaitsThenARestartWithAKeySends(t *testing.T) {
	k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
	db := "sqlite:" + t.TempDir() + "/ak.db"
	svc := startEngine(t, db, k.URL(), engineOpts{teams: teams.Single("", kendo.DefaultRate)})
	for _, raw := range recorded(t, "inbound-940870001") {
		accept(t, svc, raw)
	}
	waitFor(t, 10*time.Second, "the call says it waits for a key", func() bool {
		rec, err := svc.Call(context.Background(), "940870001")
		return err == nil && strings.Contains(rec.Reason, "API key") && rec.Status == lifecycle.Scheduled && rec.Attempts == 0
	})
	stopEngine(t, svc)
	if n := k.Posts(); n != 0 {
		t.Fatalf("Kendo got %d POSTs without a key", n)
	}
	withKey := startEngine(t, db, k.URL(), engineOpts{})
	waitStatus(t, withKey, "940870001", lifecycle.Delivered, 10*time.Second)
}

func stopEngine(t *testing.T, svc *delivery.Service) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := svc.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	svc.Close()
}
