package ui_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/refusal"
	"github.com/aloware-kendo/aloware-kendo/ui"
)

// refusingEngine refuses every single-call action with err.
type refusingEngine struct {
	*fakeEngine
	err error
}

func (e refusingEngine) Redeliver(context.Context, string, delivery.RedeliverOptions, string) (delivery.CallRecord, error) {
	return delivery.CallRecord{}, e.err
}

func (e refusingEngine) Skip(context.Context, string, string) (delivery.CallRecord, error) {
	return delivery.CallRecord{}, e.err
}

func (e refusingEngine) Erase(context.Context, string, string) (delivery.CallRecord, error) {
	return delivery.CallRecord{}, e.err
}

var _ ui.Engine = refusingEngine{}

// Each refusal of the engine reads on the page as the refusal table says, which is what
// the API answers for it; only a call Kendo may already have goes to its confirmation
// page instead, and only what is no refusal is "the engine could not do it".
func TestEveryRefusalReadsOnThePageAsTheTableSays(t *testing.T) {
	type row struct {
		name, code, notice string
		err                error
	}
	rows := []row{{name: "engine failing", code: "engine", notice: "The engine could not do it", err: errDown}}
	for _, r := range refusal.All() {
		rows = append(rows, row{name: r.Code, code: r.Code, notice: r.Notice, err: r.Err})
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			f := newFakeEngine(func() time.Time { return testNow })
			rec, preview := failedRecord("940868616", testNow)
			f.add(rec, preview)
			s := serve(t, refusingEngine{fakeEngine: f, err: r.err}, ui.Access{})
			for _, action := range []string{"redeliver", "skip", "erase"} {
				a := s.post(t, "/ui/calls/940868616/"+action, nil)
				loc, err := url.Parse(a.header.Get("Location"))
				if a.status != http.StatusSeeOther || err != nil {
					t.Fatalf("%s: %d %q", action, a.status, a.header.Get("Location"))
				}
				if r.err == delivery.ErrOutcomeUnknown {
					if loc.Path != "/ui/calls/940868616/redeliver" {
						t.Errorf("%s: to %s, want the confirmation page", action, loc)
					}
					continue
				}
				if got := loc.Query().Get("error"); got != r.code {
					t.Errorf("%s: notice %q, want %q", action, got, r.code)
				}
				page := html.UnescapeString(s.get(t, loc.String()).body)
				mustContain(t, action+" notice", page, `role="alert"`, r.notice)
			}
		})
	}
}
