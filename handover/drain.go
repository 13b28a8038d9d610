package handover

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
)

// Server runs an http.Server so that stopping it drops no request. http.Server.Shutdown
// alone closes, without an answer, a connection whose first request it finishes reading
// after Shutdown began (the client sees EOF; a webhook sender that never retries loses
// the event). Drain instead stops accepting, turns keep-alives off (each connection
// closes after its answer) and waits for every connection accepted so far to finish;
// only then does Shutdown run, with nothing left to drop.
type Server struct {
	srv    *http.Server
	ln     net.Listener
	served chan error

	mu       sync.Mutex
	open     map[net.Conn]struct{}
	idle     chan struct{} // closed when open becomes empty while draining
	draining bool
}

// Serve starts serving srv on ln.
func Serve(srv *http.Server, ln net.Listener) *Server {
	s := &Server{srv: srv, ln: ln, served: make(chan error, 1), open: map[net.Conn]struct{}{}, idle: make(chan struct{})}
	prev := srv.ConnState
	srv.ConnState = func(c net.Conn, state http.ConnState) {
		s.track(c, state)
		if prev != nil {
			prev(c, state)
		}
	}
	go func() { s.served <- srv.Serve(ln) }()
	return s
}

func (s *Server) track(c net.Conn, state http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch state {
	case http.StateNew:
		s.open[c] = struct{}{}
	case http.StateClosed, http.StateHijacked:
		delete(s.open, c)
		if s.draining && len(s.open) == 0 {
			close(s.idle)
		}
	}
}

// Failed delivers the error of a server that stopped by itself (not by Drain).
func (s *Server) Failed() <-chan error { return s.served }

// Drain stops accepting, lets every accepted connection finish its requests, and shuts
// the server down; when ctx ends first, the connections left are closed.
func (s *Server) Drain(ctx context.Context) error {
	s.srv.SetKeepAlivesEnabled(false) // also closes the connections idle now
	_ = s.ln.Close()                  // Serve returns; new connections queue in the kernel for the next process
	if err := <-s.served; err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	s.mu.Lock()
	s.draining = true
	if len(s.open) == 0 {
		close(s.idle)
	}
	s.mu.Unlock()
	select {
	case <-s.idle:
	case <-ctx.Done():
	}
	if err := s.srv.Shutdown(ctx); err != nil {
		_ = s.srv.Close()
		return err
	}
	return nil
}
