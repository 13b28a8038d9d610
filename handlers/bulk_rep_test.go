package handlers_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// POST /calls/redeliver filters by the rep's state as GET /calls does: of two failed
// calls, the one sent without a rep alone is queued; an unknown state is the caller's
// error, and the filter alone is enough criteria.
func TestBulkRedeliveryByRep(t *testing.T) {
	k := kendotest.New(t, kendo.Rate{Limit: 100, Period: time.Second})
	k.SetFault(func(_ int64, w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"message":"refused"}`)
		return true
	})
	quiet := slog.New(slog.DiscardHandler)
	svc := startService(t, delivery.Options{
		DB:       "sqlite:" + filepath.Join(t.TempDir(), "handlers-bulk-rep.db"),
		KendoURL: k.URL(), Teams: teams.Single(testKey, kendo.Rate{Limit: 100, Period: time.Second}), Logger: quiet,
	})
	srv := newServer(t, handlers.Deps{Intake: svc, Operator: svc, Logger: quiet})
	const withRep, withoutRep = "940868616", "940868617"
	for _, f := range lifecycleFiles(t, "outbound-940868616") {
		post(t, srv.URL+"/push", readFile(t, f))
		other := bytes.ReplaceAll(readFile(t, f), []byte(withRep), []byte(withoutRep))
		post(t, srv.URL+"/push", bytes.ReplaceAll(other, []byte("sam.carter@example.com"), nil))
	}
	for _, id := range []string{withRep, withoutRep} {
		deadline := time.Now().Add(30 * time.Second)
		for {
			rec, err := svc.Call(t.Context(), id)
			if err == nil && rec.Status == lifecycle.Failed {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("call %s not failed: %+v %v", id, rec, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	var res handlers.BulkResult
	r := post(t, srv.URL+"/calls/redeliver", []byte(`{"status":["failed"],"rep":["missing","invalid"],"dryRun":true}`))
	if r.status != http.StatusOK || json.Unmarshal(r.body, &res) != nil || res.Matched != 1 || res.Queued != 1 {
		t.Fatalf("dry run by rep: %d %s", r.status, r.body)
	}
	r = post(t, srv.URL+"/calls/redeliver", []byte(`{"rep":["missing"]}`))
	if r.status != http.StatusAccepted || json.Unmarshal(r.body, &res) != nil || res.Matched != 1 || res.Queued != 1 {
		t.Fatalf("by rep alone: %d %s", r.status, r.body)
	}
	if rec, err := svc.Call(t.Context(), withRep); err != nil || rec.Status != lifecycle.Failed {
		t.Fatalf("the call with a rep was queued too: %+v %v", rec, err)
	}
	r = post(t, srv.URL+"/calls/redeliver", []byte(`{"rep":["nobody"]}`))
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("unknown rep state: %d %s", r.status, r.body)
	}
}
