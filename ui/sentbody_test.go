package ui_test

import (
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/reps"
	"github.com/aloware-kendo/aloware-kendo/teams"
	"github.com/aloware-kendo/aloware-kendo/ui"
)

// The call page and the list on the real engine (SQLite) and a real HTTP Kendo show what
// was sent: Kendo answers the first request 413, so the second drops the transcript (the
// recording stays); the rep e-mail map sends another address than the events'. The page
// shows request 2's body — no transcript, the mapped e-mail — and the list that e-mail.
func TestCallPageAndListShowTheBodySent(t *testing.T) {
	const id, mapped = "940868616", "sam@kendo-team.example"
	ctx := context.Background()
	k := kendotest.New(t, kendo.Rate{Limit: 1000, Period: time.Second})
	k.SetFault(func(n int64, w http.ResponseWriter, _ *http.Request) bool {
		if n == 1 {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return true
		}
		return false
	})
	svc, err := delivery.Open(ctx, delivery.Options{
		DB: "sqlite:" + filepath.Join(t.TempDir(), "sent.db"), KendoURL: k.URL(),
		Teams: teams.Single("pk_sent_body_test", kendo.Rate{Limit: 1000, Period: time.Second}),
		Reps:  reps.NewDirectory(reps.Options{EmailMap: map[string]string{"120776": mapped}}),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		_ = svc.Stop(stop)
	})
	for _, raw := range testenv.Lifecycle(t, "outbound-"+id) {
		if _, err := svc.Accept(ctx, raw); err != nil {
			t.Fatal(err)
		}
	}
	if rec, err := svc.Wait(ctx, id, 30*time.Second); err != nil || rec.Status != lifecycle.Delivered {
		t.Fatalf("call %s: %s, %v; want delivered", id, rec.Status, err)
	}
	s := serveAt(t, svc, ui.Access{}, time.Now)

	page := s.get(t, "/ui/calls/"+id)
	if page.status != http.StatusOK {
		t.Fatalf("call page: %d", page.status)
	}
	payload := page.body[strings.Index(page.body, `id="payload-h"`):]
	mustContain(t, "call page's payload", payload,
		"The payload sent to Kendo", "Exactly the body of request 2:",
		"<dt>repEmail</dt><dd>"+mapped+"</dd>", "https://app.aloware.io/…",
		"<h3>transcript</h3>\n<p class=\"empty\">none</p>")
	mustNotContain(t, "call page's payload", payload, "sam.carter@example.com", "Harbor Insurance", "The payload that will be sent")
	if !regexp.MustCompile(`SHA-256 <code>[0-9a-f]{64}</code>`).MatchString(payload) {
		t.Error("the call page does not name the body's SHA-256")
	}

	list := s.get(t, "/ui?q="+id)
	mustContain(t, "list", list.body, mapped)
	mustNotContain(t, "list", list.body, "sam.carter@example.com")
}
