package handlers_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/refusal"
)

// Each refusal of the engine is answered with its row of the refusal table: its status,
// "call <id> <summary>" as the detail, and as the message the sentence the ops page shows
// for it. The redelivery names the API's caller.
func TestEveryRefusalIsAnsweredAsTheTableSays(t *testing.T) {
	for _, r := range refusal.All() {
		t.Run(r.Code, func(t *testing.T) {
			p := &fakeEngine{redeliver: func(string, delivery.RedeliverOptions) (delivery.CallRecord, error) {
				return delivery.CallRecord{}, r.Err
			}}
			srv := newServer(t, handlers.Deps{Intake: p, Operator: p, Logger: slog.New(slog.DiscardHandler)})
			resp := post(t, srv.URL+"/calls/940868616/redeliver", nil)
			var problem struct {
				Status int    `json:"status"`
				Detail string `json:"detail"`
				Errors []struct {
					Message, Location string
				} `json:"errors"`
			}
			if err := json.Unmarshal(resp.body, &problem); err != nil {
				t.Fatalf("%d %s: %v", resp.status, resp.body, err)
			}
			if resp.status != r.Status || problem.Status != r.Status {
				t.Errorf("status %d (%d in the problem), want %d", resp.status, problem.Status, r.Status)
			}
			if want := "call 940868616 " + r.Summary; problem.Detail != want {
				t.Errorf("detail %q, want %q", problem.Detail, want)
			}
			if len(problem.Errors) != 1 || !strings.HasPrefix(problem.Errors[0].Message, r.Notice) || problem.Errors[0].Location != "path.alowareCallId" {
				t.Errorf("errors %+v, want the page's notice %q at path.alowareCallId", problem.Errors, r.Notice)
			}
			if p.by != "API" {
				t.Errorf("the redelivery named %q, want API", p.by)
			}
		})
	}
}

// What is no refusal is the engine failing: a 503 the client may retry.
func TestAnEngineFailureIsNoRefusal(t *testing.T) {
	p := &fakeEngine{redeliver: func(string, delivery.RedeliverOptions) (delivery.CallRecord, error) {
		return delivery.CallRecord{}, errDown
	}}
	srv := newServer(t, handlers.Deps{Intake: p, Operator: p, Logger: slog.New(slog.DiscardHandler)})
	if resp := post(t, srv.URL+"/calls/940868616/redeliver", nil); resp.status != http.StatusServiceUnavailable || resp.header.Get("Retry-After") == "" {
		t.Errorf("%d %s, want 503 with Retry-After", resp.status, resp.body)
	}
}
