package handlers_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/reps"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// Attribution at the HTTP edge, on the real engine and database: a call whose agent's
// e-mail Kendo would refuse is answered by /push with repState invalid and a warning
// that says what to fix; GET /calls/{id} says the same with the agent's Aloware user id;
// GET /calls?rep=… finds it; GET /reps lists each agent with the e-mail sent and its
// calls per state. An unknown rep state is a 422.
func TestAttributionAtTheEdge(t *testing.T) {
	const sam = "sam.carter@example.com"
	for name, db := range testenv.Databases() {
		t.Run(name, func(t *testing.T) {
			rate := kendo.Rate{Limit: 100, Period: time.Second}
			k := kendotest.New(t, rate)
			reg := prometheus.NewRegistry()
			dir := reps.NewDirectory(reps.Options{EmailMap: map[string]string{"120777": "sam@team.example"}})
			svc := startService(t, delivery.Options{DB: db(t), KendoURL: k.URL(), Teams: teams.Single(testKey, rate),
				Reps: dir, Registerer: reg, Logger: slog.New(slog.DiscardHandler)})
			srv := newServer(t, handlers.Deps{Intake: svc, Operator: svc, Gatherer: reg})

			push := func(id string, edit func([]byte) []byte) handlers.Receipt {
				var last response
				for _, f := range lifecycleFiles(t, "outbound-940868616") {
					last = post(t, srv.URL+"/push", edit(bytes.ReplaceAll(readFile(t, f), []byte("940868616"), []byte(id))))
				}
				if last.status >= 300 {
					t.Fatalf("call %s: %d %s", id, last.status, last.body)
				}
				testenv.WaitFor(t, 20*time.Second, "call "+id+" delivered", func() bool {
					return strings.Contains(string(get(t, srv.URL+"/calls/"+id).body), `"status":"delivered"`)
				})
				return receipt(t, last)
			}
			same := func(raw []byte) []byte { return raw }
			invalid := func(raw []byte) []byte {
				return bytes.ReplaceAll(bytes.ReplaceAll(raw, []byte(sam), []byte("sam(at)example")), []byte("120776"), []byte("120780"))
			}
			mapped := func(raw []byte) []byte {
				return bytes.ReplaceAll(bytes.ReplaceAll(raw, []byte(sam), []byte("")), []byte("120776"), []byte("120777"))
			}
			if rc := push("940868801", same); rc.RepState != "mapped" || strings.Contains(strings.Join(rc.Warnings, "|"), "without a rep") {
				t.Errorf("mapped call: %+v", rc)
			}
			fix := "map Aloware user 120780 in --rep-email-map"
			if rc := push("940868802", invalid); rc.RepState != "invalid" || !strings.Contains(strings.Join(rc.Warnings, "|"), fix) {
				t.Errorf("invalid e-mail: repState %q, warnings %q", rc.RepState, rc.Warnings)
			}
			push("940868803", mapped)

			var rec struct {
				RepState, AlowareUserID, RepEmail string
				Warnings                          []string
			}
			if err := json.Unmarshal(get(t, srv.URL+"/calls/940868802").body, &rec); err != nil {
				t.Fatal(err)
			}
			if rec.RepState != "invalid" || rec.AlowareUserID != "120780" || rec.RepEmail != "" || !strings.Contains(strings.Join(rec.Warnings, "|"), fix) {
				t.Errorf("GET /calls/940868802: %+v", rec)
			}

			list := get(t, srv.URL+"/calls?rep=missing&rep=invalid&status=delivered&status=analyzed")
			var page struct {
				Items []struct{ AlowareCallID, RepState string }
			}
			if err := json.Unmarshal(list.body, &page); err != nil || len(page.Items) != 1 || page.Items[0].AlowareCallID != "940868802" || page.Items[0].RepState != "invalid" {
				t.Errorf("sent without a rep: %d %s", list.status, list.body)
			}
			if r := get(t, srv.URL+"/calls?rep=lost"); r.status != http.StatusUnprocessableEntity {
				t.Errorf("an unknown rep state: %d %s", r.status, r.body)
			}

			r := get(t, srv.URL+"/reps")
			var agents struct {
				Items []struct {
					AlowareUserID, Name, RepEmail, State string
					Calls                                int
					ByState                              map[string]int
				}
			}
			if err := json.Unmarshal(r.body, &agents); err != nil || r.status != http.StatusOK {
				t.Fatalf("GET /reps: %d %s", r.status, r.body)
			}
			var got []string
			for _, a := range agents.Items {
				got = append(got, a.AlowareUserID+" "+a.Name+" "+a.RepEmail+" "+a.State+" "+string(rune('0'+a.Calls))+" invalid="+string(rune('0'+a.ByState["invalid"])))
			}
			want := "120776 Sam Carter sam.carter@example.com mapped 1 invalid=0|120777 Sam Carter sam@team.example mapped 1 invalid=0|120780 Sam Carter  invalid 1 invalid=1"
			if strings.Join(got, "|") != want {
				t.Errorf("GET /reps:\n%s\nwant\n%s", strings.Join(got, "|"), want)
			}
		})
	}
}
