package ui_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
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
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/ui"
)

// testNow is the fake's clock: fixed, so pages and their figures are the same every run.
var testNow = time.Date(2026, 8, 5, 21, 45, 0, 0, time.UTC)

type site struct {
	*httptest.Server
	log *testenv.LogBuffer
}

// serve mounts the ops page as the service does (handlers.New with Deps.UI, the inbound
// credentials on the API routes) on a loopback listener.
func serve(t *testing.T, eng ui.Engine, access ui.Access) site {
	t.Helper()
	return serveAt(t, eng, access, func() time.Time { return testNow })
}

// serveAt is serve with the page's clock; it must be the engine's, since the page
// compares the times the engine records with its own.
func serveAt(t *testing.T, eng ui.Engine, access ui.Access, now func() time.Time) site {
	t.Helper()
	var log testenv.LogBuffer
	logger := slog.New(slog.NewJSONHandler(&log, nil))
	page, err := ui.New(ui.Options{Engine: eng, Access: access, Logger: logger, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := inbound.New(inbound.Config{Token: access.InboundToken, Basic: access.InboundBasic})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handlers.New(handlers.Deps{UI: page, Auth: auth, Logger: logger}))
	t.Cleanup(srv.Close)
	return site{Server: srv, log: &log}
}

type answer struct {
	status int
	header http.Header
	body   string
}

// noRedirects lets a test see the 303 an action answers.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (s site) do(t *testing.T, method, path string, form url.Values, header ...string) answer {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (s site) get(t *testing.T, path string, header ...string) answer {
	t.Helper()
	return s.do(t, http.MethodGet, path, nil, header...)
}

func (s site) post(t *testing.T, path string, form url.Values, header ...string) answer {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return s.do(t, http.MethodPost, path, form, header...)
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func mustNotContain(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("%s contains %q", what, w)
		}
	}
}

// personal is what must never reach a page or a log line: the fixtures' phone numbers in
// every form they take, and the path of the recording URL.
var personal = []string{"201-7788", "2017788", "201 7788", "32c1a2f8", "/static/recording/"}

func gzipSize(b []byte) int {
	var z bytes.Buffer
	w, _ := gzip.NewWriterLevel(&z, gzip.DefaultCompression)
	_, _ = w.Write(b)
	_ = w.Close()
	return z.Len()
}

// openEngine opens the real engine on o, closed when the test ends.
func openEngine(t *testing.T, o delivery.Options) *delivery.Service {
	t.Helper()
	svc, err := delivery.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return svc
}

// startEngine starts the engine's workers, stopped when the test ends.
func startEngine(t *testing.T, svc *delivery.Service) {
	t.Helper()
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = svc.Stop(stop)
	})
}

// opsSite serves the ops page (and the API) of a real engine, as serve does.
func opsSite(t *testing.T, svc *delivery.Service) string {
	t.Helper()
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	page, err := ui.New(ui.Options{Engine: svc, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handlers.New(handlers.Deps{Intake: svc, Operator: svc, UI: page, Logger: logger}))
	t.Cleanup(srv.Close)
	return srv.URL
}
