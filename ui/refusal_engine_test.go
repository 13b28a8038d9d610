package ui_test

import (
	"context"
	"encoding/json"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/inbound"
	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/teams"
	"github.com/aloware-kendo/aloware-kendo/ui"
)

// The page and the API in one server on the real engine, each with its own credentials,
// so who asked is told apart: the page's operator is alice, the API's caller bob.
const (
	pageUser, pagePass = "alice", "page-secret"
	apiUser, apiPass   = "bob", "api-secret"
)

// fixtureCallID is the communication id of the recorded call testdata/lifecycle holds.
const fixtureCallID = "940868616"

type engineSite struct {
	site
	svc *delivery.Service
}

// engineSiteOn serves the page and the API on a real engine over db; start runs its
// workers and retention (without them, a call stays where the test puts it).
func engineSiteOn(t *testing.T, db string, k *kendotest.Server, retain time.Duration, start bool) engineSite {
	t.Helper()
	var logs testenv.LogBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	svc := openEngine(t, delivery.Options{
		DB: db, KendoURL: k.URL(), Teams: teams.Single("pk_refusal_test", kendo.Rate{Limit: 1000, Period: time.Second}),
		Settle: 50 * time.Millisecond, Retain: retain, Logger: logger,
	})
	if start {
		startEngine(t, svc)
	}
	access := ui.Access{UIBasic: pageUser + ":" + pagePass, InboundBasic: apiUser + ":" + apiPass}
	page, err := ui.New(ui.Options{Engine: svc, Access: access, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := inbound.New(inbound.Config{Basic: access.InboundBasic})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handlers.New(handlers.Deps{Intake: svc, Operator: svc, UI: page, Auth: auth, Logger: logger}))
	t.Cleanup(srv.Close)
	return engineSite{site: site{Server: srv, log: &logs}, svc: svc}
}

func basic(user, pass string) []string {
	r := &http.Request{Header: http.Header{}}
	r.SetBasicAuth(user, pass)
	return []string{"Authorization", r.Header.Get("Authorization")}
}

var asPage, asAPI = basic(pageUser, pagePass), basic(apiUser, apiPass)

func pushCall(t *testing.T, svc *delivery.Service, id string) {
	t.Helper()
	for _, raw := range testenv.Lifecycle(t, "outbound-"+fixtureCallID) {
		if _, err := svc.Accept(context.Background(), testenv.WithID(raw, fixtureCallID, id)); err != nil {
			t.Fatalf("accept %s: %v", id, err)
		}
	}
}

type problem struct {
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

// A failed call whose content retention purged cannot be sent again: the page no
// longer offers it, and a page still showing the button (it was loaded before the purge)
// gets the notice that means what the API's 410 means.
func TestPurgedCallIsNotOfferedAndThePageSaysWhatTheAPISays(t *testing.T) {
	for name, newDB := range testenv.Databases() {
		t.Run(name, func(t *testing.T) {
			const id = "940868701"
			k := kendotest.New(t, kendo.Rate{Limit: 1000, Period: time.Second})
			k.SetFault(func(_ int64, w http.ResponseWriter, _ *http.Request) bool {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"error":"Invalid repEmail"}`))
				return true
			})
			s := engineSiteOn(t, newDB(t), k, time.Second, true)
			pushCall(t, s.svc, id)
			testenv.WaitFor(t, 60*time.Second, "the call to fail and be purged", func() bool {
				rec, err := s.svc.Call(context.Background(), id)
				return err == nil && rec.Status == lifecycle.Failed && rec.PurgedAt != nil
			})

			button := `action="/ui/calls/` + id + `/redeliver"`
			callPage := s.get(t, "/ui/calls/"+id, asPage...)
			if callPage.status != http.StatusOK {
				t.Fatalf("call page: %d", callPage.status)
			}
			mustNotContain(t, "the purged call's page", callPage.body, button)
			list := s.get(t, "/ui?status=failed", asPage...)
			mustContain(t, "the failed calls", list.body, id)
			mustNotContain(t, "the failed calls", list.body, button)

			api := s.post(t, "/calls/"+id+"/redeliver", nil, asAPI...)
			var p problem
			if err := json.Unmarshal([]byte(api.body), &p); err != nil || api.status != http.StatusGone {
				t.Fatalf("API redelivery of a purged call: %d %s", api.status, api.body)
			}
			clicked := s.post(t, "/ui/calls/"+id+"/redeliver", nil, asPage...)
			loc, err := url.Parse(clicked.header.Get("Location"))
			if clicked.status != http.StatusSeeOther || err != nil {
				t.Fatalf("page redelivery of a purged call: %d %q", clicked.status, clicked.header.Get("Location"))
			}
			if code := loc.Query().Get("error"); code != "purged" {
				t.Errorf("page redelivery of a purged call: notice %q, want purged (the API answered %d %q)", code, p.Status, p.Detail)
			}
			notice := s.get(t, loc.String(), asPage...).body
			mustContain(t, "the notice", notice, `role="alert"`, "no longer stored")
			mustNotContain(t, "the notice", notice, "engine could not do it")
			if !strings.Contains(p.Detail, "no longer stored") || len(p.Errors) != 1 || !strings.Contains(html.UnescapeString(notice), p.Errors[0].Message) {
				t.Errorf("the API's answer %+v does not say what the page says", p)
			}
		})
	}
}

// Every operator action records who asked: the page's operator from the page, the API's
// caller from the API, in the call's reason and in the log.
func TestOperatorActionsRecordWhoAsked(t *testing.T) {
	for name, newDB := range testenv.Databases() {
		t.Run(name, func(t *testing.T) {
			const one, two = "940868711", "940868712"
			k := kendotest.New(t, kendo.Rate{Limit: 1000, Period: time.Second})
			// Not started: no worker sends the calls, so each stays where an action puts it.
			s := engineSiteOn(t, newDB(t), k, time.Hour, false)
			pushCall(t, s.svc, one)
			pushCall(t, s.svc, two)
			reason := func(id string) string {
				t.Helper()
				rec, err := s.svc.Call(context.Background(), id)
				if err != nil {
					t.Fatal(err)
				}
				return rec.Reason
			}
			const byPage, byAPI = "ops page (" + pageUser + ")", "API (basic user " + apiUser + ")"

			// Skipped by the one, redelivered by the other, each way round.
			if a := s.post(t, "/calls/"+one+"/skip", nil, asAPI...); a.status != http.StatusOK {
				t.Fatalf("API skip: %d %s", a.status, a.body)
			}
			if a := s.post(t, "/ui/calls/"+two+"/skip", nil, asPage...); a.status != http.StatusSeeOther {
				t.Fatalf("page skip: %d", a.status)
			}
			if got := reason(one); !strings.Contains(got, byAPI) {
				t.Errorf("API skip: reason %q, want it to name %q", got, byAPI)
			}
			if got := reason(two); !strings.Contains(got, byPage) {
				t.Errorf("page skip: reason %q, want it to name %q", got, byPage)
			}

			if a := s.post(t, "/ui/calls/"+one+"/redeliver", nil, asPage...); a.status != http.StatusSeeOther || strings.Contains(a.header.Get("Location"), "error=") {
				t.Fatalf("page redelivery: %d %s", a.status, a.header.Get("Location"))
			}
			if a := s.post(t, "/calls/"+two+"/redeliver", nil, asAPI...); a.status != http.StatusAccepted {
				t.Fatalf("API redelivery: %d %s", a.status, a.body)
			}
			if got := reason(one); got != "redelivery requested by "+byPage {
				t.Errorf("page redelivery: reason %q, want it to name %q", got, byPage)
			}
			if got := reason(two); got != "redelivery requested by "+byAPI {
				t.Errorf("API redelivery: reason %q, want it to name %q", got, byAPI)
			}

			if a := s.post(t, "/ui/calls/"+one+"/erase", nil, asPage...); a.status != http.StatusSeeOther {
				t.Fatalf("page erasure: %d", a.status)
			}
			if a := s.do(t, http.MethodDelete, "/calls/"+two, nil, asAPI...); a.status != http.StatusOK {
				t.Fatalf("API erasure: %d %s", a.status, a.body)
			}
			if got := reason(one); !strings.Contains(got, byPage) {
				t.Errorf("page erasure: reason %q, want it to name %q", got, byPage)
			}
			if got := reason(two); !strings.Contains(got, byAPI) {
				t.Errorf("API erasure: reason %q, want it to name %q", got, byAPI)
			}

			if a := s.post(t, "/ui/quarantine/replay", nil, asPage...); a.status != http.StatusSeeOther {
				t.Fatalf("page replay: %d", a.status)
			}
			if a := s.post(t, "/quarantine/replay", nil, asAPI...); a.status != http.StatusOK {
				t.Fatalf("API replay: %d %s", a.status, a.body)
			}
			logs := s.log.String()
			for _, want := range []string{
				`"msg":"redelivery requested","alowareCallId":"` + one + `","by":"` + byPage + `"`,
				`"msg":"redelivery requested","alowareCallId":"` + two + `","by":"` + byAPI + `"`,
				`"msg":"call content erased on request","alowareCallId":"` + one + `","by":"` + byPage + `"`,
				`"msg":"call content erased on request","alowareCallId":"` + two + `","by":"` + byAPI + `"`,
				`"by":"` + byPage + `"`, // the replays
				`"by":"` + byAPI + `"`,
			} {
				if !strings.Contains(logs, want) {
					t.Errorf("the log lacks %s", want)
				}
			}
			if n := strings.Count(logs, `"msg":"quarantine replayed"`); n != 2 {
				t.Errorf("%d replays logged by the engine, want 2 (each naming who asked)", n)
			}
		})
	}
}
