package handlers_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/inbound"
	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// DELETE /quarantine/{id} and POST /quarantine/discard on the real engine and database:
// each answer says what went and what is left, a body that names nothing is refused, an
// id no longer there is a 404 problem, and the service log names the Basic user who
// discarded.
func TestDiscardQuarantineAtTheEdge(t *testing.T) {
	for name, db := range testenv.Databases() {
		t.Run(name, func(t *testing.T) {
			var logs bytes.Buffer
			rate := kendo.Rate{Limit: 100, Period: time.Second}
			k := kendotest.New(t, rate)
			reg := prometheus.NewRegistry()
			svc := startService(t, delivery.Options{DB: db(t), KendoURL: k.URL(), Teams: teams.Single(testKey, rate),
				Registerer: reg, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
			auth, err := inbound.New(inbound.Config{Basic: "ops:pa55"})
			if err != nil {
				t.Fatal(err)
			}
			srv := newServer(t, handlers.Deps{Intake: svc, Operator: svc, Gatherer: reg, Auth: auth})
			basic := []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("ops:pa55"))}
			var ids []int64
			for _, ev := range []string{"A", "B", "B", "C"} {
				r := post(t, srv.URL+"/push", []byte(`{"event":"`+ev+`","body":{"type":1}}`), basic...)
				if r.status != http.StatusAccepted {
					t.Fatalf("push: %d %s", r.status, r.body)
				}
				ids = append(ids, int64(r.json(t)["quarantineId"].(float64)))
			}
			one := "/quarantine/" + jsonNumber(ids[0])
			steps := []struct {
				method, path, body string
				status             int
				want               string // the answer's JSON, or a problem's detail
			}{
				{http.MethodDelete, one, "", http.StatusOK, `{"discarded":1,"remaining":3}`},
				{http.MethodDelete, one, "", http.StatusNotFound, "quarantined event is not in the quarantine"},
				{http.MethodDelete, "/quarantine/x", "", http.StatusUnprocessableEntity, ""},
				{http.MethodPost, "/quarantine/discard", `{}`, http.StatusUnprocessableEntity, "say which events: all, ids, event or receivedBefore"},
				{http.MethodPost, "/quarantine/discard", `{"all":true,"event":"B"}`, http.StatusUnprocessableEntity, "all, or a filter: not both"},
				{http.MethodPost, "/quarantine/discard", `{"event":"B"}`, http.StatusOK, `{"discarded":2,"remaining":1}`},
				{http.MethodPost, "/quarantine/discard", `{"all":true}`, http.StatusOK, `{"discarded":1,"remaining":0}`},
				{http.MethodPost, "/quarantine/discard", `{"all":true}`, http.StatusOK, `{"discarded":0,"remaining":0}`},
			}
			for _, st := range steps {
				var body []byte
				if st.body != "" {
					body = []byte(st.body)
				}
				r := do(t, st.method, srv.URL+st.path, body, basic...)
				if r.status != st.status {
					t.Fatalf("%s %s %s: %d %s, want %d", st.method, st.path, st.body, r.status, r.body, st.status)
				}
				switch {
				case st.status >= 400 && st.want != "":
					if p := r.problem(t); p.Detail != st.want {
						t.Errorf("%s %s: detail %q, want %q", st.method, st.path, p.Detail, st.want)
					}
				case st.status < 400 && strings.TrimSpace(string(r.body)) != st.want:
					t.Errorf("%s %s %s: %s, want %s", st.method, st.path, st.body, r.body, st.want)
				}
			}
			if q := get(t, srv.URL+"/quarantine", basic...).json(t); q["total"] != 0.0 {
				t.Errorf("GET /quarantine after discarding all: %v", q)
			}
			if !strings.Contains(logs.String(), `"msg":"quarantined event discarded","by":"API (basic user ops)"`) {
				t.Errorf("the log does not name who discarded:\n%s", logs.String())
			}
		})
	}
}

func jsonNumber(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
