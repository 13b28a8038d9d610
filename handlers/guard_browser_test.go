package handlers_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/internal/browsertest"
)

// seen records what reached the service: method, path and the status it answered.
type seen struct {
	mu   sync.Mutex
	list []string
}

func (s *seen) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rw, r)
		s.mu.Lock()
		s.list = append(s.list, fmt.Sprintf("%s %s %d", r.Method, r.URL.Path, rw.status))
		s.mu.Unlock()
	})
}

func (s *seen) has(entry string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.list {
		if e == entry {
			return true
		}
	}
	return false
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) { w.status = code; w.ResponseWriter.WriteHeader(code) }

// A page of another site, open in a real Chromium on the operator's machine, tries what
// the attack did: a form POST that skips a waiting call and a no-cors text/plain fetch
// that pushes a forged call with the attacker's recording. The service receives both and
// refuses both, and nothing changed. Then a page on a DNS name rebound to 127.0.0.1
// (same-origin with the service, as far as the browser knows) cannot read /calls.
func TestBrowserCannotActFromAnotherSite(t *testing.T) {
	ctx := browsertest.New(t, "rebind.attacker.test")
	st := newStack(t, stackOptions{settle: time.Hour})
	rec := &seen{}
	service := httptest.NewServer(rec.wrap(handlers.New(handlers.Deps{Intake: st.svc, Operator: st.svc, Logger: slog.New(slog.DiscardHandler)})))
	t.Cleanup(service.Close)
	const waiting, forged = "940868616", "940868699"
	if resp := post(t, service.URL+"/push", []byte(call(`"talk_time":60`))); resp.status != http.StatusAccepted {
		t.Fatalf("push: %d %s", resp.status, clip(resp.body))
	}
	before := receipt(t, get(t, service.URL+"/calls/"+waiting)).Status
	if before == "" {
		t.Fatal("no status for the waiting call")
	}

	forgedEvent := strings.ReplaceAll(call(`"talk_time":61,"recording":"https://attacker.example/forged.mp3"`), waiting, forged)
	page := `<!doctype html><title>attacker</title>
<iframe name="sink"></iframe>
<form id="skip" method="POST" action="` + service.URL + `/calls/` + waiting + `/skip" target="sink"></form>
<script>
(async () => {
  try {
    await fetch(` + "`" + service.URL + `/push` + "`" + `, {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: ` + "`" + forgedEvent + "`" + `});
  } catch (e) {}
  document.querySelector("iframe").addEventListener("load", () => { document.title = "done"; }, {once: true});
  document.getElementById("skip").submit();
})();
</script>`
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(page))
	}))
	t.Cleanup(attacker.Close)

	step, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(step, chromedp.Navigate(attacker.URL)); err != nil {
		t.Fatalf("loading the other site's page: %v", err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		title, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.title`))
		if err == nil && title == "done" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page did not finish its requests (title %q, %v); the service saw %q", title, err, rec.list)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, want := range []string{"POST /push 403", "POST /calls/" + waiting + "/skip 403"} {
		if !rec.has(want) {
			t.Errorf("the service did not see %q; it saw %q", want, rec.list)
		}
	}
	if resp := get(t, service.URL+"/calls/"+forged); resp.status != http.StatusNotFound {
		t.Errorf("the forged call was stored: %d %s", resp.status, clip(resp.body))
	}
	if after := receipt(t, get(t, service.URL+"/calls/"+waiting)).Status; after != before {
		t.Errorf("the waiting call went from %s to %s", before, after)
	}

	// DNS rebinding: the browser believes rebind.attacker.test is the service's origin.
	port := service.URL[strings.LastIndex(service.URL, ":"):]
	if err := chromedp.Do(step, chromedp.Navigate("http://rebind.attacker.test"+port+"/calls")); err != nil {
		t.Fatalf("loading the rebound name: %v", err)
	}
	body, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(body, waiting) || !rec.has("GET /calls 421") {
		t.Errorf("a rebound name read /calls: %q (the service saw %q)", clip([]byte(body)), rec.list)
	}
}
