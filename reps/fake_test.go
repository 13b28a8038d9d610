package reps_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
)

// testToken has characters that change under query escaping, so a leak of
// either the raw or the escaped form would be caught.
const testToken = "tok+s3cr3t/=&x"

// fakeAloware is a stand-in for Aloware's Users API. Like the real service it
// wants api_token in the query and answers unknown paths with the SPA's HTML.
type fakeAloware struct {
	*httptest.Server
	requests atomic.Int32
	mode     atomic.Value // "ok", "fail", "html" or "slow"
	mu       sync.Mutex
	users    []map[string]any
	release  chan struct{}
}

func newFakeAloware(t *testing.T, users ...map[string]any) *fakeAloware {
	t.Helper()
	f := &fakeAloware{users: users, release: make(chan struct{})}
	f.mode.Store("ok")
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() { close(f.release); f.Close() })
	return f
}

func (f *fakeAloware) setMode(m string) { f.mode.Store(m) }

func (f *fakeAloware) setUsers(u ...map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users = u
}

func (f *fakeAloware) serve(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	if r.URL.Path != "/api/v1/webhook/users" {
		spa(w)
		return
	}
	if r.URL.Query().Get("api_token") != testToken {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":"Unauthenticated."}`))
		return
	}
	switch f.mode.Load() {
	case "fail":
		// Echo the request URL, as some error pages do: the client must scrub it.
		http.Error(w, "upstream exploded while serving "+r.URL.String(), http.StatusBadGateway)
	case "html":
		spa(w)
	case "slow":
		select {
		case <-r.Context().Done():
		case <-f.release:
		}
	default:
		f.mu.Lock()
		b, _ := json.Marshal(f.users)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(b)
	}
}

func spa(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.Write([]byte("<!DOCTYPE html><html><head><title>Aloware</title></head><body><div id=q-app></div></body></html>"))
}

func sam() map[string]any {
	return map[string]any{"id": 120776, "name": "Sam Agent", "email": "sam@aloware.example", "agent_status": 1}
}

func newLogger() (*slog.Logger, *testenv.LogBuffer) {
	buf := &testenv.LogBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// eventually polls cond; background refreshes have no hook to wait on.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
