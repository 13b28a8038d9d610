package handlers_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// Retention and erasure at the HTTP edge, with the real engine: after it purged a delivered
// call, a late repeat still answers 200 duplicate with Kendo's callId; a purged or
// erased call's redelivery is a 410; DELETE erases (twice is harmless) and later events
// of the erased call are acknowledged with 202 and status erased. Kendo gets the one
// delivery and nothing after it.
func TestRetentionAndErasureAtTheEdge(t *testing.T) {
	k := kendotest.New(t, kendo.Rate{Limit: 100, Period: time.Second})
	quiet := slog.New(slog.DiscardHandler)
	reg := prometheus.NewRegistry()
	svc := startService(t, delivery.Options{
		DB:       "sqlite:" + filepath.Join(t.TempDir(), "handlers-retention.db"),
		KendoURL: k.URL(), Teams: teams.Single(testKey, kendo.Rate{Limit: 100, Period: time.Second}),
		Retain: 2 * time.Second, Registerer: reg, Logger: quiet,
	})
	srv := newServer(t, handlers.Deps{Intake: svc, Operator: svc, Gatherer: reg, Logger: quiet})

	files := lifecycleFiles(t, "inbound-940870001")
	for _, f := range files[:len(files)-1] {
		post(t, srv.URL+"/push", readFile(t, f))
	}
	delivered := post(t, srv.URL+"/push?wait=20s", readFile(t, files[len(files)-1]))
	if delivered.status != http.StatusCreated {
		t.Fatalf("delivery within the wait: %d %s", delivered.status, delivered.body)
	}
	kendoCallID := receipt(t, delivered).KendoCallID
	if missed := post(t, srv.URL+"/push", readFile(t, filepath.Join(repoRoot, "testdata/aloware/missed-inbound.json"))); missed.status != http.StatusAccepted {
		t.Fatalf("missed call: %d %s", missed.status, missed.body)
	}
	for _, id := range []string{"940870001", "940871555"} {
		waitPurgedAtTheEdge(t, srv.URL, id)
	}

	repeat := post(t, srv.URL+"/push", readFile(t, files[1]))
	if rc := receipt(t, repeat); repeat.status != http.StatusOK || !rc.Duplicate || rc.KendoCallID != kendoCallID {
		t.Errorf("late repeat of a purged delivered call: %d %s; want 200 duplicate with callId %s", repeat.status, repeat.body, kendoCallID)
	}
	if r := post(t, srv.URL+"/calls/940871555/redeliver", nil); r.status != http.StatusGone {
		t.Errorf("redeliver a purged call: %d %s, want 410", r.status, r.body)
	} else {
		r.problem(t)
	}

	for range 2 {
		r := do(t, http.MethodDelete, srv.URL+"/calls/940870001", nil)
		if r.status != http.StatusOK || r.json(t)["status"] != "erased" {
			t.Errorf("DELETE /calls/940870001: %d %s, want 200 with status erased", r.status, r.body)
		}
	}
	if r := post(t, srv.URL+"/calls/940870001/redeliver", nil); r.status != http.StatusGone {
		t.Errorf("redeliver an erased call: %d %s, want 410", r.status, r.body)
	}
	later := post(t, srv.URL+"/push", readFile(t, files[2]))
	if rc := receipt(t, later); later.status != http.StatusAccepted || rc.Status != "erased" {
		t.Errorf("event of an erased call: %d %s, want 202 with status erased", later.status, later.body)
	}
	if r := do(t, http.MethodDelete, srv.URL+"/calls/940879999", nil); r.status != http.StatusNotFound {
		t.Errorf("DELETE a call never seen: %d %s, want 404", r.status, r.body)
	}
	time.Sleep(500 * time.Millisecond)
	if n := k.Posts(); n != 1 {
		t.Errorf("Kendo got %d POSTs, want the one delivery", n)
	}
}

// waitPurgedAtTheEdge polls GET /calls/{id} until it shows purgedAt.
func waitPurgedAtTheEdge(t *testing.T, base, id string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := get(t, base+"/calls/"+id)
		var rec struct {
			PurgedAt *time.Time `json:"purgedAt"`
		}
		if r.status == http.StatusOK && json.Unmarshal(r.body, &rec) == nil && rec.PurgedAt != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /calls/%s never showed purgedAt: %d %s", id, r.status, r.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
