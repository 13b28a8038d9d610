// Package kendotest serves a real HTTP Kendo for tests: the emulator, which enforces
// Kendo's documented rules, behind a hook that can answer any request itself to inject
// failures (500s, hangs, resets, 429s, 413s).
package kendotest

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/kendo/emulator"
)

// Fault answers the n-th POST (1-based) itself and returns true, or returns false to let
// the emulator answer.
type Fault func(n int64, w http.ResponseWriter, r *http.Request) bool

// Server is a Kendo Push API on a loopback port.
type Server struct {
	Emu   *emulator.Emulator
	posts atomic.Int64
	srv   *httptest.Server

	mu    sync.Mutex
	fault Fault
}

// New starts a server that is closed when the test ends.
func New(t testing.TB, rate kendo.Rate) *Server {
	s := newServer(rate)
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	return s
}

// Later reserves a loopback address where nothing listens yet (every connection is
// refused, so no request ever reaches Kendo) and returns its ingest URL, and start,
// which begins serving there.
func Later(t testing.TB, rate kendo.Rate) (url string, start func() *Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + emulator.IngestPath, func() *Server {
		s := newServer(rate)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("serving Kendo at %s: %v", addr, err)
		}
		s.srv.Listener = ln
		s.srv.Start()
		t.Cleanup(s.srv.Close)
		return s
	}
}

func newServer(rate kendo.Rate) *Server {
	s := &Server{Emu: emulator.New(emulator.Options{Rate: rate})}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			n := s.posts.Add(1)
			s.mu.Lock()
			fault := s.fault
			s.mu.Unlock()
			if fault != nil && fault(n, w, r) {
				return
			}
		}
		s.Emu.ServeHTTP(w, r)
	}))
	return s
}

// URL is the ingest URL to give the service.
func (s *Server) URL() string { return s.srv.URL + emulator.IngestPath }

// Posts counts every POST that reached Kendo, faulted ones included.
func (s *Server) Posts() int64 { return s.posts.Load() }

// SetFault installs (or, with nil, removes) the fault hook.
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	s.fault = f
	s.mu.Unlock()
}

// HoldFirst makes Kendo hold the first POST until release is called, then answer it as
// the emulator does. arrived waits (20 s at most) until that request is at Kendo. A
// request still held when the test ends is released, so the server can close.
func (s *Server) HoldFirst(t testing.TB) (arrived, release func()) {
	in, out := make(chan struct{}), make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(out) }) }
	s.SetFault(func(n int64, w http.ResponseWriter, r *http.Request) bool {
		if n == 1 {
			close(in)
			<-out
		}
		return false
	})
	t.Cleanup(release)
	return waitArrival(t, in), release
}

// HangFirst makes Kendo hold the first POST until its sender goes away, without
// accepting it. arrived waits (20 s at most) until that request is at Kendo.
func (s *Server) HangFirst(t testing.TB) (arrived func()) {
	in := make(chan struct{})
	s.SetFault(func(n int64, w http.ResponseWriter, r *http.Request) bool {
		if n != 1 {
			return false
		}
		// Read the body first: only then does net/http watch the connection and cancel
		// the request's context when the sender dies.
		_, _ = io.Copy(io.Discard, r.Body)
		close(in)
		<-r.Context().Done()
		return true
	})
	return waitArrival(t, in)
}

func waitArrival(t testing.TB, in <-chan struct{}) func() {
	return func() {
		t.Helper()
		select {
		case <-in:
		case <-time.After(20 * time.Second):
			t.Fatal("the delivery never reached Kendo")
		}
	}
}

// Payloads decodes what the emulator accepted, in arrival order.
func (s *Server) Payloads(t testing.TB) []kendo.Payload {
	t.Helper()
	var out []kendo.Payload
	for _, c := range s.Emu.Calls() {
		var p kendo.Payload
		if err := json.Unmarshal(c.Payload, &p); err != nil {
			t.Fatalf("emulator kept a payload that is not JSON: %v", err)
		}
		out = append(out, p)
	}
	return out
}
